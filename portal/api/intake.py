"""Filing a request that reached the company by phone, post, counter or mail, through the API.

The API's words (a person's key, a requester, a date-time) are checked and turned into the
register's; filing itself is `portal.dsr.intake.file_received_request`, which the staff intake
page calls too (receipt mail, CCPA confirmation of receipt, audit entry).
"""
from __future__ import annotations

from typing import Any

from portal.api.problems import ApiProblem, field_error
from portal.api.validation import parse_date_time
from portal.audit.services import Actor
from portal.common.time import JST, utcnow
from portal.dsr.intake import file_received_request
from portal.dsr.workflow import Change
from portal.inventory.models import Person
from portal.inventory import aliases


def _invalid(pointer: str, detail: str) -> ApiProblem:
    return ApiProblem("validation-failed", detail, errors=[field_error(pointer, detail)])


def person_by_key(key: str) -> Person | None:
    """The person a key names; a key merged away (名寄せ) names its survivor."""
    return aliases.person_by_key(key)


def file_api_request(body: dict[str, Any], *, actor: Actor, idempotency_key: str | None) -> Change:
    """File the request described by a `NewRequest` body (already checked against its schema)."""
    person = None
    if body.get("person_key") is not None:
        person = person_by_key(body["person_key"])
        if person is None:
            raise _invalid("/person_key", "no person has this key")
    requester = body.get("requester") or {}
    email = requester.get("email") or (person.email if person else None)
    if not email:
        raise _invalid("/requester/email", "is required when no person_key names a person with an address")
    agent = body.get("agent")
    if agent and body.get("verified"):
        raise _invalid("/verified", "an agent's request stays unverified until staff check the letter of authority")
    received_at = None
    if body.get("received_at"):
        received_at = parse_date_time(body["received_at"])
        received_at = received_at if received_at.tzinfo else received_at.replace(tzinfo=JST)
        if received_at > utcnow():
            raise _invalid("/received_at", "cannot be in the future")
    return file_received_request(
        type=body["type"], policy=body["policy"], channel=body["channel"], person_id=person.id if person else None,
        requester_email=email, requester_name=requester.get("name") or (person.name if person else None),
        language=requester.get("language", "ja"), details=body.get("details") or {}, agent=agent,
        subject=body.get("subject"), idempotency_key=idempotency_key, actor=actor,
        verified=bool(body.get("verified")), received_at=received_at,
    )
