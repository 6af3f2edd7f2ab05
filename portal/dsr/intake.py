"""Filing a request that reached the company by phone, post, counter or mail.

One path for the JSON API (`portal.api.intake`) and the staff intake page (`portal.intake`):
the request is filed with `create_request` (its audit entry and webhook), a policy that asks
for a confirmation of receipt (CCPA) gets it at once, and the requester's receipt goes to the
outbox like any other.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from portal.audit.services import Actor
from portal.dsr.models import Jurisdiction, Residence
from portal.dsr.notifications import notify_requester
from portal.dsr.services import acknowledge, create_request
from portal.dsr.workflow import Change

#: The residence that selects each jurisdiction's policies.
POLICY_RESIDENCE = {Jurisdiction.APPI: Residence.JP, Jurisdiction.GDPR: Residence.EU, Jurisdiction.CCPA: Residence.US_CA}


def file_received_request(*, type: str, policy: Jurisdiction | str, channel: str, person_id: int | None,
                          requester_email: str, requester_name: str | None, language: str, actor: Actor,
                          details: dict[str, Any] | None = None, received_at: datetime | None = None,
                          verified: bool = False, agent: dict[str, Any] | None = None,
                          subject: dict[str, Any] | None = None, idempotency_key: str | None = None) -> Change:
    """File it under `policy`'s rules; `verified` (identity checked) starts the clock at receipt."""
    change = create_request(
        type=type, person_id=person_id, requester_email=requester_email, requester_name=requester_name,
        channel=channel, language=language, residence=POLICY_RESIDENCE[Jurisdiction(policy)], details=details or {},
        is_agent=bool(agent), agent=agent, subject=subject, idempotency_key=idempotency_key,
        actor=actor, verified=verified, received_at=received_at,
    )
    if not change.created:
        return change
    if change.request.policy.acknowledge_period:
        ack = acknowledge(change.request, actor=Actor.system())
        change = Change(change.request, change.events + ack.events, created=True)
    notify_requester(change)
    return change
