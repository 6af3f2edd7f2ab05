"""The one entry point for a staff decision: change the data and complete the request, together.

`complete_with_decision` claims the request (its version is checked and its row written
first, so two staff deciding at once cannot both apply), applies the decision to the data,
adds the `applied` event whose body tells the person exactly what changed, adds the answer
text as a message, and completes the request — all in the caller's transaction. On any
error it raises and the caller rolls back: nothing is applied (a package file already
written is removed at once).
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from portal import webhooks
from portal.audit.services import Actor
from portal.common.time import utcnow
from portal.dsr.applied import record_applied
from portal.dsr.approvals import check_applied_with_approval
from portal.dsr.decisions.correction import apply_correction
from portal.dsr.decisions.decision import REASON_MAX, Decision, DecisionInvalid
from portal.dsr.decisions.effects import (apply_consents, apply_disclosure, apply_erasure, apply_stop_provision,
                                          apply_suspension)
from portal.dsr.decisions.outcome import Outcome
from portal.dsr.decisions.packages import discard_file
from portal.dsr.decisions.summary import describe_outcome
from portal.dsr.errors import DsrError
from portal.dsr.fees import require_settled
from portal.dsr.models import ApprovalKind, DataRequest, DecisionApproval, EventKind, RequestType
from portal.dsr.ownership import case_action
from portal.dsr.services import REQUESTER_ACTORS, transition
from portal.dsr.status import InvalidTransition, RequestStatus
from portal.dsr.workflow import Change, add_event, audit, check_version, translate_stale
from portal.extensions import db

S, T = RequestStatus, RequestType
APPLIERS = {
    T.CORRECTION: apply_correction,
    T.ERASURE: apply_erasure,
    T.SUSPENSION: apply_suspension,
    T.STOP_PROVISION: apply_stop_provision,
    T.DISCLOSURE: apply_disclosure,
    T.PROVISION_RECORDS: apply_disclosure,
    T.CONSENT_WITHDRAWAL: apply_consents,
}
#: Statuses from which a decision may be applied (verified and waiting ones go via in progress).
DECIDABLE = frozenset({S.VERIFIED, S.IN_PROGRESS, S.AWAITING_REQUESTER})


def check_decidable(request: DataRequest, decision: Decision, actor: Actor) -> None:
    if actor.type in REQUESTER_ACTORS:
        raise InvalidTransition(_l("Only staff can do this."))
    if not request.is_open:
        raise DsrError(_l("This request is closed and can no longer be changed."))
    if request.status not in DECIDABLE:
        raise InvalidTransition.between(request.status, S.COMPLETED)
    if request.person_id is None:
        raise DecisionInvalid(_l("Match the request to a person before applying a decision."))
    require_settled(request)
    if decision.answer and len(decision.answer) > REASON_MAX:
        raise DecisionInvalid(_l("Please keep the answer under %(max)d characters.", max=REASON_MAX))


@translate_stale
@case_action
def complete_with_decision(request: DataRequest, *, actor: Actor, decision: Decision,
                           expected_version: int | None = None, now: datetime | None = None,
                           approval: DecisionApproval | None = None) -> Change:
    """Apply `decision` to the person's data and complete the request; returns the change.

    Under four eyes an erasure is applied only with its `approval` (`decisions.four_eyes.approve`
    passes it); without one it is refused, as is any decision while another awaits approval.
    The caller notifies the requester (`notify_requester(change)`) and commits.
    """
    check_version(request, expected_version)
    check_decidable(request, decision, actor)
    check_applied_with_approval(request, ApprovalKind.ERASURE if request.type is T.ERASURE else None, approval)
    now = now or utcnow()
    # Claim the request before touching the data: the version check runs (and, on
    # PostgreSQL, the row lock is taken) now rather than after the data has changed.
    request.updated_at = now
    db.session.flush()
    events = []
    if request.status is not S.IN_PROGRESS:
        events += transition(request, S.IN_PROGRESS, actor=actor, now=now).events
    outcome = Outcome()
    try:
        outcome = APPLIERS[request.type](request, decision, actor=actor, person_id=request.person_id, now=now)
        with force_locale(request.language.value):
            summary = describe_outcome(outcome)
        events += record_applied(request, actor=actor, data=outcome.data(), body=summary, now=now).events
        if request.type is T.ERASURE:
            webhooks.emit("erasure.applied", {"reference": request.reference, "person_id": request.person_id,
                                              "erased": sum(outcome.erased.values()), "kept": len(outcome.kept),
                                              "everything": outcome.everything})
        if decision.answer and decision.answer.strip():
            events.append(add_event(request, EventKind.MESSAGE_TO_REQUESTER, actor=actor, at=now, visible=True,
                                    body=decision.answer.strip()))
        events += transition(request, S.COMPLETED, actor=actor, now=now).events
        audit("dsr.decision_applied", request, actor=actor, type=request.type.value,
              accepted=sum(v.accept for v in decision.verdicts), refused=len(outcome.refused),
              erased=sum(outcome.erased.values()), kept=len(outcome.kept),
              suspended=sum(outcome.suspended.values()), recipients=len(outcome.recipients_stopped),
              package_id=outcome.package.id if outcome.package else None, answered=bool(decision.answer))
    except BaseException:
        if outcome.package is not None:
            discard_file(outcome.package)
        raise
    return Change(request, events)
