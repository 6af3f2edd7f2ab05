"""The request services: file, verify, match, move through the status machine, extend, message.

Filing lives in `filing.py` and is re-exported here, so callers import from one module.

Plain functions with keyword-only options and an explicit actor. Each changes the request,
adds timeline events and writes its audit entry in the caller's transaction; only the request
boundary (view, API, CLI) commits. Each returns a `Change` naming the events it added, so the
caller can notify the requester about the visible ones. No mail is sent from here.

Optimistic locking: forms carry `request.version_id` and pass it as `expected_version`; a
mismatch, or another transaction committing first, raises `StaleRequest` — roll back and ask
the user to reload.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from portal.audit.services import Actor
from portal.common.time import utcnow
from portal.dsr.approvals import check_applied_with_approval
from portal.dsr.deadlines import extended_due
from portal.dsr.wording import period
from portal.dsr.errors import DsrError, ExtensionRefused, IdempotencyConflict, StaleRequest  # noqa: F401
from portal.dsr.filing import create_request, format_reference, record_self_service_disclosure  # noqa: F401
from portal.dsr.identity import IdentityDocument
from portal.dsr.models import ApprovalKind, DataRequest, DecisionApproval, EventKind
from portal.dsr.policies import PolicyInvalid, choose_policy, create_policy, update_policy  # noqa: F401
from portal.dsr.status import InvalidTransition, RequestStatus, can_transition
from portal.dsr.ownership import case_action
from portal.dsr.workflow import (REQUESTER_ACTORS, Change, add_event, audit, check_version, iso, move, start_clock,
                                 translate_stale)
from portal.extensions import db
from portal.inventory.models import Person

S = RequestStatus


def _require_staff_side(actor: Actor) -> None:
    if actor.type in REQUESTER_ACTORS:
        raise InvalidTransition(_l("Only staff can do this."))


def _require_open(request: DataRequest) -> None:
    if not request.is_open:
        raise DsrError(_l("This request is closed and can no longer be changed."))


# --- staff actions --------------------------------------------------------------------------

@translate_stale
@case_action
def verify_request(request: DataRequest, *, actor: Actor, verified_at: datetime | None = None,
                   expected_version: int | None = None, note: str | None = None,
                   documents: list[IdentityDocument | str] | None = None) -> Change:
    """The requester (or the agent's authority) checked out: start the clock.

    `documents` names the identity documents staff saw (a request by post or at the counter);
    they are kept with the verification, which records who saw them."""
    check_version(request, expected_version)
    _require_staff_side(actor)
    if not can_transition(request.status, S.VERIFIED):
        raise InvalidTransition.between(request.status, S.VERIFIED)
    seen = [IdentityDocument(document).value for document in documents or []]
    events = start_clock(request, actor=actor, verified_at=verified_at or utcnow())
    if seen:
        for event in events:
            if event.kind is EventKind.VERIFIED:
                event.data = {**(event.data or {}), "documents": seen}
    if note and note.strip():
        events.append(add_event(request, EventKind.INTERNAL_NOTE, actor=actor, at=utcnow(),
                                visible=False, body=note.strip()))
    audit("dsr.request.verified", request, actor=actor, due_at=iso(request.due_at), documents=seen)
    return Change(request, events)


@translate_stale
@case_action
def match_person(request: DataRequest, person_id: int, *, actor: Actor,
                 expected_version: int | None = None) -> Change:
    """Link an unmatched (or wrongly matched) request to the person it is about."""
    check_version(request, expected_version)
    _require_staff_side(actor)
    _require_open(request)
    if db.session.get(Person, person_id) is None:
        raise LookupError(f"no person with id {person_id}")
    previous = request.person_id
    request.person_id = person_id
    event = add_event(request, EventKind.MATCHED, actor=actor, at=utcnow(), visible=False,
                      data={"person_id": person_id, "previous_person_id": previous})
    audit("dsr.request.matched", request, actor=actor, previous_person_id=previous)
    return Change(request, [event])


@translate_stale
@case_action
def assign(request: DataRequest, *, assignee_id: int | None, actor: Actor,
           expected_version: int | None = None) -> Change:
    """Give the request to a staff member (or take it back to the shared queue with None)."""
    check_version(request, expected_version)
    _require_staff_side(actor)
    previous = request.assignee_id
    request.assignee_id = assignee_id
    event = add_event(request, EventKind.ASSIGNED, actor=actor, at=utcnow(), visible=False,
                      data={"assignee_id": assignee_id, "previous_assignee_id": previous})
    audit("dsr.request.assigned", request, actor=actor, assignee_id=assignee_id, previous_assignee_id=previous)
    return Change(request, [event])


@translate_stale
@case_action
def acknowledge(request: DataRequest, *, actor: Actor, now: datetime | None = None) -> Change:
    """Record that receipt was confirmed to the requester (CCPA's 10-business-day step)."""
    if request.acknowledged_at is not None:
        return Change(request, [])
    now = now or utcnow()
    request.acknowledged_at = now
    event = add_event(request, EventKind.ACKNOWLEDGED, actor=actor, at=now, visible=True)
    audit("dsr.request.acknowledged", request, actor=actor)
    return Change(request, [event])


@translate_stale
@case_action
def transition(
    request: DataRequest,
    to_status: RequestStatus | str,
    *,
    actor: Actor,
    note: str | None = None,
    reason: str | None = None,
    expected_version: int | None = None,
    on_behalf: bool = False,
    now: datetime | None = None,
    approval: DecisionApproval | None = None,
) -> Change:
    """Move the request along the status machine.

    `reason` is shown to the requester and required to reject (APPI Art. 36). `note` is an
    internal note. Only the requester withdraws — or staff `on_behalf` of them, with a note
    saying how they asked. Entering `awaiting_requester` pauses the clock where the policy
    allows; leaving it resumes the clock and moves the due date by the time paused. Under four
    eyes a rejection needs its manager's `approval` (`decisions.four_eyes.approve` passes it).
    """
    to_status = S(to_status)
    check_version(request, expected_version)
    if to_status is S.VERIFIED:
        return verify_request(request, actor=actor, verified_at=now, note=note)
    if not can_transition(request.status, to_status):
        raise InvalidTransition.between(request.status, to_status)
    note = (note or "").strip() or None
    reason = (reason or "").strip() or None
    if to_status is S.WITHDRAWN:
        if actor.type not in REQUESTER_ACTORS and not (on_behalf and note):
            raise InvalidTransition(_l(
                "Only the requester can withdraw a request. When withdrawing on their behalf, "
                "note how they asked for it."))
    else:
        _require_staff_side(actor)
    if to_status is S.REJECTED and not reason:
        raise InvalidTransition(_l("A rejection needs a reason. The requester will see it."))
    if to_status in (S.REJECTED, S.COMPLETED):
        # Four eyes: a rejection waits for a manager's approval where the policy says so, and
        # nothing closes the request while a decision waits for one.
        check_applied_with_approval(request, ApprovalKind.REJECTION if to_status is S.REJECTED else None, approval)
    now = now or utcnow()
    from_status = request.status
    events = move(request, to_status, actor=actor, now=now, reason=reason)
    if note:
        events.append(add_event(request, EventKind.INTERNAL_NOTE, actor=actor, at=now, visible=False, body=note))
    audit("dsr.request.transition", request, actor=actor, from_status=from_status.value,
          to_status=to_status.value, on_behalf=on_behalf, due_at=iso(request.due_at))
    return Change(request, events)


@translate_stale
@case_action
def ask_requester(request: DataRequest, *, body: str, actor: Actor, expected_version: int | None = None,
                  now: datetime | None = None) -> Change:
    """Ask the requester for information and wait for them (pausing where the policy allows).

    A verified request is put in progress first: asking is working on it. Before verification
    the clock has not started, so a plain `add_message` is all that is needed.
    """
    check_version(request, expected_version)
    _require_staff_side(actor)
    if not (body or "").strip():
        raise DsrError(_l("Write what you need from the requester."))
    if request.status not in (S.VERIFIED, S.IN_PROGRESS):
        raise InvalidTransition.between(request.status, S.AWAITING_REQUESTER)
    now = now or utcnow()
    events = []
    if request.status is S.VERIFIED:
        events += transition(request, S.IN_PROGRESS, actor=actor, now=now).events
    events.append(add_event(request, EventKind.MESSAGE_TO_REQUESTER, actor=actor, at=now, visible=True,
                            body=body.strip()))
    events += transition(request, S.AWAITING_REQUESTER, actor=actor, now=now).events
    return Change(request, events)


@translate_stale
@case_action
def extend_deadline(request: DataRequest, *, reason: str, amount: int, actor: Actor,
                    expected_version: int | None = None, now: datetime | None = None) -> Change:
    """Extend the deadline once, by at most the policy's maximum, before it passes.

    `amount` is in the policy's extension unit (days or months). The reason is shown to the
    requester, who must be told before the original deadline (GDPR Art. 12(3), CCPA).
    """
    check_version(request, expected_version)
    _require_staff_side(actor)
    policy = request.policy
    now = now or utcnow()
    if not request.is_open or request.due_at is None:
        raise ExtensionRefused(_l("Only an open request whose clock has started can be extended."))
    if not policy.extension_period or not policy.extension_unit:
        raise ExtensionRefused(_l("The policy for this request allows no extension."))
    if request.extended_at is not None:
        raise ExtensionRefused(_l("This request has already been extended; it can be extended only once."))
    if not (reason or "").strip():
        raise ExtensionRefused(_l("An extension needs a reason. The requester will see it."))
    if isinstance(amount, bool) or not isinstance(amount, int) or not 1 <= amount <= policy.extension_period:
        raise ExtensionRefused(_l("An extension can be at most %(maximum)s.",
                                  maximum=period(policy.extension_period, policy.extension_unit)))
    if now > request.due_at:
        raise ExtensionRefused(_l("The deadline has passed. An extension must be announced before it."))
    previous_due = request.due_at
    request.due_at = extended_due(policy, previous_due, amount)
    request.extended_at = now
    request.extension_reason = reason.strip()
    event = add_event(request, EventKind.EXTENDED, actor=actor, at=now, visible=True, body=request.extension_reason,
                      data={"previous_due_at": iso(previous_due), "due_at": iso(request.due_at),
                            "amount": amount, "unit": policy.extension_unit.value})
    audit("dsr.request.extended", request, actor=actor, amount=amount, unit=policy.extension_unit.value,
          previous_due_at=iso(previous_due), due_at=iso(request.due_at))
    return Change(request, [event])


# --- messages and notes ---------------------------------------------------------------------

@translate_stale
@case_action
def add_message(request: DataRequest, *, body: str, to_requester: bool, actor: Actor,
                now: datetime | None = None) -> Change:
    """A message to the requester, or from them (their reply, or staff recording a call).

    A reply while we wait for the requester ends the wait: the request is back in progress
    and a paused clock runs again from the reply.
    """
    if not (body or "").strip():
        raise DsrError(_l("A message cannot be empty."))
    if to_requester:
        _require_staff_side(actor)
    now = now or utcnow()
    kind = EventKind.MESSAGE_TO_REQUESTER if to_requester else EventKind.MESSAGE_FROM_REQUESTER
    events = [add_event(request, kind, actor=actor, at=now, visible=True, body=body.strip())]
    resumed = not to_requester and request.status is S.AWAITING_REQUESTER
    if resumed:
        events += move(request, S.IN_PROGRESS, actor=actor, now=now)
    audit("dsr.request.message", request, actor=actor, direction="to_requester" if to_requester else "from_requester",
          resumed=resumed)
    return Change(request, events)


@translate_stale
@case_action
def add_internal_note(request: DataRequest, *, body: str, actor: Actor, now: datetime | None = None) -> Change:
    """A note for staff only; the requester never sees it."""
    _require_staff_side(actor)
    if not (body or "").strip():
        raise DsrError(_l("A note cannot be empty."))
    event = add_event(request, EventKind.INTERNAL_NOTE, actor=actor, at=now or utcnow(), visible=False,
                      body=body.strip())
    audit("dsr.request.note", request, actor=actor)
    return Change(request, [event])
