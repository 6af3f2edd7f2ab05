"""Webhook subscriptions, queueing events for them, and sending with retries.

Events are queued in the transaction of the change (nothing leaves for a change that rolls
back). `tick` sends what is due: each delivery is claimed with a short lease (SKIP LOCKED on
PostgreSQL, a guarded UPDATE everywhere), committed, then POSTed — the network call holds no
transaction or lock. A receiver that does not answer 2xx within the time-out is retried after
1, 2, 4 … minutes (at most an hour between tries) for a day; then the delivery is `failed`
until an admin sends it again. Every try is kept for admins to read.

Bodies are signed: `Madoguchi-Signature: t=<unix time>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>`.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta
from typing import Any, Callable

import sqlalchemy as sa
from flask_sqlalchemy.session import Session

from portal.webhooks.models import DeliveryStatus, Webhook, WebhookAttempt, WebhookDelivery, WebhookEvent
from portal.audit.services import Actor, record
from portal.common.time import utcnow
from portal.extensions import db
from portal.mail.services import DeliveryReport, backoff

log = logging.getLogger(__name__)

RETRY_FOR = timedelta(hours=24)
LEASE = timedelta(minutes=5)
TIMEOUT_SECONDS = 10
SIGNATURE_HEADER = "Madoguchi-Signature"
USER_AGENT = "Madoguchi-Webhooks/1"


class WebhookInvalid(ValueError):
    """The subscription cannot be saved as asked; `code` names why."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


# --- subscriptions ---------------------------------------------------------------------------

def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def create_webhook(*, url: str, events: list[str], description: str | None, actor: Actor,
                   created_by_id: int | None = None) -> tuple[Webhook, str]:
    url = (url or "").strip()
    if not url.startswith(("https://", "http://")) or len(url) > 500 or any(c.isspace() for c in url):
        raise WebhookInvalid("url_invalid")
    chosen = sorted({WebhookEvent(e).value for e in events})
    if not chosen:
        raise WebhookInvalid("no_events")
    secret = new_secret()
    webhook = Webhook(url=url, events=chosen, description=(description or "").strip()[:200] or None, secret=secret,
                      created_by_id=created_by_id)
    db.session.add(webhook)
    db.session.flush()
    record("api.webhook_created", actor=actor, target_type="webhook", target_id=webhook.id,
           details={"events": chosen})
    return webhook, secret


def set_active(webhook: Webhook, *, active: bool, actor: Actor) -> None:
    webhook.active = active
    db.session.flush()
    record("api.webhook_activated" if active else "api.webhook_deactivated", actor=actor,
           target_type="webhook", target_id=webhook.id)


def list_webhooks() -> list[Webhook]:
    return list(db.session.scalars(sa.select(Webhook).order_by(Webhook.active.desc(), Webhook.id)))


def recent_deliveries(webhook: Webhook, *, limit: int = 50) -> list[WebhookDelivery]:
    return list(db.session.scalars(sa.select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook.id)
                                   .order_by(WebhookDelivery.id.desc()).limit(limit)))


# --- queueing events ---------------------------------------------------------------------------

#: Turns a person id into the company's key for a person (receivers know persons by key; ids are
#: internal). The inventory, which owns persons, sets it (`resolve_person_keys_with`), so this
#: package imports nothing above it.
_person_key_of: Callable[[int], str | None] | None = None


def resolve_person_keys_with(lookup: Callable[[int], str | None]) -> None:
    global _person_key_of
    _person_key_of = lookup


def _keys_instead_of_ids(payload: dict[str, Any]) -> dict[str, Any]:
    payload = dict(payload)
    if "person_id" in payload:
        person_id = payload.pop("person_id")
        if person_id is not None and _person_key_of is None:
            raise RuntimeError("no person key lookup registered (portal.inventory.models sets it)")
        payload["person_key"] = _person_key_of(person_id) if person_id is not None else None
    return payload


_SUBSCRIPTIONS_KEY = "webhooks.subscriptions"


def _active_subscriptions() -> list[tuple[int, frozenset[str]]]:
    """(webhook id, events) of the active webhooks, read once per transaction: a request that
    changes status twice asks once, and the read does not flush the caller's pending rows."""
    cached = db.session.info.get(_SUBSCRIPTIONS_KEY)
    if cached is None:
        with db.session.no_autoflush:
            rows = db.session.execute(sa.select(Webhook.id, Webhook.events).where(Webhook.active.is_(True)))
            cached = [(webhook_id, frozenset(events or ())) for webhook_id, events in rows]
        db.session.info[_SUBSCRIPTIONS_KEY] = cached
    return cached


@sa.event.listens_for(Session, "after_commit")
@sa.event.listens_for(Session, "after_rollback")
def _forget_subscriptions(session) -> None:
    # The next transaction sees webhooks anyone added or switched meanwhile.
    session.info.pop(_SUBSCRIPTIONS_KEY, None)


@sa.event.listens_for(Session, "after_flush")
def _forget_changed_subscriptions(session, flush_context) -> None:
    # A webhook added or switched in this very transaction counts for its next event.
    if any(isinstance(row, Webhook) for row in (*session.new, *session.dirty, *session.deleted)):
        session.info.pop(_SUBSCRIPTIONS_KEY, None)


