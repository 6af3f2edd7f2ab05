"""Webhooks: admins register URLs per event; deliveries wait in an outbox and `tick` sends them.

`emit(event, payload)` is what the rest of the portal calls where things happen; it only adds
rows to the caller's transaction, so nothing goes out for a change that rolls back.
"""
from __future__ import annotations

from typing import Any


def emit(event: str, payload: dict[str, Any]) -> int:
    """Queue `event` for every active webhook subscribed to it; returns how many were queued."""
    from portal.api.webhooks.services import queue_event  # late: callers sit low in the import graph

    return queue_event(event, payload)
