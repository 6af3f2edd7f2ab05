"""The mechanics shared by the request services: events, moves between statuses, the clock.

Nothing here checks who may do what or writes audit entries — `services.py` does that and
calls these helpers, all inside the caller's transaction.
"""
from __future__ import annotations

import functools
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm.exc import StaleDataError

from portal import webhooks
from portal.audit.services import Actor, record
from portal.dsr.deadlines import compute_due, days_paused, resumed_due
from portal.dsr.errors import StaleRequest
from portal.dsr.models import ClockStart, DataRequest, EventKind, RequestEvent
from portal.dsr.status import CLOSED_STATUSES, RequestStatus
from portal.extensions import db

#: Actors who are the requester themselves (a verified customer session).
REQUESTER_ACTORS = frozenset({"customer"})


@dataclass(frozen=True)
class Change:
    """What a service did: the request and the timeline events it added, in order.

    Whoever notifies the requester sends `for_requester`; an idempotent replay of a
    submission has `created=False` and no events, so nothing is announced twice.
    """

    request: DataRequest
    events: list[RequestEvent] = field(default_factory=list)
    created: bool = False

    @property
    def for_requester(self) -> list[RequestEvent]:
        return [event for event in self.events if event.visible_to_requester]


def translate_stale(service):
    """The one place where SQLAlchemy's version check failing becomes `StaleRequest`.

    The caller must roll back afterwards, as after any failed flush.
    """

    @functools.wraps(service)
    def wrapper(*args, **kwargs):
        try:
            return service(*args, **kwargs)
        except StaleDataError as exc:
            raise StaleRequest() from exc

    return wrapper


def check_version(request: DataRequest, expected_version: int | str | None) -> None:
    """Compare the version the form was opened with; `None` means the caller did not carry one."""
    if expected_version is None:
        return
    try:
        expected = int(expected_version)
    except (TypeError, ValueError):  # a tampered form: treat it as a page opened on another version
        raise StaleRequest() from None
    if expected != request.version_id:
        raise StaleRequest()


def add_event(
    request: DataRequest,
    kind: EventKind,
    *,
    actor: Actor,
    at: datetime,
    visible: bool,
    body: str | None = None,
    data: dict[str, Any] | None = None,
    from_status: RequestStatus | None = None,
    to_status: RequestStatus | None = None,
) -> RequestEvent:
    event = RequestEvent(
        request=request,
        kind=kind,
        at=at,
        actor_type=actor.type,
        actor_id=None if actor.id is None else str(actor.id),
        visible_to_requester=visible,
        body=body,
        data=data or {},
        from_status=from_status,
        to_status=to_status,
    )
    db.session.add(event)
    return event


def audit(action: str, request: DataRequest, *, actor: Actor, new_request: bool = False, **details: Any) -> None:
    """Audit a change to a request: identifiers, statuses and dates only, never its texts.

    `new_request`: the request was inserted by this transaction, so no other one can hold or
    wait for its row; its changes wait for the commit's flush instead of going before the chain lock."""
    if not new_request:
        # Writing the request row first takes its row lock before the audit chain's lock, in the
        # same order in every transaction, so two staff on one request never deadlock.
        db.session.flush()
    # A new request's changes wait for the commit: the chain lock's statement would otherwise
    # autoflush them first (a flush more per filing).
    with db.session.no_autoflush if new_request else nullcontext():
        record(
            action,
            actor=actor,
            target_type="data_request",
            target_id=request.reference,
            person_id=request.person_id,
            details={"reference": request.reference, **details},
        )


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def move(request: DataRequest, to_status: RequestStatus, *, actor: Actor, now: datetime,
         reason: str | None = None) -> list[RequestEvent]:
    """Change the status and keep the clock right: resume when leaving a pause, pause on entry."""
    from_status = request.status
    events = []
    if request.paused_at is not None:
        events.append(_resume(request, actor=actor, now=now))
    request.status = to_status
    if to_status in CLOSED_STATUSES:
        request.closed_at = now
        kind = EventKind.WITHDRAWN if to_status is RequestStatus.WITHDRAWN else EventKind.DECISION
        data = {"outcome": to_status.value}
    else:
        kind, data = EventKind.STATUS_CHANGED, {}
    if to_status is RequestStatus.REJECTED:
        request.rejection_reason = reason
    events.append(add_event(request, kind, actor=actor, at=now, visible=True, body=reason, data=data,
                            from_status=from_status, to_status=to_status))
    webhooks.emit("request.status_changed", {"reference": request.reference, "from_status": from_status.value,
                                             "to_status": to_status.value, "person_id": request.person_id})
    if to_status is RequestStatus.AWAITING_REQUESTER and request.policy.pause_when_waiting:
        request.paused_at = now
        events.append(add_event(request, EventKind.PAUSED, actor=actor, at=now, visible=True,
                                data={"due_at": iso(request.due_at)}))
    return events


def set_due_dates(request: DataRequest, *, starts_at: datetime) -> None:
    """Store the due dates counted from `starts_at`; they are never recomputed afterwards."""
    acknowledge_due, due = compute_due(request.policy, starts_at)
    request.acknowledge_due_at = acknowledge_due
    request.due_at = request.original_due_at = due


def start_clock_on_receipt(request: DataRequest) -> None:
    """A policy whose clock runs from receipt (APPI Art. 39, CCPA §7021) gives the request its
    due dates when it arrives: unverified, it is due, overdue and reminded like any other."""
    if request.policy.clock_starts is ClockStart.RECEIVED and request.due_at is None:
        set_due_dates(request, starts_at=request.received_at)


def start_clock(request: DataRequest, *, actor: Actor, verified_at: datetime) -> list[RequestEvent]:
    """Verified: the due dates start now, unless the policy's clock already runs from receipt."""
    if request.due_at is None:
        starts_at = request.received_at if request.policy.clock_starts is ClockStart.RECEIVED else verified_at
        set_due_dates(request, starts_at=starts_at)
    acknowledge_due, due = request.acknowledge_due_at, request.due_at
    from_status = request.status
    request.status = RequestStatus.VERIFIED
    request.verified_at = verified_at
    webhooks.emit("request.status_changed", {"reference": request.reference, "from_status": from_status.value,
                                             "to_status": RequestStatus.VERIFIED.value, "person_id": request.person_id})
    return [add_event(request, EventKind.VERIFIED, actor=actor, at=verified_at, visible=True,
                      from_status=from_status, to_status=RequestStatus.VERIFIED,
                      data={"due_at": iso(due), "acknowledge_due_at": iso(acknowledge_due)})]


def _resume(request: DataRequest, *, actor: Actor, now: datetime) -> RequestEvent:
    previous_due = request.due_at
    paused_at = request.paused_at
    days = days_paused(request.policy, paused_at, now)
    if previous_due is not None:
        request.due_at = resumed_due(request.policy, previous_due, paused_at, now)
    request.paused_seconds = (request.paused_seconds or 0) + max(0, int((now - paused_at).total_seconds()))
    request.paused_at = None
    return add_event(
        request, EventKind.RESUMED, actor=actor, at=now, visible=True,
        data={"previous_due_at": iso(previous_due), "due_at": iso(request.due_at), "paused_days": days},
    )
