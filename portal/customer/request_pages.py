"""What the "my requests" pages show: a request's details in words, its timeline, its values.

Correction requests hold values (the one we had, the one proposed). Like "my data", they
are masked until the customer has passed the extra check in this session.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import format_decimal
from flask_babel import gettext as _

from portal.inventory.labels import category_name, field_name
from portal.customer.masking import mask_value
from portal.dsr.labels import (ACTION_WORDS, FORMAT_WORDS, GROUND_WORDS, RESIDENCE_WORDS,
                                            event_words)
from portal.dsr.models import DataRequest, EventKind, RequestEvent, RequestType
from portal.dsr.queries import timeline
from portal.extensions import db
from portal.i18n import localized
from portal.inventory.models import Purpose


@dataclass
class CorrectionRow:
    item: str
    action: str
    current: str | None
    proposed: str | None
    reason: str | None
    masked: bool


@dataclass
class TimelineEntry:
    event: RequestEvent
    words: str
    body: str | None  # a message or a reason, as written

    @property
    def is_message(self) -> bool:
        return self.event.kind in (EventKind.MESSAGE_TO_REQUESTER, EventKind.MESSAGE_FROM_REQUESTER)

    @property
    def from_us(self) -> bool:
        return self.event.kind is EventKind.MESSAGE_TO_REQUESTER


@dataclass
class RequestPage:
    request: DataRequest
    facts: list[tuple[str, str]] = field(default_factory=list)
    corrections: list[CorrectionRow] = field(default_factory=list)
    timeline: list[TimelineEntry] = field(default_factory=list)


def _shown(field_: str, value: Any, *, stepped_up: bool) -> tuple[str | None, bool]:
    """A value as text, masked before the extra check."""
    if value is None:
        return None, False
    if isinstance(value, dict):
        text = ", ".join(f"{k}: {v}" for k, v in value.items())
    elif isinstance(value, list):
        text = ", ".join(str(v) for v in value)
    else:
        text = str(value)
    if stepped_up:
        return text, False
    return mask_value(field_, value) or "****", True


def _correction_rows(details: dict, *, stepped_up: bool) -> list[CorrectionRow]:
    rows = []
    for change in details.get("changes", []):
        action = change.get("action")
        if action == "add":
            # The customer's own words for what is missing, under the category's name.
            item = f"{category_name(change['category'])}: {change.get('field')}"
        else:
            item = f"{category_name(change['category'])}: {field_name(change.get('field') or '', change['category'])}"
        current, masked_current = _shown(change.get("field") or "", change.get("current"), stepped_up=stepped_up)
        proposed, masked_proposed = _shown(change.get("field") or "", change.get("proposed"), stepped_up=stepped_up)
        rows.append(CorrectionRow(item=item, action=str(ACTION_WORDS.get(action, action)), current=current,
                                  proposed=proposed, reason=change.get("reason"),
                                  masked=masked_current or masked_proposed))
    return rows


def _purpose_titles(keys: list[str]) -> dict[str, Purpose]:
    if not keys:
        return {}
    return {p.key: p for p in db.session.scalars(sa.select(Purpose).where(Purpose.key.in_(keys)))}


def _facts(request: DataRequest, localized, *, with_note: bool = True) -> list[tuple[str, str]]:
    details = request.details or {}
    facts = [(_("Where you live"), str(RESIDENCE_WORDS.get(request.residence.value, request.residence.value)))]
    if request.type in (RequestType.DISCLOSURE, RequestType.PROVISION_RECORDS):
        if details.get("self_service"):
            facts.append((_("How"), _("You downloaded your data from this portal.")))
        elif details.get("format"):
            facts.append((_("Answer"), str(FORMAT_WORDS.get(details["format"], details["format"]))))
    if request.type in (RequestType.SUSPENSION, RequestType.ERASURE):
        chosen = details.get("categories") or []
        facts.append((_("Covers"), ", ".join(category_name(c) for c in chosen) if chosen else _("All of your data")))
    if request.type is RequestType.STOP_PROVISION:
        chosen = details.get("recipients") or []
        facts.append((_("Covers"), ", ".join(chosen) if chosen else _("Every company we gave your data to")))
    if details.get("ground"):
        facts.append((_("Why"), str(GROUND_WORDS.get(details["ground"], details["ground"]))))
    if request.fee_status:
        state = {"unpaid": _("unpaid"), "paid": _("paid"), "waived": _("waived")}[request.fee_status.value]
        facts.append((_("Fee"), _("%(amount)s yen (%(state)s)", amount=format_decimal(request.fee_amount), state=state)))
    if details.get("opt_out"):
        facts.append((_("Why"), _("Stop of provision by opt-out: no reason is needed")))
    if details.get("gpc"):
        facts.append((_("Why"), _("Your browser sent the Global Privacy Control signal: an opt-out of the sale "
                                  "or sharing of your personal information (CCPA)")))
        titles = _purpose_titles([c["purpose"] for c in details.get("consents", [])])
        for consent in details.get("consents", []):
            purpose = titles.get(consent["purpose"])
            facts.append((localized(purpose, "title") if purpose else consent["purpose"], _("Consent withdrawn")))
    if request.type is RequestType.CONSENT_WITHDRAWAL:
        consents = details.get("consents", [])
        objections = details.get("objections", [])
        purposes = _purpose_titles([c["purpose"] for c in consents] + [o["purpose"] for o in objections])

        def title(key: str) -> str:
            purpose = purposes.get(key)
            return localized(purpose, "title") if purpose else key

        for consent in consents:
            words = _("Consent withdrawn") if consent["state"] == "withdrawn" else _("Consent given")
            facts.append((title(consent["purpose"]), words))
        for objection in objections:
            words = _("Stopped at your objection") if objection["objection"] == "made" else _("Objection lifted")
            facts.append((title(objection["purpose"]), words))
    if with_note and details.get("note"):
        facts.append((_("What you told us"), details["note"]))
    return facts


def request_page(request: DataRequest, *, stepped_up: bool, localized) -> RequestPage:
    page = RequestPage(request=request, facts=_facts(request, localized))
    if request.type is RequestType.CORRECTION:
        page.corrections = _correction_rows(request.details or {}, stepped_up=stepped_up)
    for event in timeline(request, for_requester=True):
        body = event.body if event.kind in (
            EventKind.MESSAGE_TO_REQUESTER, EventKind.MESSAGE_FROM_REQUESTER, EventKind.EXTENDED,
            EventKind.DECISION, EventKind.APPLIED, EventKind.PACKAGE_WITHDRAWN) else None
        page.timeline.append(TimelineEntry(event=event, words=event_words(event), body=body))
    return page


def summary_lines(request: DataRequest) -> list[str]:
    """What was asked, in a few lines for a mail: names of items and uses, never their values."""
    lines = [f"{row.item} — {row.action}" for row in _correction_rows(request.details or {}, stepped_up=False)]
    lines += [f"{label}: {value}" for label, value in _facts(request, localized, with_note=False)]
    return lines