def queue_event(event: str, payload: dict[str, Any], *, now: datetime | None = None) -> int:
    """Queue `event` for each active webhook subscribed to it; a status change to `completed`
    is also a `request.completed` event. Returns the number of deliveries queued."""
    event = WebhookEvent(event)
    events = [event]
    if event is WebhookEvent.REQUEST_STATUS_CHANGED and payload.get("to_status") == "completed":
        events.append(WebhookEvent.REQUEST_COMPLETED)
    subscriptions = [(webhook_id, subscribed) for webhook_id, subscribed in _active_subscriptions()
                     if any(e.value in subscribed for e in events)]
    if not subscriptions:
        return 0
    now = now or utcnow()
    payload = _keys_instead_of_ids(payload)
    queued = 0
    for each in events:
        event_id = str(uuid.uuid4())
        for webhook_id, subscribed in subscriptions:
            if each.value in subscribed:
                db.session.add(WebhookDelivery(webhook_id=webhook_id, event_id=event_id, event=each, payload=payload,
                                               created_at=now, next_attempt_at=now, give_up_at=now + RETRY_FOR))
                queued += 1
    db.session.flush()
    return queued


# --- signing and sending ---------------------------------------------------------------------

def delivery_body(delivery: WebhookDelivery) -> bytes:
    """The same bytes on every try, so a receiver can de-duplicate on `id`."""
    envelope = {"id": delivery.event_id, "event": delivery.event.value, "created_at": delivery.created_at.isoformat(),
                "data": delivery.payload}
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A registered URL is where deliveries go; a redirect elsewhere counts as a failure.
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST and return the HTTP status; raises on a network error or time-out."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            response.read(1024)
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _due(now: datetime):
    return sa.and_(WebhookDelivery.status == DeliveryStatus.PENDING, WebhookDelivery.next_attempt_at <= now)


def _claim(delivery_id: int) -> bool:
    """Take the delivery for LEASE (committed), so no other `tick` sends it meanwhile."""
    now = utcnow()
    locked = db.session.scalar(sa.select(WebhookDelivery.id).where(WebhookDelivery.id == delivery_id, _due(now))
                               .with_for_update(skip_locked=True))
    claimed = locked is not None and db.session.execute(
        sa.update(WebhookDelivery).where(WebhookDelivery.id == delivery_id, _due(now))
        .values(attempts=WebhookDelivery.attempts + 1, next_attempt_at=now + LEASE)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    db.session.commit()
    return claimed


def attempt(delivery_id: int) -> str | None:
    """Send one due delivery; "sent", "retrying", "failed", or None when it was not ours."""
    if not _claim(delivery_id):
        return None
    delivery = db.session.get(WebhookDelivery, delivery_id, populate_existing=True)
    webhook = delivery.webhook
    body = delivery_body(delivery)
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
               "Madoguchi-Event": delivery.event.value, "Madoguchi-Delivery": str(delivery.id),
               SIGNATURE_HEADER: sign(webhook.secret, int(time.time()), body)}
    started = time.monotonic()
    status_code, error = None, None
    try:
        status_code = post(webhook.url, body, headers)
    except Exception as exc:  # network errors, time-outs, bad URLs: try again later
        error = type(exc).__name__[:200]
    now = utcnow()
    db.session.add(WebhookAttempt(delivery_id=delivery.id, at=now, status_code=status_code, error=error,
                                  duration_ms=int((time.monotonic() - started) * 1000)))
    if status_code is not None and 200 <= status_code < 300:
        delivery.status, delivery.delivered_at, outcome = DeliveryStatus.DELIVERED, now, "sent"
    elif now >= delivery.give_up_at:
        delivery.status, outcome = DeliveryStatus.FAILED, "failed"
        log.warning("webhook delivery %s failed for good after %s attempts", delivery.id, delivery.attempts)
    else:
        delivery.next_attempt_at, outcome = now + backoff(delivery.attempts), "retrying"
    db.session.commit()
    return outcome


def deliver_due(*, limit: int = 200) -> DeliveryReport:
    """Send pending deliveries whose time has come, oldest first (what `tick` runs)."""
    report = DeliveryReport()
    tried: list[int] = []
    for _ in range(limit):
        delivery_id = db.session.scalar(
            sa.select(WebhookDelivery.id).where(_due(utcnow()), WebhookDelivery.id.not_in(tried))
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(1)
        )
        db.session.rollback()
        if delivery_id is None:
            break
        tried.append(delivery_id)
        report.count(attempt(delivery_id))
    return report


def resend(delivery: WebhookDelivery, *, actor: Actor, now: datetime | None = None) -> None:
    """Send again at the next `tick` (after a receiver's outage), retrying for another day."""
    now = now or utcnow()
    delivery.status = DeliveryStatus.PENDING
    delivery.next_attempt_at = now
    delivery.give_up_at = now + RETRY_FOR
    db.session.flush()
    record("api.webhook_resent", actor=actor, target_type="webhook_delivery", target_id=delivery.id,
           details={"webhook_id": delivery.webhook_id, "event": delivery.event.value})
