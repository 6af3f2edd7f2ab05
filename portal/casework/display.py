"""How requests read to staff: due dates in Japan time, badges, timeline lines, who did what.

Called while a page renders, so every word is in the viewer's language.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from portal.inventory.labels import staff_category_name
from portal.dsr.labels import FORMAT_WORDS, GROUND_WORDS, RELATIONSHIP_CHOICES
from portal.dsr.calendar import japan_date
from portal.dsr.models import ClockStart, DataRequest, EventKind, Jurisdiction, PeriodUnit, RequestEvent, RequestType
from portal.dsr.status import RequestStatus
from portal.extensions import db
from portal.inventory.models import Category
from portal.dsr.wording import period
from portal.staff.models import StaffUser

CATEGORY_VALUES = frozenset(c.value for c in Category)

#: "Due soon" means due within this many days (Japan dates).
SOON_DAYS = 3

E = EventKind


@dataclass(frozen=True)
class Due:
    text: str
    state: str  # none | overdue | soon | ok | closed


def due(request: DataRequest, now: datetime) -> Due:
    """"あと2日", "2日超過", "今日まで" — counted in Japan dates, as the deadline is."""
    if request.due_at is None:
        return Due(_("Starts when verified"), "none")
    if not request.is_open:
        return Due("", "closed")
    if request.is_overdue(now):
        days = max(1, (japan_date(now) - japan_date(request.due_at)).days)
        return Due(ngettext("%(num)d day overdue", "%(num)d days overdue", days), "overdue")
    if request.is_paused and now > request.due_at:
        # Paused before its date: the date moves by the pause when the requester answers.
        return Due(_("Clock paused"), "ok")
    days = (japan_date(request.due_at) - japan_date(now)).days
    text = _("Due today") if days == 0 else ngettext("%(num)d day left", "%(num)d days left", days)
    return Due(text, "soon" if days <= SOON_DAYS else "ok")


def acknowledged_late(request: DataRequest, now: datetime) -> bool:
    """CCPA's confirmation of receipt (10 business days) came after its date, or has not come
    and the date has passed."""
    due = request.acknowledge_due_at
    if due is None:
        return False
    if request.acknowledged_at is not None:
        return request.acknowledged_at > due
    return request.is_open and now > due


def badges(request: DataRequest, now: datetime, known: Due | None = None) -> list[tuple[str, str]]:
    """(words, CSS class) for what needs attention, most urgent first (`known`: `due()` if already read)."""
    result = []
    state = (known or due(request, now)).state
    if state == "overdue":
        result.append((_("Overdue"), "badge-danger"))
    elif state == "soon":
        result.append((_("Due within 3 days"), "badge-warn"))
    if acknowledged_late(request, now):
        result.append((_("Receipt confirmed late") if request.acknowledged_at else _("Receipt not confirmed in time"),
                       "badge-danger"))
    if request.is_open and request.person_id is None:
        result.append((_("Unmatched"), "badge-warn"))
    if request.is_agent:
        result.append((_("By an agent"), "badge"))
    if request.status is RequestStatus.AWAITING_REQUESTER:
        result.append((_("Clock paused") if request.is_paused else _("Waiting for requester"), "badge-muted"))
    return result


def PENDING_APPROVAL_BADGE() -> tuple[str, str]:  # noqa: N802 — a constant, translated when asked for
    return (_("Awaiting approval by a manager"), "badge-warn")


def approval_staff_ids(approval) -> set[int]:
    """The staff ids an approval names (who prepared it, who decided), for `staff_names`."""
    if approval is None:
        return set()
    return {int(i) for i in (approval.prepared_by, approval.decided_by) if i and str(i).isdigit()}


def UNDELIVERED_BADGE() -> tuple[str, str]:  # noqa: N802 — a constant, translated when asked for
    return (_("Answer not delivered"), "badge-danger")


@dataclass(frozen=True)
class QueueRow:
    """One line of the queue, its words worked out once (the page shows 50 of them)."""

    request: DataRequest
    due: Due
    badges: list[tuple[str, str]]
    received: str  # the Japan date, as the viewer's locale writes it
    due_on: str | None
    type_label: str
    status_label: str
    select_label: str
    claim_label: str
    page_url: str
    claim_url: str


def queue_rows(requests: list[DataRequest], now: datetime, undelivered: frozenset[int] = frozenset(),
               pending: frozenset[int] = frozenset()) -> list[QueueRow]:
    """The queue's lines. Words are looked up once per page and dates formatted once per Japan
    day (a page's rows share a few days): per-row Babel calls were half the rendering time."""
    days: dict = {}
    types = {t: str(t.staff_label) for t in {r.type for r in requests}}
    statuses = {s: str(s.label) for s in {r.status for r in requests}}
    select, claim = _("Select %(reference)s"), _("Claim %(reference)s")
    # Links built once and filled in: references are letters, digits and hyphens (nothing to
    # quote), and building 100 URLs through the router was a tenth of the page's time.
    page_url = url_for("staff.request_page", reference="REFERENCE")
    claim_url = url_for("staff.claim", reference="REFERENCE")

    def day(moment: datetime) -> str:
        date_ = japan_date(moment)
        if date_ not in days:
            days[date_] = format_date(date_, "medium")
        return days[date_]

    rows = []
    for request in requests:
        known = due(request, now)
        flags = badges(request, now, known) + ([UNDELIVERED_BADGE()] if request.id in undelivered else []) + (
            [PENDING_APPROVAL_BADGE()] if request.id in pending else [])
        rows.append(QueueRow(request, known, flags, day(request.received_at),
                             day(request.due_at) if request.due_at else None, types[request.type],
                             statuses[request.status], select % {"reference": request.reference},
                             claim % {"reference": request.reference},
                             page_url.replace("REFERENCE", request.reference),
                             claim_url.replace("REFERENCE", request.reference)))
    return rows


JURISDICTION_NAMES = {Jurisdiction.APPI: "APPI", Jurisdiction.GDPR: "GDPR", Jurisdiction.CCPA: "CCPA"}


def jurisdiction_name(jurisdiction: Jurisdiction | str) -> str:
    return JURISDICTION_NAMES[Jurisdiction(jurisdiction)]


def policy_words(request: DataRequest) -> dict[str, str | None]:
    """The rule that set the due date, as the request page states it."""
    policy = request.policy
    return {
        "jurisdiction": jurisdiction_name(request.jurisdiction),
        "period": period(policy.response_period, policy.response_unit),
        "clock": _("from receipt") if policy.clock_starts is ClockStart.RECEIVED else _("from verification"),
        "extension": (period(policy.extension_period, policy.extension_unit)
                      if policy.extension_period and policy.extension_unit else None),
        "pauses": _("The clock pauses while we wait for the requester.") if policy.pause_when_waiting
        else _("The clock keeps running while we wait for the requester."),
    }


def unit_words(unit: PeriodUnit | str) -> str:
    return {PeriodUnit.CALENDAR_DAYS: _("days"), PeriodUnit.BUSINESS_DAYS: _("business days"),
            PeriodUnit.MONTHS: _("months")}[PeriodUnit(unit)]


def channel_words() -> dict[str, str]:
    """How a request reached us."""
    return {"web": _("on the portal"), "phone": _("by phone"), "post": _("by post"), "counter": _("at the counter"),
            "email": _("by e-mail"), "api": _("through the API")}


def staff_names(ids: set[int | None]) -> dict[int, str]:
    """Names of staff members by id, in one query."""
    wanted = sorted(i for i in ids if i is not None)
    if not wanted:
        return {}
    return dict(db.session.execute(sa.select(StaffUser.id, StaffUser.name).where(StaffUser.id.in_(wanted))).all())


def actor_name(event: RequestEvent, names: dict[int, str]) -> str:
    if event.actor_type == "staff" and event.actor_id and event.actor_id.isdigit():
        return names.get(int(event.actor_id), _("Staff member #%(id)s", id=event.actor_id))
    return {"customer": _("Requester"), "system": _("The portal"), "api": _("API"),
            "cli": _("Command line")}.get(event.actor_type, event.actor_type)


def event_actor_ids(events: list[RequestEvent]) -> set[int]:
    ids = {int(e.actor_id) for e in events if e.actor_type == "staff" and e.actor_id and e.actor_id.isdigit()}
    for event in events:
        if event.kind is E.ASSIGNED:
            ids |= {event.data.get("assignee_id"), event.data.get("previous_assignee_id")}
    return {i for i in ids if isinstance(i, int)}


def _status(value) -> str:
    return str(RequestStatus(value).label) if value else ""


def event_line(event: RequestEvent, names: dict[int, str]) -> str:
    """One line saying what happened; bodies (messages, reasons) are shown beside it, escaped."""
    data = event.data or {}
    kind = event.kind
    if kind is E.RECEIVED:
        return _("Request received")
    if kind is E.VERIFIED:
        return _("Verified: the clock started")
    if kind is E.ACKNOWLEDGED:
        return _("Receipt confirmed to the requester")
    if kind is E.MATCHED:
        return _("Matched to a person in the register")
    if kind is E.ASSIGNED:
        assignee = data.get("assignee_id")
        if assignee is None:
            return _("Returned to the shared queue")
        return _("Assigned to %(name)s", name=names.get(assignee, _("Staff member #%(id)s", id=assignee)))
    if kind in (E.STATUS_CHANGED, E.DECISION, E.WITHDRAWN) and event.to_status:
        return _("Status: %(from)s → %(to)s", **{"from": _status(event.from_status), "to": _status(event.to_status)})
    if kind is E.EXTENDED and data.get("due_at"):
        return _("Deadline extended to %(date)s", date=format_date(japan_date(datetime.fromisoformat(data["due_at"]))))
    labels = {
        E.MESSAGE_TO_REQUESTER: _("Message to the requester"),
        E.MESSAGE_FROM_REQUESTER: _("Message from the requester"),
        E.INTERNAL_NOTE: _("Internal note"),
        E.EXTENDED: _("Deadline extended"),
        E.PAUSED: _("Clock paused"),
        E.RESUMED: _("Clock running again"),
        E.APPLIED: _("Decision applied to the data"),
        E.PACKAGE_WITHDRAWN: _("Download withdrawn (its data was erased)"),
        E.REMINDER_SENT: _("Reminder sent"),
        E.ESCALATED: _("Escalated"),
        E.FEE_RECORDED: _("Fee recorded"),
        E.APPROVED: _("Approved by a manager: the decision is applied"),
        E.SENT_BACK: _("Sent back by a manager: nothing was applied"),
    }
    if kind is E.APPROVAL_REQUESTED:
        return (_("Erasure submitted for approval by a manager") if data.get("kind") == "erasure"
                else _("Rejection submitted for approval by a manager"))
    return labels.get(kind, kind.value)


#: Labels for the keys of `request.details` (what the request asked), as staff read them.
DETAIL_LABELS = {
    "description": _l("Description by the requester"), "note": _l("Note by the requester"),
    "format": _l("Form of the answer"), "scope": _l("Scope"), "categories": _l("Kinds of data"),
    "recipients": _l("Companies"), "ground": _l("Ground"), "consents": _l("Consents"),
    "stop_all_marketing": _l("Stop all marketing"), "self_service": _l("Carried out at once by the portal"),
    "references": _l("Filed together with"), "unmatched": _l("Filed without a match"),
    "opt_out": _l("Stop of opt-out provision (no ground needed, carried out at once)"),
    "gpc": _l("Global Privacy Control signal (Sec-GPC: 1) of a Californian: opt-out of sale and sharing, carried out at once"),
}
#: Keys shown elsewhere on the page (the correction table, the match suggestions).
DETAILS_SHOWN_ELSEWHERE = frozenset({"changes", "person_candidates"})


def asked_lines(request: DataRequest) -> list[tuple[str, object]]:
    """(label, value) for what the request asked, in words where the portal has them."""
    lines = []
    for key, value in sorted((request.details or {}).items()):
        if key in DETAILS_SHOWN_ELSEWHERE or value in (None, "", [], {}):
            continue
        if key == "format":
            value = str(FORMAT_WORDS.get(value, value))
        elif key == "ground":
            value = str(GROUND_WORDS.get(value, value))
        elif key == "scope":
            value = _("Everything") if value == "all" else _("Only what is listed") if value == "chosen" else value
        elif key == "categories" and isinstance(value, list):
            value = [staff_category_name(c) if c in CATEGORY_VALUES else c for c in value]
        elif key == "consents" and isinstance(value, list):
            value = [f"{c.get('purpose')}: {c.get('state')}" if isinstance(c, dict) else c for c in value]
        elif isinstance(value, bool):
            value = _("Yes") if value else _("No")
        lines.append((str(DETAIL_LABELS.get(key, key)), value))
    return lines


def filter_chips(filters, names: dict[int, str]) -> list[tuple[str, str]]:
    """(words, link without that filter) for each filter in use, shown as removable chips."""
    chips = []

    def chip(words: str, **cleared) -> None:
        chips.append((words, url_for("staff.queue", **filters.args(**cleared))))

    if filters.q:
        chip(_("Search: %(text)s", text=filters.q), q="")
    if filters.status:
        words = {"closed": _("Closed"), "answered": _("Answered"), "any": _("Any status")}.get(filters.status)
        chip(_("Status: %(status)s", status=words or RequestStatus(filters.status).label), status="")
    if filters.type:
        chip(_("Type: %(type)s", type=RequestType(filters.type).staff_label), type=None)
    if filters.jurisdiction:
        chip(_("Jurisdiction: %(name)s", name=jurisdiction_name(filters.jurisdiction)), jurisdiction=None)
    if filters.assignee:
        who = {"me": _("Me"), "none": _("Nobody (unassigned)")}.get(filters.assignee) or names.get(
            int(filters.assignee), _("Staff member #%(id)s", id=filters.assignee))
        chip(_("Assignee: %(name)s", name=who), assignee=None)
    for flag, words in (("risk", _("At risk")), ("overdue", _("Overdue")), ("unmatched", _("Not matched to a person")),
                        ("agent", _("Filed by an agent")), ("upcoming", _("Not yet overdue")),
                        ("approval", _("Awaiting approval by a manager"))):
        if getattr(filters, flag):
            chip(words, **{flag: False})
    date_words = {"received_from": _("Received from"), "received_to": _("Received until"),
                  "closed_from": _("Closed from"), "closed_to": _("Closed until"), "due_before": _("Due by")}
    for name in date_words:
        if getattr(filters, name):
            chip(f"{date_words[name]} {format_date(getattr(filters, name), 'medium')}", **{name: None})
    return chips


#: Labels for the keys of an agent's or a subject's details, as staff read them.
PARTY_LABELS = {
    "name": _l("Name"), "name_kana": _l("Name in kana"), "relationship": _l("Authority to act"),
    "email": _l("E-mail address"), "phone": _l("Phone"), "address": _l("Postal address"),
    "contact": _l("Contact"), "birthdate": _l("Date of birth"), "postal_code": _l("Postal code"),
    "customer_number": _l("Customer number"),
}


def party(details: dict | None) -> dict[str, object]:
    """An agent's or subject's details with labelled keys and the authority in words."""
    relationships = dict(RELATIONSHIP_CHOICES)
    lines = {}
    for key, value in (details or {}).items():
        if value in (None, ""):
            continue
        if key == "relationship":
            value = str(relationships.get(value, value))
        lines[str(PARTY_LABELS.get(key, key))] = value
    return lines
