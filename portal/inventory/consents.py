"""Appending to a person's consent history; the latest event per purpose is the current state.

A withdrawal takes effect the moment it is recorded: the suppression list and every export
read the history itself, so there is nothing else to update.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from portal import webhooks
from portal.audit.services import Actor, record
from portal.common.time import utcnow
from portal.extensions import db
from portal.inventory.models import ConsentEvent, ConsentState, Purpose


def current_states(person_id: int) -> dict[int, ConsentState]:
    """Purpose id → the person's current consent state (purposes without events are absent)."""
    states: dict[int, ConsentState] = {}
    rows = db.session.execute(
        sa.select(ConsentEvent.purpose_id, ConsentEvent.state)
        .where(ConsentEvent.person_id == person_id)
        # The same order the suppression list ranks by: time, then the one recorded last.
        .order_by(ConsentEvent.at, ConsentEvent.id)
    )
    for purpose_id, state in rows:
        states[purpose_id] = state
    return states


def record_consent(person_id: int, purpose: Purpose, state: ConsentState | str, *, actor: Actor,
                   method: str, at: datetime | None = None, request_reference: str | None = None) -> ConsentEvent:
    """Append a grant or withdrawal (source None: the person told us themselves); the caller commits."""
    event = ConsentEvent(person_id=person_id, purpose_id=purpose.id, state=ConsentState(state),
                         at=at or utcnow(), method=method, source_id=None)
    db.session.add(event)
    db.session.flush()
    record("inventory.consent_recorded", actor=actor, target_type="purpose", target_id=purpose.key,
           person_id=person_id, details={"purpose": purpose.key, "state": event.state.value,
                                         "method": method, "request": request_reference})
    if event.state is ConsentState.WITHDRAWN:
        webhooks.emit("consent.withdrawn", {"person_id": person_id, "purpose": purpose.key,
                                            "at": event.at.isoformat(), "request": request_reference})
    return event
