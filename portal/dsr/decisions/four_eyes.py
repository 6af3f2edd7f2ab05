"""Four eyes: submitting an erasure or a rejection for approval, approving it, sending it back.

`submit_decision` / `submit_rejection` store what the staff member decided — exactly what would
have been applied — as a pending `DecisionApproval`, after the checks applying would make; nothing
in the data changes and the requester is told nothing. `approve` (a manager, never the one who
prepared it) applies it through the same services as the normal path — `complete_with_decision`
or `transition` to rejected — in the same transaction, so the data, the answer mail, the exports
and feeds follow exactly as without four eyes. `send_back` ends the pending approval with a
reason the preparer reads. Each step is on the timeline (staff only) and in the audit log.
"""
from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l

from portal.audit.services import Actor
from portal.common.time import utcnow
from portal.dsr import approvals
from portal.dsr.approvals import ApprovalRequired
from portal.dsr.decisions.apply import check_decidable, complete_with_decision
from portal.dsr.decisions.decision import REASON_MAX, Decision, Verdict
from portal.dsr.decisions.effects import decided_scope
from portal.dsr.errors import DsrError
from portal.dsr.models import ApprovalKind, ApprovalState, DataRequest, DecisionApproval, EventKind, RequestType
from portal.dsr.ownership import case_action
from portal.dsr.services import add_internal_note, transition
from portal.dsr.status import InvalidTransition, RequestStatus, can_transition
from portal.dsr.workflow import REQUESTER_ACTORS, Change, add_event, audit, check_version, translate_stale
from portal.extensions import db
from portal.staff.models import StaffRole, StaffUser

S = RequestStatus


# --- the stored decision --------------------------------------------------------------------

def decision_to_data(decision: Decision) -> dict[str, Any]:
    """The decision as JSON-able data (tuples become lists)."""
    return {key: list(value) if isinstance(value, tuple) else value for key, value in asdict(decision).items()}


def decision_from_data(data: dict[str, Any]) -> Decision:
    """The stored decision back as the `Decision` it was."""
    def tuple_or_none(key):
        return None if data.get(key) is None else tuple(data[key])

    return Decision(verdicts=tuple(Verdict(**verdict) for verdict in data.get("verdicts") or ()),
                    everything=data.get("everything"), categories=tuple_or_none("categories"),
                    item_ids=tuple_or_none("item_ids"), recipients=tuple_or_none("recipients"),
                    format=data.get("format"), answer=data.get("answer"))


def stored_decision(approval: DecisionApproval) -> Decision:
    return decision_from_data(approval.decision.get("decision") or {})


# --- submitting -----------------------------------------------------------------------------

def _submit(request: DataRequest, kind: ApprovalKind, *, actor: Actor, content: dict[str, Any],
            note: str | None, now: datetime) -> Change:
    if approvals.pending(request) is not None:
        raise ApprovalRequired(_l("A decision on this request is already awaiting approval by a manager."))
    # Writing the request first bumps its version (a form sent twice submits once) and takes its lock.
    request.updated_at = now
    db.session.flush()
    approval = DecisionApproval(request_id=request.id, kind=kind, state=ApprovalState.PENDING, decision=content,
                                prepared_by_type=actor.type, prepared_by=None if actor.id is None else str(actor.id),
                                prepared_at=now)
    db.session.add(approval)
    db.session.flush()
    events = [add_event(request, EventKind.APPROVAL_REQUESTED, actor=actor, at=now, visible=False,
                        data={"approval_id": approval.id, "kind": kind.value})]
    note = (note or "").strip()
    if note:
        events += add_internal_note(request, body=note, actor=actor, now=now).events
    audit("dsr.decision.submitted_for_approval", request, actor=actor, approval_id=approval.id, kind=kind.value,
          **_scope_facts(request, approval))
    return Change(request, events)


def _scope_facts(request: DataRequest, approval: DecisionApproval) -> dict[str, Any]:
    """What the decision covers, for the audit log: identifiers and counts, never words."""
    if approval.kind is not ApprovalKind.ERASURE:
        return {}
    decision = stored_decision(approval)
    scope = decided_scope(request, decision, request.person_id)
    return {"everything": scope.everything, "categories": [c.value for c in scope.categories],
            "items": len(scope.item_ids)}


@translate_stale
@case_action
def submit_decision(request: DataRequest, *, actor: Actor, decision: Decision, note: str | None = None,
                    expected_version: int | None = None, now: datetime | None = None) -> Change:
    """Store an erasure decision for a manager's approval, after every check applying it makes."""
    check_version(request, expected_version)
    if request.type is not RequestType.ERASURE:
        raise DsrError(_l("Only erasures and rejections wait for approval."))
    check_decidable(request, decision, actor)
    decided_scope(request, decision, request.person_id)  # a scope that cannot be applied is refused now
    return _submit(request, ApprovalKind.ERASURE, actor=actor, content={"decision": decision_to_data(decision)},
                   note=note, now=now or utcnow())


