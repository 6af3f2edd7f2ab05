"""Recording what a request changed in the data, and requests the portal carries out at once.

A consent withdrawal or a change of a contact detail the customer may make themselves takes
effect the moment it is asked for. It is still a request in the register, with the usual
timeline — received → verified → in progress → applied → completed — so the record of what
people asked and what we did stays complete.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from portal.audit.services import Actor
from portal.common.time import utcnow
from portal.dsr.errors import DsrError
from portal.dsr.models import DataRequest, EventKind
from portal.dsr.services import transition
from portal.dsr.status import RequestStatus
from portal.dsr.workflow import Change, add_event, audit, translate_stale

S = RequestStatus


@translate_stale
def record_applied(request: DataRequest, *, actor: Actor, data: dict[str, Any], body: str | None = None,
                   now: datetime | None = None) -> Change:
    """Add an `applied` event saying what was done to the data; the requester sees it.

    `data` names what changed (item ids, fields, purpose keys) and is copied into the audit
    entry, so it must never hold the values themselves.
    """
    if not request.is_open:
        raise DsrError()
    event = add_event(request, EventKind.APPLIED, actor=actor, at=now or utcnow(), visible=True,
                      body=body, data=data)
    audit("dsr.request.applied", request, actor=actor, applied=data)
    return Change(request, [event])


def complete_at_once(change: Change, *, applied: dict[str, Any], body: str | None = None,
                     now: datetime | None = None) -> Change:
    """Carry a just-filed, verified request to `completed`, with its `applied` event.

    `body` says what was done, one line per change, in the requester's language.
    The steps are the system's (the portal did them, not a staff member), so the status
    machine's staff-only moves stay staff-only for customers.
    """
    request = change.request
    if request.status is not S.VERIFIED:
        raise DsrError()
    now = now or utcnow()
    system = Actor.system()
    events = list(change.events)
    events += transition(request, S.IN_PROGRESS, actor=system, now=now).events
    events += record_applied(request, actor=system, data=applied, body=body, now=now).events
    events += transition(request, S.COMPLETED, actor=system, now=now).events
    return Change(request, events, created=change.created)
