"""Webhooks: queued with the change, sent by `tick` to a real local HTTP server, signed,
retried with backoff when the receiver fails, every attempt kept, and re-sendable."""
from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import sqlalchemy as sa

from portal.webhooks import services
from portal.webhooks.models import DeliveryStatus, WebhookDelivery
from portal.audit.services import Actor
from portal.common.time import utcnow
from portal.extensions import db
from tests.inventory.records import CONSENT, PERSON, PURPOSE, SOURCE

BODY = {"type": "disclosure", "channel": "phone", "policy": "appi", "requester": {"email": "taro@example.jp"}}


def tick(app) -> str:
    with app.app_context():
        report = str(services.deliver_due())
        db.session.remove()
    return report


def verify(secret: str, headers: dict, body: bytes) -> bool:
    """What a receiver does: recompute the HMAC over "<t>.<body>" and compare in constant time."""
    parts = dict(part.split("=", 1) for part in headers["madoguchi-signature"].split(","))
    expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


def test_a_new_request_is_delivered_signed_to_the_registered_url(app, api, token, receiver, webhook):
    _hook, secret = webhook("request.received")
    reference = api.post("/requests", token=token, json=BODY).get_json()["reference"]
    assert receiver.received == []  # nothing leaves during the API call itself
    assert tick(app) == "1 sent"
    [(headers, body)] = receiver.received
    assert verify(secret, headers, body)
    assert not verify("whsec_wrong", headers, body)
    envelope = json.loads(body)
    assert envelope["event"] == "request.received" and headers["madoguchi-event"] == "request.received"
    assert envelope["data"]["reference"] == reference
    assert "taro@example.jp" not in body.decode()  # references and keys, never personal values


def test_status_changes_and_completion_are_separate_events(app, api, token, receiver, webhook):
    webhook("request.status_changed", "request.completed")
    reference = api.post("/requests", token=token, json=BODY).get_json()["reference"]
    for to in ("verified", "in_progress", "completed"):
        api.post(f"/requests/{reference}/transitions", token=token, json={"to": to})
    tick(app)
    assert sorted(receiver.events()) == sorted(["request.status_changed"] * 3 + ["request.completed"])


def test_a_consent_withdrawal_is_announced_with_the_persons_key(app, api, token, receiver, webhook, import_lines):
    from portal.inventory.consents import record_consent
    from portal.inventory.models import Purpose

    webhook("consent.withdrawn")
    import_lines(SOURCE, PURPOSE, PERSON, CONSENT)
    with app.app_context():
        purpose = db.session.scalar(sa.select(Purpose))
        from portal.inventory.models import Person
        person = db.session.scalar(sa.select(Person))
        record_consent(person.id, purpose, "withdrawn", actor=Actor("test"), method="phone")
        db.session.commit()
    tick(app)
    [(_headers, body)] = receiver.received
    data = json.loads(body)["data"]
    assert data["person_key"] == "C-000123" and data["purpose"] == "newsletter-email"


def test_a_failing_receiver_is_retried_with_backoff_and_every_attempt_is_kept(app, api, token, receiver, webhook):
    webhook("request.received")
    receiver.statuses = [500]
    api.post("/requests", token=token, json=BODY)
    assert tick(app) == "1 retrying"
    with app.app_context():
        delivery = db.session.scalar(sa.select(WebhookDelivery))
        assert delivery.status is DeliveryStatus.PENDING
        wait = delivery.next_attempt_at - utcnow()
        assert timedelta(seconds=30) < wait <= timedelta(minutes=1)
        assert [a.status_code for a in delivery.attempt_log] == [500]
        delivery.next_attempt_at = utcnow() - timedelta(seconds=1)  # a minute later
        db.session.commit()
    assert tick(app) == "1 sent"
    with app.app_context():
        delivery = db.session.scalar(sa.select(WebhookDelivery))
        assert delivery.status is DeliveryStatus.DELIVERED
        assert [a.status_code for a in delivery.attempt_log] == [500, 204]
    assert len(receiver.received) == 2 and receiver.received[0][1] == receiver.received[1][1]


def test_after_a_day_of_failures_the_delivery_is_failed(app, api, token, webhook):
    with app.app_context():
        hook, _secret = services.create_webhook(url="http://127.0.0.1:9/closed", events=["request.received"],
                                                description=None, actor=Actor("test"))
        db.session.commit()
    api.post("/requests", token=token, json=BODY)
    with app.app_context():
        delivery = db.session.scalar(sa.select(WebhookDelivery))
        delivery.give_up_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert tick(app) == "1 gave up"
    with app.app_context():
        delivery = db.session.scalar(sa.select(WebhookDelivery))
        assert delivery.status is DeliveryStatus.FAILED
        assert delivery.attempt_log[0].error and delivery.attempt_log[0].status_code is None


def test_nothing_is_queued_for_a_change_that_rolls_back(app, api, token, webhook, count_rows):
    webhook("request.received")
    api.post("/requests", token=token, json={**BODY, "person_key": "C-404"})
    assert count_rows(WebhookDelivery) == 0


def test_tick_runs_the_webhook_job(app, runner, api, token, receiver, webhook):
    webhook("request.received")
    api.post("/requests", token=token, json=BODY)
    result = runner.invoke(args=["tick"])
    assert "webhooks: 1 sent" in result.output


def test_an_applied_erasure_is_announced_with_counts_only(app, receiver, webhook, people, file_about, decide):
    from portal.dsr.decisions import Decision
    from tests.customer.records import HANAKO

    webhook("erasure.applied")
    request = file_about(people["hanako"], "erasure", {"scope": "chosen", "categories": ["purchase"],
                                                        "ground": "no_longer_needed"})
    decide(request, Decision())
    tick(app)
    [(_headers, body)] = receiver.received
    data = json.loads(body)["data"]
    assert data["reference"] == request.reference and data["person_key"] == HANAKO
    assert data["erased"] > 0 and data["everything"] is False


def test_a_webhook_registered_or_switched_off_counts_from_the_next_event(app, api, token, receiver, webhook):
    """Subscriptions are read once per transaction: one added in the same transaction, or by
    someone else before the next one, still gets its events; one switched off gets none."""
    admin = Actor("system", None)
    with app.app_context():
        assert services.queue_event("request.received", {"reference": "MG-A"}) == 0  # none yet: remembered
        hook, _ = services.create_webhook(url="https://receiver.example/one", events=["request.received"],
                                          description=None, actor=admin)
        assert services.queue_event("request.received", {"reference": "MG-B"}) == 1  # same transaction
        db.session.commit()
        services.queue_event("request.received", {"reference": "MG-C"})
        services.set_active(hook, active=False, actor=admin)
        assert services.queue_event("request.received", {"reference": "MG-D"}) == 0
        db.session.commit()
        queued = sorted(d.payload["reference"] for d in db.session.scalars(sa.select(WebhookDelivery)))
        db.session.remove()
    assert queued == ["MG-B", "MG-C"]