@translate_stale
@case_action
def submit_rejection(request: DataRequest, *, actor: Actor, reason: str | None, note: str | None = None,
                     expected_version: int | None = None, now: datetime | None = None) -> Change:
    """Store a rejection (with the reason the requester will read) for a manager's approval."""
    check_version(request, expected_version)
    if actor.type in REQUESTER_ACTORS:
        raise InvalidTransition(_l("Only staff can do this."))
    if not can_transition(request.status, S.REJECTED):
        raise InvalidTransition.between(request.status, S.REJECTED)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidTransition(_l("A rejection needs a reason. The requester will see it."))
    if len(reason) > REASON_MAX:
        raise DsrError(_l("Please keep the reason under %(max)d characters.", max=REASON_MAX))
    return _submit(request, ApprovalKind.REJECTION, actor=actor, content={"reason": reason}, note=note,
                   now=now or utcnow())


# --- approving and sending back -------------------------------------------------------------

def _manager(actor: Actor) -> StaffUser:
    user = db.session.get(StaffUser, int(actor.id)) if actor.type == "staff" and str(actor.id or "").isdigit() else None
    if user is None or not user.active or not user.may(StaffRole.MANAGER):
        raise DsrError(_l("Only a manager can approve a decision or send it back."))
    return user


def is_preparer(approval: DecisionApproval, actor: Actor) -> bool:
    return approval.prepared_by_type == actor.type and approval.prepared_by == str(actor.id)


def _pending(request: DataRequest) -> DecisionApproval:
    if not request.is_open:
        raise DsrError(_l("This request is closed and can no longer be changed."))
    approval = approvals.pending(request)
    if approval is None:
        raise DsrError(_l("No decision on this request is awaiting approval."))
    return approval


@translate_stale
@case_action
def approve(request: DataRequest, *, actor: Actor, expected_version: int | None = None,
            now: datetime | None = None) -> Change:
    """A manager other than the preparer approves: the decision is applied as it was submitted."""
    check_version(request, expected_version)
    _manager(actor)
    approval = _pending(request)
    if is_preparer(approval, actor):
        raise DsrError(_l("You prepared this decision, so another manager must approve it."))
    now = now or utcnow()
    approval.state, approval.decided_by, approval.decided_at = ApprovalState.APPROVED, str(actor.id), now
    db.session.flush()
    events = [add_event(request, EventKind.APPROVED, actor=actor, at=now, visible=False,
                        data={"approval_id": approval.id, "kind": approval.kind.value,
                              "prepared_by": approval.prepared_by})]
    audit("dsr.decision.approved", request, actor=actor, approval_id=approval.id, kind=approval.kind.value,
          prepared_by=approval.prepared_by, prepared_by_type=approval.prepared_by_type)
    if approval.kind is ApprovalKind.ERASURE:
        applied = complete_with_decision(request, actor=actor, decision=stored_decision(approval), now=now,
                                         approval=approval)
    else:
        applied = transition(request, S.REJECTED, actor=actor, reason=approval.decision.get("reason"), now=now,
                             approval=approval)
    return Change(request, events + applied.events)


@translate_stale
@case_action
def send_back(request: DataRequest, *, actor: Actor, reason: str | None, expected_version: int | None = None,
              now: datetime | None = None) -> Change:
    """A manager sends the decision back with a reason: nothing is applied; the preparer reads why."""
    check_version(request, expected_version)
    _manager(actor)
    approval = _pending(request)
    reason = (reason or "").strip()
    if not reason:
        raise DsrError(_l("Say why the decision is sent back. The staff member who prepared it will read it."))
    if len(reason) > REASON_MAX:
        raise DsrError(_l("Please keep the reason under %(max)d characters.", max=REASON_MAX))
    now = now or utcnow()
    request.updated_at = now
    approval.state, approval.decided_by, approval.decided_at = ApprovalState.SENT_BACK, str(actor.id), now
    approval.sent_back_reason = reason
    db.session.flush()
    event = add_event(request, EventKind.SENT_BACK, actor=actor, at=now, visible=False, body=reason,
                      data={"approval_id": approval.id, "kind": approval.kind.value,
                            "prepared_by": approval.prepared_by})
    audit("dsr.decision.sent_back", request, actor=actor, approval_id=approval.id, kind=approval.kind.value,
          prepared_by=approval.prepared_by, prepared_by_type=approval.prepared_by_type)
    return Change(request, [event])

