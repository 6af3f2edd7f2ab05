"""How requests look in the API: summaries for lists, details with the timeline."""
from __future__ import annotations

from datetime import datetime, timezone
from operator import attrgetter
from typing import Iterable

import sqlalchemy as sa

from portal.dsr.models import DataRequest, RequestEvent
from portal.dsr.queries import timeline
from portal.extensions import db
from portal.inventory.models import Person


def iso(moment: datetime | None) -> str | None:
    """In UTC, as the database gives it back, also for a moment the call itself gave in Japan time."""
    return None if moment is None else moment.astimezone(timezone.utc).isoformat()


def person_keys(person_ids: Iterable[int | None]) -> dict[int, str]:
    ids = {person_id for person_id in person_ids if person_id is not None}
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(Person.id, Person.key).where(Person.id.in_(ids))).all())


def request_summary(request: DataRequest, keys: dict[int, str]) -> dict:
    return {
        "reference": request.reference,
        "type": request.type.value,
        "status": request.status.value,
        "policy": request.jurisdiction.value,
        "channel": request.channel.value,
        "person_key": keys.get(request.person_id) if request.person_id else None,
        "is_agent": request.is_agent,
        "assignee_id": request.assignee_id,
        "received_at": iso(request.received_at),
        "verified_at": iso(request.verified_at),
        "acknowledge_due_at": iso(request.acknowledge_due_at),
        "due_at": iso(request.due_at),
        "closed_at": iso(request.closed_at),
        "version": request.version_id,
        "fee": ({"amount": request.fee_amount, "currency": "JPY", "status": request.fee_status.value}
                if request.fee_status else None),
    }


def event_record(event: RequestEvent) -> dict:
    return {
        "kind": event.kind.value, "at": iso(event.at), "actor_type": event.actor_type, "actor_id": event.actor_id,
        "from_status": event.from_status.value if event.from_status else None,
        "to_status": event.to_status.value if event.to_status else None,
        "visible_to_requester": event.visible_to_requester, "body": event.body, "data": event.data or {},
    }


def request_detail(request: DataRequest, *, events: list[RequestEvent] | None = None) -> dict:
    """The request with its timeline. `events`: its whole timeline when the caller holds it (the
    events of a request it has just filed, in the order they were added), instead of reading it."""
    body = request_summary(request, person_keys([request.person_id]))
    # Oldest first, as the timeline is read (a stable sort keeps the order of events of one moment).
    events = timeline(request) if events is None else sorted(events, key=attrgetter("at"))
    body.update({
        "requester": {"email": request.requester_email, "name": request.requester_name,
                      "language": request.language.value},
        "subject": request.subject,
        "agent": request.agent,
        "details": request.details or {},
        "rejection_reason": request.rejection_reason,
        "extension_reason": request.extension_reason,
        "timeline": [event_record(event) for event in events],
    })
    return body
