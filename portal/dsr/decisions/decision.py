"""What staff decided about a request, and what the request asked, read from its details.

`Decision` is built from the staff form (`decision_from_form`) or by code (API, tests). Any
part left unset means "as the person asked": the categories, recipients or format in the
request's details. A correction needs a verdict on every proposed change; a refusal needs
a reason, which the person reads.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from flask_babel import lazy_gettext as _l

from portal.dsr.errors import DsrError
from portal.dsr.models import DataRequest, RequestType
from portal.inventory.models import Category

T = RequestType
#: The file formats staff may choose for an electronic disclosure; `post` means on paper.
FORMATS = ("zip", "json", "post")
REASON_MAX = 2000


class DecisionInvalid(DsrError):
    """The decision cannot be applied as it stands; the message says what to fix."""


@dataclass(frozen=True)
class Verdict:
    """Staff's answer to one proposed correction (`index` into the request's `changes`)."""

    index: int
    accept: bool
    reason: str | None = None  # shown to the person; required to refuse
    field: str | None = None  # for an addition: the field name to file the value under


@dataclass(frozen=True)
class Decision:
    verdicts: tuple[Verdict, ...] = ()
    everything: bool | None = None  # erasure, suspension, stop of provision: all of it
    categories: tuple[str, ...] | None = None  # erasure, suspension
    item_ids: tuple[int, ...] | None = None  # erasure, suspension: single items besides categories
    recipients: tuple[str, ...] | None = None  # stop of provision
    format: str | None = None  # disclosure: zip, json or post
    answer: str | None = None  # optional words to the person, sent with the answer


@dataclass(frozen=True)
class Asked:
    """What the request asked for, from its details (as the customer or staff filed it)."""

    changes: list[dict[str, Any]] = field(default_factory=list)
    everything: bool = True
    categories: tuple[Category, ...] = ()
    recipients: tuple[str, ...] = ()
    format: str | None = None
    consents: list[dict[str, Any]] = field(default_factory=list)


def asked(request: DataRequest) -> Asked:
    details = request.details or {}
    chosen = details.get("scope") == "chosen"
    categories = []
    for value in details.get("categories") or ():
        try:
            categories.append(Category(value))
        except ValueError:
            continue  # a category that no longer exists asks for nothing
    return Asked(
        changes=list(details.get("changes") or ()),
        everything=not chosen,
        categories=tuple(categories),
        recipients=tuple(details.get("recipients") or ()),
        # The customer chose "electronic" (a download) or "post"; staff pick the file format.
        format="post" if details.get("format") == "post" else None,
        consents=list(details.get("consents") or ()),
    )


def _text(form: Mapping, name: str) -> str | None:
    value = form.get(name)
    return (value.strip() or None) if isinstance(value, str) else None


def _values(form: Mapping, name: str) -> list[str]:
    getlist = getattr(form, "getlist", None)
    values = getlist(name) if getlist else form.get(name) or []
    return [value.strip() for value in ([values] if isinstance(values, str) else values) if value and value.strip()]


def decision_from_form(request: DataRequest, form: Mapping) -> Decision:
    """Read the staff form (field names as `describe_decision_form` documents them).

    - correction: `proposal-<i>` = accept | refuse, `proposal-<i>-reason`, `proposal-<i>-field`
    - erasure, suspension: `scope` = all | chosen, `category` (repeated), `item` (repeated ids)
    - stop of provision: `scope` = all | chosen, `recipient` (repeated)
    - disclosure: `format` = zip | json | post
    - every type: `answer`
    """
    answer = _text(form, "answer")  # its length is checked with the rest of the decision
    if request.type is T.CORRECTION:
        verdicts = []
        for index, _change in enumerate(asked(request).changes):
            choice = _text(form, f"proposal-{index}")
            if choice not in ("accept", "refuse"):
                continue  # a proposal without a verdict is refused when the decision is applied
            verdicts.append(Verdict(index, choice == "accept", _text(form, f"proposal-{index}-reason"),
                                    _text(form, f"proposal-{index}-field")))
        return Decision(verdicts=tuple(verdicts), answer=answer)
    if request.type in (T.ERASURE, T.SUSPENSION, T.STOP_PROVISION):
        scope = _text(form, "scope")
        everything = None if scope is None else scope == "all"
        if request.type is T.STOP_PROVISION:
            return Decision(everything=everything, recipients=tuple(_values(form, "recipient")) if scope else None,
                            answer=answer)
        try:
            item_ids = tuple(int(value) for value in _values(form, "item"))
        except ValueError:
            raise DecisionInvalid(_l("Please choose items from the list.")) from None
        return Decision(everything=everything, categories=tuple(_values(form, "category")) if scope else None,
                        item_ids=item_ids or None, answer=answer)
    if request.type in (T.DISCLOSURE, T.PROVISION_RECORDS):
        return Decision(format=_text(form, "format"), answer=answer)
    return Decision(answer=answer)
