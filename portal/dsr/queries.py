"""Reading requests: a person's requests, one by its public reference, a timeline."""
from __future__ import annotations

import re

import sqlalchemy as sa

from portal.dsr.models import DataRequest, RequestEvent
from portal.extensions import db

REFERENCE_PATTERN = re.compile(r"MG-\d{4}-\d{6,}")


def requests_for_person(person_id: int) -> list[DataRequest]:
    """A person's requests, newest first."""
    return list(
        db.session.scalars(
            sa.select(DataRequest)
            .where(DataRequest.person_id == person_id)
            .order_by(DataRequest.received_at.desc(), DataRequest.id.desc())
        )
    )


def get_by_reference(reference: str) -> DataRequest | None:
    """The request with this reference; tolerant of case and spaces as people type them."""
    reference = (reference or "").strip().upper()
    if not REFERENCE_PATTERN.fullmatch(reference):
        return None
    return db.session.scalar(sa.select(DataRequest).where(DataRequest.reference == reference))


def find_by_idempotency_key(key: str) -> DataRequest | None:
    """The request filed under this key. Looked up alone, then loaded by id: most requests have
    no key, and once SQLite has gathered statistics it reckons every key matches them all, so
    joined to the policy (as a whole request is loaded) it read the whole table (45 ms at
    200,000 requests, on every submission)."""
    request_id = db.session.scalar(sa.select(DataRequest.id).where(DataRequest.idempotency_key == key))
    return None if request_id is None else db.session.get(DataRequest, request_id)


def timeline(request: DataRequest, *, for_requester: bool = False) -> list[RequestEvent]:
    """The request's events in order; `for_requester` leaves out internal ones."""
    stmt = sa.select(RequestEvent).where(RequestEvent.request_id == request.id)
    if for_requester:
        stmt = stmt.where(RequestEvent.visible_to_requester.is_(True))
    return list(db.session.scalars(stmt.order_by(RequestEvent.at, RequestEvent.id)))
