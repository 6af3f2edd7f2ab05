"""Four eyes: which decisions wait for a manager's approval, and the guard that holds them back.

A policy with `four_eyes` set keeps every erasure and every rejection of its requests from being
applied directly: the staff member who prepares it submits it (`portal.dsr.decisions.four_eyes`),
and only a manager other than them applies it by approving. The guard below runs inside the
services that apply (`decisions.complete_with_decision`, `services.transition` to rejected), so
no page, API call or command can go around it.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.dsr.errors import DsrError
from portal.dsr.models import ApprovalKind, ApprovalState, DataRequest, DecisionApproval, RequestType
from portal.extensions import db


class ApprovalRequired(DsrError):
    """Under four eyes this decision is applied only through a manager's approval."""


def required(request: DataRequest, kind: ApprovalKind) -> bool:
    """Whether `kind` on this request waits for a manager: its policy asks for four eyes, and
    the decision is a rejection or an erasure."""
    if not request.policy.four_eyes:
        return False
    return kind is ApprovalKind.REJECTION or request.type is RequestType.ERASURE


def pending(request: DataRequest) -> DecisionApproval | None:
    """The decision waiting for approval on this request, if any."""
    return db.session.scalar(sa.select(DecisionApproval).where(
        DecisionApproval.request_id == request.id, DecisionApproval.state == ApprovalState.PENDING))


def latest(request: DataRequest) -> DecisionApproval | None:
    """The newest approval of this request, whatever its state (the page says what became of it)."""
    return db.session.scalar(sa.select(DecisionApproval).where(DecisionApproval.request_id == request.id)
                             .order_by(DecisionApproval.id.desc()).limit(1))


def pending_request_ids():
    """A subquery of the requests with a decision waiting for approval (the queue's filter)."""
    return sa.select(DecisionApproval.request_id).where(
        DecisionApproval.state == ApprovalState.PENDING).scalar_subquery()


def requests_pending(request_ids) -> frozenset[int]:
    """Which of these requests wait for an approval (one query for a queue page)."""
    ids = list(request_ids)
    if not ids:
        return frozenset()
    return frozenset(db.session.scalars(sa.select(DecisionApproval.request_id).where(
        DecisionApproval.request_id.in_(ids), DecisionApproval.state == ApprovalState.PENDING)))


def count_pending() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(DecisionApproval).join(DataRequest).where(
        DecisionApproval.state == ApprovalState.PENDING, DataRequest.closed_at.is_(None)))


def check_applied_with_approval(request: DataRequest, kind: ApprovalKind | None,
                                approval: DecisionApproval | None) -> None:
    """The guard: refuse to apply `kind` directly where four eyes apply, or any decision (`kind`
    None: one that never needs approval) while another waits for approval. `approval` is the
    approved row the approving service passes."""
    if approval is not None:
        if (approval.request_id != request.id or approval.kind is not kind
                or approval.state is not ApprovalState.APPROVED):
            raise ApprovalRequired(_l("This decision has not been approved."))
        return
    if pending(request) is not None:
        raise ApprovalRequired(_l("A decision on this request is awaiting approval by a manager. A manager approves "
                                  "it or sends it back first."))
    if kind is not None and required(request, kind):
        raise ApprovalRequired(
            _l("A manager must approve this erasure before it is applied. Submit it for approval.")
            if kind is ApprovalKind.ERASURE else
            _l("A manager must approve this rejection before it is applied. Submit it for approval."))
