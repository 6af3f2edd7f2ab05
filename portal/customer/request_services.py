"""The customer's side of the request register: file, follow, reply to and withdraw requests.

Requests filed here come from a customer who proved their mail address, so they start
verified (the clock runs from now) and are answered by mail at once: the receipt names the
reference, what happens next and the due date. Under a policy that asks for a confirmation
of receipt (CCPA), that mail is it, and the request records it as acknowledged.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.audit.services import Actor
from portal.common.time import utcnow
from portal.dsr import services as dsr
from portal.dsr.errors import DsrError
from portal.dsr.models import DataRequest, EventKind, RequestChannel, RequestType
from portal.customer.request_pages import summary_lines
from portal.dsr.notifications import notify_requester
from portal.dsr.staff_notices import notify_staff
from portal.dsr.queries import get_by_reference
from portal.dsr.status import RequestStatus
from portal.dsr.workflow import Change
from portal.extensions import db
from portal.i18n import current_language
from portal.inventory.models import Person
from portal.verification.session import current_customer


@dataclass(frozen=True)
class Requester:
    """The verified customer filing or following a request."""

    person_id: int | None
    email: str | None  # the address they proved (mail goes there); None after a code by post: letters
    name: str | None
    language: str

    @property
    def actor(self) -> Actor:
        return Actor("customer", self.person_id)

    @classmethod
    def current(cls) -> "Requester":
        customer = current_customer()
        # The name alone: a whole person row would decrypt every field of it.
        name = db.session.scalar(sa.select(Person.name).where(Person.id == customer.person_id)) \
            if customer.person_id else None
        return cls(person_id=customer.person_id, email=customer.email, name=name, language=current_language())

    def key(self, submitted: str, suffix: str = "") -> str:
        """The form's key, scoped to this person: nobody can replay (or block) another's key."""
        return f"web:{self.person_id or self.email}:{submitted}{suffix}"[:100]


def _own(requester: Requester):
    """Requests about the person, and unmatched ones filed from their proven address."""
    if requester.person_id is not None:
        mine = DataRequest.person_id == requester.person_id
    else:
        mine = sa.false()
    unmatched = sa.and_(DataRequest.person_id.is_(None), DataRequest.with_requester_email(requester.email))
    return sa.or_(mine, unmatched)


def notify(change: Change):
    """The requester's mail about the change, with a summary of what they asked — unless it
    took effect at once, when the mail's "what we did" already says it."""
    if any(event.kind is EventKind.APPLIED and event.body for event in change.events):
        return notify_requester(change)
    return notify_requester(change, summary=lambda: summary_lines(change.request))


def own_requests(requester: Requester) -> list[DataRequest]:
    """The customer's requests, newest first."""
    return list(db.session.scalars(
        sa.select(DataRequest).where(_own(requester))
        .order_by(DataRequest.received_at.desc(), DataRequest.id.desc())
    ))


def own_request(requester: Requester, reference: str) -> DataRequest | None:
    """The customer's request with this reference, or None (someone else's looks the same)."""
    request = get_by_reference(reference)
    if request is None:
        return None
    mine = request.person_id == requester.person_id if request.person_id is not None else (
        request.requester_email == requester.email)
    return request if mine else None


def file_request(requester: Requester, *, type: RequestType | str, residence: str, details: dict[str, Any],
                 idempotency_key: str, now: datetime | None = None, send_receipt: bool = True) -> Change:
    """File a verified web request and queue its receipt; a replayed key returns the first one."""
    now = now or utcnow()
    change = dsr.create_request(
        type=type, person_id=requester.person_id, requester_email=requester.email,
        requester_name=requester.name, channel=RequestChannel.WEB, language=requester.language,
        residence=residence, details=details, idempotency_key=requester.key(idempotency_key),
        actor=requester.actor, verified=True, received_at=now,
    )
    if not change.created:
        return change
    if change.request.policy.acknowledge_period:
        # The receipt mail queued below is the confirmation of receipt the policy asks for.
        ack = dsr.acknowledge(change.request, actor=Actor.system(), now=now)
        change = Change(change.request, change.events + ack.events, created=True)
    if send_receipt:
        notify(change)
    return change


def withdraw(request: DataRequest, requester: Requester, *, expected_version: int | None) -> Change:
    """The customer withdraws their open request; they get a confirmation by mail."""
    change = dsr.transition(request, RequestStatus.WITHDRAWN, actor=requester.actor,
                            expected_version=expected_version)
    notify(change)
    return change


def reply(request: DataRequest, requester: Requester, *, body: str) -> Change:
    """The customer's message to staff; a reply while we wait for them resumes the request, and
    the assignee is told by mail (unless they turned that off)."""
    if not request.is_open:
        raise DsrError(_l("This request is closed. To ask for something more, please file a new request."))
    change = dsr.add_message(request, body=body, to_requester=False, actor=requester.actor)
    notify_staff(change)
    return change
