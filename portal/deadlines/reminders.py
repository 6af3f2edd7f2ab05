"""Reminders before a due date and escalations after it (or when nobody took a request).

- the assignee is mailed 3 and 1 Japan calendar days before the due date (a request first
  seen at 1 day gets only the 1-day reminder; one due today still gets it);
- all active managers (the administrators, if the portal has no manager) are mailed when an
  open request is overdue, and when a verified request has had no active assignee for a day.

A paused clock (waiting for the requester under a policy that stops it) is neither due soon
nor overdue. Each reminder and the overdue escalation are sent once per request and due
date: when an extension or a resumed pause moves the deadline, they go out again before
(or after) the new one. The unassigned escalation, about no deadline, is sent once per
request. See `_claim` for how several schedulers running at once agree on who sends it.
The mails name the request and its type, never the person: whoever reads them follows the
link and logs in. Each is written in its reader's language (`StaffUser.language`). An escalation
also lists everything at risk now — every open request overdue or due within 3 days, with its
reference, type, due date, days left or overdue and assignee — so managers see the whole picture
in one mail, not one request and a count.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from portal.audit.services import Actor
from portal.common.time import utcnow
from portal.deadlines.models import DeadlineNotice, NoticeKind
from portal.dsr.calendar import end_of_japan_day, japan_date
from portal.dsr.models import DataRequest, EventKind
from portal.dsr.status import OPEN_STATUSES
from portal.dsr.workflow import add_event, audit, iso
from portal.extensions import db
from portal.mail.services import queue_mail
from portal.staff.models import StaffRole, StaffUser

log = logging.getLogger(__name__)

#: Days before the due date → the notice that says so, nearest last.
THRESHOLDS = {3: NoticeKind.DUE_IN_3_DAYS, 1: NoticeKind.DUE_IN_1_DAY}
UNASSIGNED_FOR = timedelta(hours=24)
#: At most this many notices of each kind per pass; the next tick continues.
BATCH = 200
SYSTEM = Actor.system()


# ---- which requests qualify (used to list candidates, and again under the row lock) ----

def _has_active_assignee():
    return sa.exists().where(StaffUser.id == DataRequest.assignee_id, StaffUser.active.is_(True))


#: Notices about no deadline: sent once per request, whatever happens to its due date.
UNDATED = {NoticeKind.UNASSIGNED}


def _not_yet(kind: NoticeKind):
    """No such notice yet — for the current due date, unless the notice is about no deadline."""
    sent = [DeadlineNotice.request_id == DataRequest.id, DeadlineNotice.kind == kind]
    if kind not in UNDATED:
        sent.append(DeadlineNotice.due_at == DataRequest.due_at)
    return ~sa.exists().where(*sent)


def _clock_running():
    return sa.and_(DataRequest.status.in_(OPEN_STATUSES), DataRequest.due_at.is_not(None),
                   DataRequest.paused_at.is_(None))


def due_soon(threshold: int, now: datetime) -> list:
    """Due within `threshold` Japan days (today included), not yet past, not nearer a smaller threshold."""
    today = japan_date(now)
    conditions = [_clock_running(), _has_active_assignee(), _not_yet(THRESHOLDS[threshold]),
                  DataRequest.due_at >= now,
                  DataRequest.due_at <= end_of_japan_day(today + timedelta(days=threshold))]
    nearer = [t for t in THRESHOLDS if t < threshold]
    if nearer:
        conditions.append(DataRequest.due_at > end_of_japan_day(today + timedelta(days=max(nearer))))
    return conditions


def overdue(now: datetime) -> list:
    return [_clock_running(), _not_yet(NoticeKind.OVERDUE), DataRequest.due_at < now]


def unassigned(now: datetime) -> list:
    return [DataRequest.status.in_(OPEN_STATUSES), DataRequest.verified_at.is_not(None),
            DataRequest.verified_at <= now - UNASSIGNED_FOR, ~_has_active_assignee(),
            _not_yet(NoticeKind.UNASSIGNED)]


def _candidates(conditions: list, limit: int) -> list[int]:
    return list(db.session.scalars(
        sa.select(DataRequest.id).where(*conditions).order_by(DataRequest.due_at, DataRequest.id).limit(limit)
    ))


# ---- sending once ------------------------------------------------------------------------

def _claim(request_id: int, kind: NoticeKind, conditions: list) -> DataRequest | None:
    """Take the right to send `kind` about this request, or None when it is not ours to send.

    The request row is locked with SKIP LOCKED (PostgreSQL; SQLite serialises writers and
    ignores it), so a scheduler never waits for another; under the lock the conditions —
    "no such notice yet" among them — are checked again. The notice row's unique key then
    settles any race left (another scheduler committed between our read and our lock): the
    losing insert fails and the caller's transaction, mail included, is rolled back.
    """
    locked = db.session.execute(
        sa.select(DataRequest.id, DataRequest.due_at).where(DataRequest.id == request_id, *conditions)
        .with_for_update(skip_locked=True, of=DataRequest)
    ).first()
    if locked is None:
        db.session.rollback()
        return None
    # The due date read under the lock is the one the notice is for (part of the unique key).
    due_at = None if kind in UNDATED else locked.due_at
    db.session.add(DeadlineNotice(request_id=request_id, kind=kind, due_at=due_at))
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        db.session.rollback()
        return None
    return db.session.get(DataRequest, request_id)


def _mail(to: str, template: str, request: DataRequest, *, language: str | None = None, **context) -> None:
    queue_mail(
        to=to, template=template, kind=template,
        # Each staff member reads the language they chose (the portal's default until they do).
        language=language or current_app.config["BABEL_DEFAULT_LOCALE"],
        reference=request.reference, type_label=request.type.label, due_at=request.due_at,
        # By path: the request page belongs to the staff area, its contract is the URL.
        link=f"{current_app.config['PORTAL_BASE_URL']}/staff/requests/{request.reference}",
        **context,
    )


def remind_assignee(request_id: int, threshold: int, *, now: datetime) -> bool:
    request = _claim(request_id, THRESHOLDS[threshold], due_soon(threshold, now))
    if request is None:
        return False
    assignee = db.session.get(StaffUser, request.assignee_id)
    _mail(assignee.email, "deadline_reminder", request, days=threshold, name=assignee.name,
          language=assignee.language)
    add_event(request, EventKind.REMINDER_SENT, actor=SYSTEM, at=now, visible=False,
              data={"threshold": threshold, "assignee_id": assignee.id, "due_at": iso(request.due_at)})
    audit("dsr.request.reminder_sent", request, actor=SYSTEM, threshold=threshold, assignee_id=assignee.id)
    db.session.commit()
    return True


@dataclass(frozen=True)
class Recipient:
    """Plain values: they outlive the many commits and rollbacks of one pass."""

    id: int
    email: str
    name: str
    language: str = "ja"


def managers() -> list[Recipient]:
    """Who hears about escalations: active managers; administrators when there is no manager."""
    for role in (StaffRole.MANAGER, StaffRole.ADMIN):
        found = db.session.execute(
            sa.select(StaffUser.id, StaffUser.email, StaffUser.name, StaffUser.language)
            .where(StaffUser.role == role, StaffUser.active.is_(True)).order_by(StaffUser.id)
        ).all()
        if found:
            return [Recipient(*row) for row in found]
    return []


@dataclass(frozen=True)
class AtRisk:
    """One request at risk, as the escalation mail lists it (plain values; no personal data)."""

    reference: str
    type_label: object  # lazy: written in each reader's language
    due_at: datetime
    days: int  # Japan days until the due date: 0 due today, negative overdue
    assignee: str | None


@dataclass(frozen=True)
class RiskList:
    requests: list[AtRisk]
    total: int


#: The most requests an escalation mail lists; the rest are in the queue's "at risk" view.
RISK_LIST_MAX = 50


def at_risk_now(now: datetime, *, limit: int = RISK_LIST_MAX) -> RiskList:
    """Open requests whose clock runs and that are overdue or due within 3 Japan days, nearest first."""
    conditions = [_clock_running(),
                  DataRequest.due_at <= end_of_japan_day(japan_date(now) + timedelta(days=max(THRESHOLDS)))]
    total = db.session.scalar(sa.select(sa.func.count()).select_from(DataRequest).where(*conditions))
    rows = db.session.execute(
        sa.select(DataRequest.reference, DataRequest.type, DataRequest.due_at, StaffUser.name)
        .outerjoin(StaffUser, sa.and_(StaffUser.id == DataRequest.assignee_id, StaffUser.active.is_(True)))
        .where(*conditions).order_by(DataRequest.due_at, DataRequest.id).limit(limit)).all()
    today = japan_date(now)
    return RiskList([AtRisk(reference, type_.staff_label, due_at, (japan_date(due_at) - today).days, assignee)
                     for reference, type_, due_at, assignee in rows], total)


def escalate(request_id: int, kind: NoticeKind, conditions: list, *, recipients: list[Recipient],
             now: datetime, at_risk: RiskList | None = None) -> bool:
    request = _claim(request_id, kind, conditions)
    if request is None:
        return False
    assignee = db.session.get(StaffUser, request.assignee_id) if request.assignee_id is not None else None
    days = (japan_date(request.due_at) - japan_date(now)).days if request.due_at is not None else None
    risk = at_risk if at_risk is not None else at_risk_now(now)
    for manager in recipients:
        _mail(manager.email, "deadline_escalation", request, reason=kind.value, name=manager.name,
              hours=int(UNASSIGNED_FOR.total_seconds() // 3600), language=manager.language,
              assignee=assignee.name if assignee is not None and assignee.active else None, days=days,
              at_risk=risk.requests, at_risk_total=risk.total,
              risk_link=f"{current_app.config['PORTAL_BASE_URL']}/staff/?risk=1")
    add_event(request, EventKind.ESCALATED, actor=SYSTEM, at=now, visible=False,
              data={"reason": kind.value, "recipients": [m.id for m in recipients], "due_at": iso(request.due_at)})
    audit("dsr.request.escalated", request, actor=SYSTEM, reason=kind.value, recipients=len(recipients))
    db.session.commit()
    return True


# ---- one pass ----------------------------------------------------------------------------

@dataclass
class Summary:
    due_soon: int = 0
    overdue: int = 0
    unassigned: int = 0
    failed: int = 0

    def __str__(self) -> str:
        def escalations(n: int) -> str:
            return "escalation" if n == 1 else "escalations"

        text = (f"{self.due_soon} due-soon, {self.overdue} overdue {escalations(self.overdue)}, "
                f"{self.unassigned} unassigned {escalations(self.unassigned)}")
        return text + (f", {self.failed} failed" if self.failed else "")


def _each(summary: Summary, field: str, request_ids: list[int], send) -> None:
    """Send one notice per request, each in its own transaction; a failure skips only that one."""
    for request_id in request_ids:
        try:
            if send(request_id):
                setattr(summary, field, getattr(summary, field) + 1)
        except Exception as exc:  # the next tick tries again; the others go out now
            db.session.rollback()
            summary.failed += 1
            log.error("deadline notice for request %s failed: %s", request_id, type(exc).__name__)


def run(*, now: datetime | None = None, batch: int = BATCH) -> Summary:
    """One pass: due-soon reminders, then overdue and unassigned escalations."""
    now = now or utcnow()
    summary = Summary()
    for threshold in THRESHOLDS:
        _each(summary, "due_soon", _candidates(due_soon(threshold, now), batch),
              lambda rid, t=threshold: remind_assignee(rid, t, now=now))
    waiting = {kind: _candidates(conditions(now), batch)
               for kind, conditions in ((NoticeKind.OVERDUE, overdue), (NoticeKind.UNASSIGNED, unassigned))}
    recipients = managers()
    if not recipients:
        # Nobody to tell: leave them unclaimed, so the first manager appointed hears of them.
        if any(waiting.values()):
            log.warning("%d escalations wait for an active manager or administrator",
                        sum(len(ids) for ids in waiting.values()))
        return summary
    # What is at risk, read once for the pass: every escalation mail of this pass lists it.
    risk = at_risk_now(now) if any(waiting.values()) else None
    _each(summary, "overdue", waiting[NoticeKind.OVERDUE],
          lambda rid: escalate(rid, NoticeKind.OVERDUE, overdue(now), recipients=recipients, now=now, at_risk=risk))
    _each(summary, "unassigned", waiting[NoticeKind.UNASSIGNED],
          lambda rid: escalate(rid, NoticeKind.UNASSIGNED, unassigned(now), recipients=recipients, now=now,
                               at_risk=risk))
    return summary
