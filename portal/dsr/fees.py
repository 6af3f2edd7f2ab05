"""Fees (手数料, APPI Art. 38): an optional charge per request type and policy.

A policy may set a fee (yen), how to pay it and when it is waived; the customer sees it before
filing. A request filed under such a policy copies the amount and starts `unpaid`; staff record
it `paid` or `waived` (audited, and the requester sees it on the timeline). A disclosure — of
the data or of the provision records — is released only once the fee is paid or waived.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from portal.audit.services import Actor
from portal.common.time import utcnow
from portal.dsr.errors import DsrError
from portal.dsr.models import DataRequest, EventKind, FeeStatus, Policy, RequestType, Residence
from portal.dsr.ownership import case_action
from portal.dsr.policies import choose_policy
from portal.dsr.workflow import REQUESTER_ACTORS, Change, add_event, audit, check_version, translate_stale

#: The answers that a fee holds back until it is settled.
RELEASED_ONLY_WHEN_SETTLED = frozenset({RequestType.DISCLOSURE, RequestType.PROVISION_RECORDS})
MAX_FEE = 100_000


class FeeUnpaid(DsrError):
    default_message = _l(
        "The fee for this request is unpaid. Record it as paid or waived before releasing the disclosure.")


def charge(request: DataRequest, policy: Policy) -> None:
    """A new request under a policy with a fee owes it (self-service downloads never do)."""
    if policy.fee_amount:
        request.fee_amount = policy.fee_amount
        request.fee_status = FeeStatus.UNPAID


def require_settled(request: DataRequest) -> None:
    """Refuse to release a disclosure whose fee is still unpaid."""
    if request.type in RELEASED_ONLY_WHEN_SETTLED and request.fee_status is FeeStatus.UNPAID:
        raise FeeUnpaid()


@translate_stale
@case_action
def record_fee(request: DataRequest, status: FeeStatus | str, *, actor: Actor, expected_version: int | None = None,
               now: datetime | None = None) -> Change:
    """Staff record the fee as paid or waived; the requester sees it on the timeline."""
    status = FeeStatus(status)
    check_version(request, expected_version)
    if actor.type in REQUESTER_ACTORS:
        raise DsrError(_l("Only staff can do this."))
    if request.fee_status is None:
        raise DsrError(_l("No fee is charged for this request."))
    if status is FeeStatus.UNPAID or request.fee_status is not FeeStatus.UNPAID:
        raise DsrError(_l("The fee has already been recorded as paid or waived."))
    now = now or utcnow()
    request.fee_status = status
    event = add_event(request, EventKind.FEE_RECORDED, actor=actor, at=now, visible=True,
                      data={"status": status.value, "amount": request.fee_amount})
    audit("dsr.request.fee_recorded", request, actor=actor, status=status.value, amount=request.fee_amount)
    return Change(request, [event])


def fees_for_type(request_type: RequestType | str) -> list[tuple[Residence, Policy]]:
    """For the customer's form: the fee each residence would be charged for this type (if any)."""
    found, seen = [], set()
    for residence in Residence:
        policy = choose_policy(residence, request_type)
        if policy.fee_amount and policy.id not in seen:
            seen.add(policy.id)
            found.append((residence, policy))
    return found
