"""The retention passes `tick` runs; each returns counts and audits them (never personal values).

Rows are claimed with SKIP LOCKED and every pass only touches what is still due, so ticks
on several machines at once neither double-count nor fail.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from portal.agents import uploads
from portal.agents.models import AuthorityDocument
from portal.audit.services import Actor, record
from portal.common.time import JST, utcnow
from portal.dsr.models import DataRequest, RequestEvent
from portal.encryption.blind import email_index
from portal.extensions import db
from portal.inventory.models import Item, Provision
from portal.retention.disposal import expired
from portal.retention.periods import periods, years_before

#: What an anonymised request keeps in `requester_email` (NOT NULL); also how we know it is done.
ANONYMISED_EMAIL = ""


def delete_authority_documents(*, actor: Actor, now: datetime | None = None) -> int:
    """Delete letters of authority whose every request closed more than N days ago.

    A letter may serve several requests filed together; it goes only when all are closed.
    """
    now = now or utcnow()
    cutoff = now - timedelta(days=periods().authority_days)
    uses = sa.or_(DataRequest.authority_document_id == AuthorityDocument.id,
                  DataRequest.id == AuthorityDocument.request_id)
    still_needed = sa.exists().where(uses, sa.or_(DataRequest.closed_at.is_(None), DataRequest.closed_at > cutoff))
    has_request = sa.exists().where(uses)
    documents = list(db.session.scalars(
        sa.select(AuthorityDocument)
        .where(AuthorityDocument.deleted_at.is_(None), has_request, ~still_needed)
        .order_by(AuthorityDocument.id)
        .with_for_update(skip_locked=True)
    ))
    for document in documents:
        uploads.discard(document.storage_path)
        document.deleted_at = now
    if documents:
        record("retention.authority_documents_deleted", actor=actor, target_type="authority_document",
               details={"count": len(documents), "days": periods().authority_days})
    return len(documents)


def anonymise_closed_requests(*, actor: Actor, now: datetime | None = None) -> int:
    """Clear the personal details of requests closed more than N years ago.

    The row stays, with its reference, type, jurisdiction, channel, dates, status and outcome,
    so the register and reports still count it. Cleared: the requester's address and name,
    the agent's and subject's details, the type-specific details (which hold the values asked
    for), every timeline message and note, and the rejection/extension wording (written to the
    person). `person_id` is detached (NULL): keeping it would let anyone re-identify the row.
    """
    now = now or utcnow()
    cutoff = years_before(now, periods().request_years)
    requests = list(db.session.scalars(
        sa.select(DataRequest)
        .where(DataRequest.closed_at.is_not(None), DataRequest.closed_at <= cutoff,
               sa.or_(DataRequest.requester_email_index.is_(None),
                      DataRequest.requester_email_index != email_index(ANONYMISED_EMAIL)))
        .order_by(DataRequest.id)
        .with_for_update(skip_locked=True)
    ))
    for data_request in requests:
        data_request.requester_email = ANONYMISED_EMAIL
        data_request.requester_name = None
        data_request.agent = None
        data_request.subject = None
        data_request.details = {}
        data_request.person_id = None
        data_request.rejection_reason = None
        data_request.extension_reason = None
        data_request.idempotency_key = None
    if requests:
        ids = [r.id for r in requests]
        db.session.execute(sa.update(RequestEvent).where(RequestEvent.request_id.in_(ids))
                           .values(body=None, data={}))
        record("retention.requests_anonymised", actor=actor, target_type="data_request",
               details={"count": len(requests), "years": periods().request_years})
    return len(requests)


def purge_provision_records(*, actor: Actor, now: datetime | None = None) -> int:
    """Delete records of provision to third parties older than N years (APPI: 3 years)."""
    now = now or utcnow()
    cutoff = years_before(now.astimezone(JST).date(), periods().provision_years)
    ids = list(db.session.scalars(
        sa.select(Provision.id).where(Provision.provided_at < cutoff).order_by(Provision.id)
        .with_for_update(skip_locked=True)
    ))
    if ids:
        db.session.execute(sa.delete(Provision).where(Provision.id.in_(ids)))
        record("retention.provision_records_purged", actor=actor, target_type="provision",
               details={"count": len(ids), "years": periods().provision_years})
    return len(ids)


def count_items_past_retention(*, now: datetime | None = None) -> int:
    """How many items are due for disposal (the definition `portal.retention.disposal` uses)."""
    today = (now or utcnow()).astimezone(JST).date()
    return db.session.scalar(sa.select(sa.func.count(Item.id)).where(expired(today))) or 0


@dataclass(frozen=True)
class HeldItems:
    category: str
    field: str
    until: date
    reason: str | None
    items: int
    people: int


def legal_holds_in_force(*, now: datetime | None = None, limit: int = 200) -> list[HeldItems]:
    """Holds that still run, per category, field, last day and reason (counts, no values),
    the nearest end first: what an erasure keeps, and when it stops keeping it."""
    today = (now or utcnow()).astimezone(JST).date()
    rows = db.session.execute(
        sa.select(Item.category, Item.field, Item.legal_hold_until, Item.legal_hold_reason,
                  sa.func.count(Item.id), sa.func.count(sa.distinct(Item.person_id)))
        .where(Item.legal_hold_until.is_not(None), Item.legal_hold_until >= today)
        .group_by(Item.category, Item.field, Item.legal_hold_until, Item.legal_hold_reason)
        .order_by(Item.legal_hold_until, Item.category, Item.field)
        .limit(limit)
    )
    return [HeldItems(str(category), field, until, reason, items, people)
            for category, field, until, reason, items, people in rows]
