"""The webhook outbox (infrastructure, beside the mail outbox): deliveries of events to the URLs
admins registered wait here and `tick` sends them; the admins' pages are in `portal.api`.

`emit(event, payload)` is what the rest of the portal calls where things happen; it only adds
rows to the caller's transaction, so nothing goes out for a change that rolls back.
"""
from __future__ import annotations

from typing import Any

from portal.webhooks.services import queue_event


def emit(event: str, payload: dict[str, Any]) -> int:
    """Queue `event` for every active webhook subscribed to it; returns how many were queued."""
    return queue_event(event, payload)
