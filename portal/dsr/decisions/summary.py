"""The answer in words: exactly what a decision changed, for the person who asked.

Called inside `force_locale(<the request's language>)`; the text becomes the body of the
`applied` event, which the request page and the answer mail show as written.
"""
from __future__ import annotations

from collections import Counter, defaultdict

from flask_babel import format_date, format_decimal
from flask_babel import gettext as _

from portal.inventory.labels import CATEGORY_ORDER, category_name, field_name
from portal.dsr.decisions.outcome import Outcome
from portal.i18n import localized
from portal.inventory.models import ConsentState


def _join(names) -> str:
    return _(", ").join(names)


def _groups(counts: Counter):
    """(category name, total, field names, many) per category, in the order "my data" uses.

    `many` is true when a field repeats (purchase lines): then a count reads better than names.
    """
    fields_by_category: dict = defaultdict(list)
    for (category, name), count in counts.items():
        fields_by_category[category].append((name, count))
    for category in sorted(fields_by_category, key=CATEGORY_ORDER.index):
        fields = sorted(fields_by_category[category])
        total = sum(count for _name, count in fields)
        yield (category_name(category), format_decimal(total), _join(field_name(name, category) for name, _count in fields),
               total > len(fields))


def _held_groups(kept) -> dict:
    """Held items by (category, reason, until), in the order "my data" uses."""
    groups: dict = defaultdict(list)
    for held in sorted(kept, key=lambda held: (CATEGORY_ORDER.index(held.category), held.until, held.field)):
        groups[(held.category, held.reason, held.until)].append(held)
    return groups


def describe_outcome(outcome: Outcome) -> str:
    """Plain text, one statement per line."""
    lines = [_("We changed your %(field)s.", field=field_name(ref.field, ref.category)) for ref in outcome.changed]
    lines += [_("We added %(field)s (%(category)s).", field=field_name(ref.field, ref.category), category=category_name(ref.category))
              for ref in outcome.added]
    lines += [_("We deleted your %(field)s.", field=field_name(ref.field, ref.category)) for ref in outcome.deleted]
    lines += [_("We did not change your %(field)s. Reason: %(reason)s", field=field_name(r.field, r.category), reason=r.reason)
              for r in outcome.refused]
    for category, count, fields, many in _groups(outcome.erased):
        lines.append(_("We erased %(count)s entries of %(category)s.", category=category, count=count) if many
                     else _("We erased your %(fields)s (%(category)s).", category=category, fields=fields))
    if outcome.kept:
        # Said once per kind of data, law and date: fifty held purchase lines are one entry.
        kept = []
        for (category, reason, until), held in _held_groups(outcome.kept).items():
            fields = sorted({item.field for item in held})
            what = (_("%(count)s entries of %(category)s", count=format_decimal(len(held)),
                      category=category_name(category)) if len(held) > len(fields)
                    else _join(field_name(name, category) for name in fields))
            kept.append(_("%(field)s (%(reason)s, until %(date)s)", field=what, reason=reason or _("legal retention"),
                          date=format_date(until, "long")))
        lines.append(_("A law obliges us to keep the following, so we have not erased them: %(items)s",
                       items=_join(kept)))
    for category, count, fields, many in _groups(outcome.suspended):
        lines.append(_("We stopped using %(count)s entries of %(category)s.", category=category, count=count) if many
                     else _("We stopped using your %(fields)s (%(category)s).", category=category, fields=fields))
    if outcome.suspended:
        lines.append(_("We still hold this data, but no longer use it. You can see it on the portal, marked as "
                       "suspended."))
    if outcome.use_stopped:
        lines.append(_("From now on we do not use any of your data, including data we receive later."))
    withdrawn = [localized(p, "title") for p, state in outcome.consents if state is ConsentState.WITHDRAWN]
    granted = [localized(p, "title") for p, state in outcome.consents if state is ConsentState.GRANTED]
    if withdrawn:
        lines.append(_("We recorded the withdrawal of your consent to: %(purposes)s", purposes=_join(withdrawn)))
    if granted:
        lines.append(_("We recorded your consent to: %(purposes)s", purposes=_join(granted)))
    if outcome.register_cleared and outcome.kept:
        lines.append(_("We erased your registration, except what the law obliges us to keep (above). Besides it we "
                       "keep only our reference number for you, the date of the erasure and this request."))
    elif outcome.register_cleared:
        lines.append(_("We erased your registration. We keep only our reference number for you, the date of "
                       "the erasure and this request, so that we never use your data again."))
    for recipient in outcome.recipients_stopped:
        lines.append(_("We will no longer give your data to %(recipient)s.", recipient=recipient) if recipient
                     else _("We will no longer give your data to any other company."))
    if outcome.package is not None:
        lines.append(_("Your data is ready. Download it from this request's page on the portal until %(date)s.",
                       date=format_date(outcome.package.expires_at, "long")))
    if outcome.by_post:
        lines.append(_("We will send our answer in writing, by post to the address we hold for you."))
    if not lines:
        lines.append(_("Nothing in your data needed to change."))
    return "\n".join(lines)
