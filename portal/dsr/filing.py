"""Filing requests: from a form, the API or staff, and self-service downloads for the register.

Called through `portal.dsr.services`, which re-exports these functions.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from portal import webhooks
from portal.audit.services import Actor
from portal.common.time import utcnow
from portal.dsr.calendar import japan_date
from portal.dsr.errors import IdempotencyConflict
from portal.dsr.fees import charge
from portal.dsr.models import DataRequest, EventKind, Language, RequestChannel, RequestType, Residence
from portal.dsr.policies import choose_policy
from portal.dsr.queries import find_by_idempotency_key
from portal.dsr.status import RequestStatus
from portal.dsr.workflow import (Change, add_event, audit, iso, move, start_clock, start_clock_on_receipt,
                                 translate_stale)
from portal.extensions import db
from portal.inventory.importer.parse import normalise_email
from portal.inventory.models import Person

S = RequestStatus


def format_reference(request_id: int, received_at: datetime) -> str:
    """`MG-2026-000123`: the year received (Japan time) and the row id, unique by construction."""
    return f"MG-{japan_date(received_at).year}-{request_id:06d}"


def _new_request(*, type, person_id, requester_email, channel, language, residence, details,
                 received_at, **fields: Any) -> DataRequest:
    policy = choose_policy(residence, type)
    return DataRequest(
        type=RequestType(type),
        policy=policy,
        jurisdiction=policy.jurisdiction,
        status=S.RECEIVED,
        person_id=person_id,
        # None for a requester without email (a letter, the form for people without email):
        # every answer then goes by post (dsr/letters.py).
        requester_email=normalise_email(requester_email) if requester_email else None,
        channel=RequestChannel(channel),
        language=Language(language),
        residence=Residence(residence or Residence.JP),
        details=details or {},
        received_at=received_at,
        **fields,
    )


def _replay(existing: DataRequest, requester_email: str, person_id: int | None) -> Change:
    """The same submission again: hand back its request, unless someone else's key collided."""
    same_person = person_id is None or existing.person_id in (None, person_id)
    if existing.requester_email != (normalise_email(requester_email) if requester_email else None) or not same_person:
        raise IdempotencyConflict()
    return Change(existing, [], created=False)


@translate_stale
def create_request(
    *,
    type: RequestType | str,
    person_id: int | None,
    requester_email: str | None,
    channel: RequestChannel | str,
    language: Language | str,
    residence: Residence | str | None,
    details: dict[str, Any] | None = None,
    requester_name: str | None = None,
    is_agent: bool = False,
    agent: dict[str, Any] | None = None,
    subject: dict[str, Any] | None = None,
    authority_document_id: int | None = None,
    idempotency_key: str | None = None,
    actor: Actor,
    verified: bool = False,
    received_at: datetime | None = None,
) -> Change:
    """File a request: `received`, or already `verified` (clock started) when the requester
    proved their mail address and no agent's authority needs checking.

    `received_at` is for requests that arrived earlier (a letter's date); it defaults to now.
    The same `idempotency_key` returns the request already filed with it (`created=False`).
    """
    if verified and is_agent:
        raise ValueError("an agent's request stays `received` until staff check the authority")
    if not (requester_email or "").strip() and not (subject or {}).get("address"):
        raise ValueError("a request needs the requester's email address or postal address")
    now = utcnow()
    if received_at is not None and received_at > now:
        raise ValueError("a request cannot be received in the future")
    received_at = received_at or now
    request = _new_request(
        type=type, person_id=person_id, requester_email=requester_email, channel=channel,
        language=language, residence=residence, details=details, received_at=received_at,
        requester_name=requester_name, is_agent=is_agent, agent=agent, subject=subject,
        authority_document_id=authority_document_id, idempotency_key=idempotency_key,
    )
    if idempotency_key:
        # The unique key decides, without a look-up first (a query on every filing for the rare
        # double click): a key already used fails the insert, the savepoint undoes just that,
        # and the earlier request is handed back. A double click racing its twin waits for it.
        try:
            with db.session.begin_nested():
                db.session.add(request)
                db.session.flush()
        except sa.exc.IntegrityError:
            existing = find_by_idempotency_key(idempotency_key)
            if existing is None:
                raise
            return _replay(existing, requester_email, person_id)
    else:
        db.session.add(request)
        db.session.flush()
    request.reference = format_reference(request.id, received_at)
    start_clock_on_receipt(request)
    charge(request, request.policy)
    events = [add_event(request, EventKind.RECEIVED, actor=actor, at=received_at, visible=True,
                        to_status=S.RECEIVED, data={"type": request.type.value, "channel": request.channel.value,
                                                    "due_at": iso(request.due_at)})]
    if verified:
        events += start_clock(request, actor=actor, verified_at=received_at)
    audit("dsr.request.created", request, actor=actor, new_request=True, type=request.type.value,
          channel=request.channel.value, jurisdiction=request.jurisdiction.value,
          is_agent=request.is_agent, verified=bool(verified))
    webhooks.emit("request.received", {"reference": request.reference, "type": request.type.value,
                                       "channel": request.channel.value, "policy": request.jurisdiction.value,
                                       "status": request.status.value, "person_id": request.person_id})
    return Change(request, events, created=True)


@translate_stale
def record_self_service_disclosure(
    *, person_id: int, format: str, actor: Actor, residence: Residence | str | None = None,
    language: Language | str = Language.JA, now: datetime | None = None,
) -> Change:
    """Register a download of "my data" as a disclosure request answered at once.

    The register of disclosures stays complete, with the usual timeline:
    received → verified → in progress → completed, all at the moment of the download.
    """
    person = db.session.get(Person, person_id)
    if person is None:
        raise LookupError(f"no person with id {person_id}")
    now = now or utcnow()
    request = _new_request(
        type=RequestType.DISCLOSURE, person_id=person_id, requester_email=person.email,
        channel=RequestChannel.WEB, language=language, residence=residence,
        details={"self_service": True, "format": format}, received_at=now,
    )
    db.session.add(request)
    db.session.flush()
    request.reference = format_reference(request.id, now)
    events = [add_event(request, EventKind.RECEIVED, actor=actor, at=now, visible=True, to_status=S.RECEIVED,
                        data={"type": request.type.value, "channel": request.channel.value, "self_service": True})]
    events += start_clock(request, actor=actor, verified_at=now)
    events += move(request, S.IN_PROGRESS, actor=actor, now=now)
    events += move(request, S.COMPLETED, actor=actor, now=now)
    events[-1].data = {**events[-1].data, "self_service": True, "format": format}
    audit("dsr.request.self_service_disclosure", request, actor=actor, format=format,
          jurisdiction=request.jurisdiction.value)
    return Change(request, events, created=True)


