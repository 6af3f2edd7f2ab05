"""Answers that did not reach the requester, and what staff do about them.

The outbox marks a mail failed when the server refuses it for good (a 5xx answer) or after a
day of retries. A failed mail that answers a request (`OutboxMessage.request_id`) stays
"undelivered" — on the request page, as a badge in the queue, and counted on the dashboard —
until staff settle it: send it again (a new mail with the same words, to the requester's
address as it stands now) or record how the person was answered instead (by phone, by post).
Both write a timeline note and an audit entry in the caller's transaction.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.audit.services import Actor
from portal.common.time import utcnow
from portal.dsr.errors import DsrError
from portal.dsr.models import DataRequest, EventKind
from portal.dsr.ownership import case_action
from portal.dsr.workflow import Change, add_event, audit, check_version, translate_stale
from portal.extensions import db
from portal.mail.models import OutboxMessage, OutboxStatus
from portal.mail.services import queue_copy

RESENT, ANSWERED_OTHERWISE = "resent", "answered_otherwise"

#: SQL condition: a mail to a requester that failed and that nobody has dealt with yet.
UNDELIVERED = sa.and_(OutboxMessage.request_id.is_not(None), OutboxMessage.status == OutboxStatus.FAILED,
                      OutboxMessage.settled_at.is_(None))


def undelivered_answers(request_id: int) -> list[OutboxMessage]:
    """The request's undelivered mail, oldest first."""
    return list(db.session.scalars(sa.select(OutboxMessage).where(UNDELIVERED, OutboxMessage.request_id == request_id)
                                   .order_by(OutboxMessage.id)))


def requests_with_undelivered(request_ids) -> frozenset[int]:
    """Which of these requests have an undelivered answer (one query for a queue page)."""
    ids = list(request_ids)
    if not ids:
        return frozenset()
    return frozenset(db.session.scalars(sa.select(OutboxMessage.request_id).where(
        UNDELIVERED, OutboxMessage.request_id.in_(ids)).distinct()))


def undelivered_request_ids():
    """A subquery of the requests with an undelivered answer (the queue's filter, "at risk")."""
    return sa.select(OutboxMessage.request_id).where(UNDELIVERED).scalar_subquery()


def count_undelivered() -> int:
    """How many requests have an answer that did not arrive (the dashboard's figure)."""
    return db.session.scalar(sa.select(sa.func.count(sa.distinct(OutboxMessage.request_id))).where(UNDELIVERED)) or 0


def _failed_mail(request: DataRequest, mail_id: int) -> OutboxMessage:
    mail = db.session.get(OutboxMessage, mail_id)
    if mail is None or mail.request_id != request.id or mail.status is not OutboxStatus.FAILED \
            or mail.settled_at is not None:
        raise DsrError(_l("This mail has been dealt with already. Reload the page."))
    return mail


def _settle(request: DataRequest, mail: OutboxMessage, how: str, *, expected_version, now: datetime) -> None:
    check_version(request, expected_version)
    request.updated_at = now  # a settled failure changes the request: a second click is stale
    mail.settled_at, mail.settlement = now, how


@case_action
@translate_stale
def resend_answer(request: DataRequest, *, mail_id: int, actor: Actor, expected_version: int | None = None,
                  now: datetime | None = None) -> Change:
    """Queue the failed mail again, word for word, to the requester's address as it is now."""
    now = now or utcnow()
    failed = _failed_mail(request, mail_id)
    _settle(request, failed, RESENT, expected_version=expected_version, now=now)
    again = queue_copy(failed, to=request.requester_email)
    event = add_event(request, EventKind.INTERNAL_NOTE, actor=actor, at=now, visible=False,
                      body=str(_l("The undelivered mail was sent again.")), data={"mail_id": failed.id,
                                                                                  "resent_as": again.id})
    audit("dsr.answer_resent", request, actor=actor, mail_id=failed.id, resent_as=again.id)
    return Change(request, [event])


@case_action
@translate_stale
def answered_otherwise(request: DataRequest, *, mail_id: int, note: str, actor: Actor,
                       expected_version: int | None = None, now: datetime | None = None) -> Change:
    """Record that the person was answered another way (by phone, by post …); `note` says how."""
    now = now or utcnow()
    if not (note or "").strip():
        raise DsrError(_l("Say how the requester was answered instead."))
    failed = _failed_mail(request, mail_id)
    _settle(request, failed, ANSWERED_OTHERWISE, expected_version=expected_version, now=now)
    event = add_event(request, EventKind.INTERNAL_NOTE, actor=actor, at=now, visible=False, body=note.strip(),
                      data={"mail_id": failed.id, "answered_otherwise": True})
    audit("dsr.answer_settled_otherwise", request, actor=actor, mail_id=failed.id)
    return Change(request, [event])
