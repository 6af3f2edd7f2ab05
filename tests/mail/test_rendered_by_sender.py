"""A request's mail is queued as its words and rendered by the mail worker: the filing does
not pay for three templates, and the mail says what was true when it was queued."""
from __future__ import annotations

import sqlalchemy as sa

from portal.audit.services import Actor
from portal.dsr import services as dsr
from portal.dsr.notifications import notify_requester
from portal.dsr.queries import get_by_reference
from portal.extensions import db
from portal.mail.models import OutboxMessage, OutboxStatus
from portal.mail.services import queue_mail

BODY = {"type": "disclosure", "channel": "phone", "policy": "appi",
        "requester": {"email": "jane@example.com", "name": "Jane Doe", "language": "en"}}


def _rows(app) -> list[OutboxMessage]:
    with app.app_context():
        rows = list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))
        db.session.expunge_all()
        db.session.remove()
    return rows


def test_the_receipt_is_rendered_by_the_worker_in_the_requesters_language_as_things_stood_when_filed(
        app, api, token, runner, smtp_server, monkeypatch):
    monkeypatch.setitem(app.config, "PORTAL_MAIL_AFTER_REQUEST", False)
    response = api.post("/requests", token=token, json=BODY)
    assert response.status_code == 201
    reference = response.get_json()["reference"]
    [queued] = _rows(app)
    assert queued.subject is None and queued.body_text is None and queued.unrendered["template"] == "request_update"
    with app.app_context():  # encrypted like the bodies it becomes
        raw = db.session.execute(sa.text("SELECT unrendered FROM outbox_message")).scalar_one()
        assert reference not in raw and "received" not in raw.lower()
        # Staff confirm the request before the worker gets to the receipt.
        notify_requester(dsr.transition(get_by_reference(reference), "verified", actor=Actor("staff", "1")))
        db.session.commit()
        db.session.remove()

    result = runner.invoke(args=["send-mail"])
    assert "mail: 2 sent" in result.output, result.output
    receipt, confirmed = smtp_server.to("jane@example.com")
    assert receipt["Subject"] == f"[{reference}] We have received your request"
    text = receipt.get_body(("plain",)).get_content()
    assert "Status: Received" in text and "We have received your request." in text
    assert confirmed["Subject"] == f"[{reference}] Your request is confirmed"
    assert "Status: Verified" in confirmed.get_body(("plain",)).get_content()
    assert f"[{reference}] We have received your request" in receipt.get_body(("html",)).get_content()

    # The words are kept as sent; nothing is rendered again.
    first, second = _rows(app)
    assert (first.subject, first.unrendered, first.status) == (receipt["Subject"], None, OutboxStatus.SENT)
    assert first.body_text.strip() == text.replace("\r\n", "\n").strip() and second.unrendered is None


def test_a_mail_that_cannot_be_rendered_waits_in_the_outbox_and_goes_once_it_can(app, runner, smtp_server):
    with app.app_context():
        queue_mail(to="hanako@example.jp", template="no_such_template", language="ja", kind="test",
                   render_when_sent=True, link="http://portal.test/x")
        db.session.commit()
        db.session.remove()

    result = runner.invoke(args=["send-mail"])
    assert "1 retrying" in result.output, result.output
    assert smtp_server.messages == []
    [waiting] = _rows(app)
    assert (waiting.status, waiting.attempts, waiting.last_error) == (OutboxStatus.PENDING, 1, "TemplateNotFound")
    assert waiting.unrendered is not None and waiting.subject is None

    with app.app_context():  # the template is back (a fixed release) and the retry is due
        message = db.session.get(OutboxMessage, waiting.id)
        message.unrendered = {**message.unrendered, "template": "verify_email",
                              "context": {"link": "http://portal.test/x", "code": "123456", "minutes": 30}}
        message.next_attempt_at = message.created_at
        db.session.commit()
        db.session.remove()
    assert "mail: 1 sent" in runner.invoke(args=["send-mail"]).output
    [mail] = smtp_server.to("hanako@example.jp")
    assert "123456" in mail.get_body(("plain",)).get_content()
