"""Production's mail path: a page only queues its mail; `send-mail` (once, or as a worker with
--watch) sends it. No request waits on the SMTP relay."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from portal.config import build_config
from portal.extensions import db
from portal.mail.models import OutboxMessage, OutboxStatus
from portal.mail.services import queue_mail
from tests.fixtures.app import TEST_SECRET_KEY

ROOT = Path(__file__).resolve().parents[2]
BODY = {"type": "disclosure", "channel": "phone", "policy": "appi",
        "requester": {"email": "taro@example.jp", "name": "電話 太郎"}}


def _statuses(app) -> list[OutboxStatus]:
    with app.app_context():
        statuses = list(db.session.scalars(sa.select(OutboxMessage.status).order_by(OutboxMessage.id)))
        db.session.remove()
    return statuses


def test_production_leaves_mail_to_the_worker_and_development_sends_it_after_the_request(monkeypatch):
    monkeypatch.setenv("PORTAL_DATA_KEYS", "1:" + "A" * 43 + "=")
    monkeypatch.setenv("PORTAL_INDEX_KEY", "B" * 43 + "=")
    monkeypatch.delenv("PORTAL_MAIL_AFTER_REQUEST", raising=False)
    production = build_config("/tmp", {"PORTAL_ENV": "production", "SECRET_KEY": "s" * 64})
    assert production["PORTAL_MAIL_AFTER_REQUEST"] is False
    monkeypatch.setenv("PORTAL_MAIL_AFTER_REQUEST", "1")
    small_install = build_config("/tmp", {"PORTAL_ENV": "production", "SECRET_KEY": "s" * 64})
    assert small_install["PORTAL_MAIL_AFTER_REQUEST"] is True
    monkeypatch.delenv("PORTAL_DATA_KEYS")
    monkeypatch.delenv("PORTAL_INDEX_KEY")
    monkeypatch.delenv("PORTAL_MAIL_AFTER_REQUEST")
    assert build_config("/tmp", {"PORTAL_ENV": "development"})["PORTAL_MAIL_AFTER_REQUEST"] is True


def test_a_request_filed_in_production_shape_sends_nothing_until_send_mail_runs(
        app, api, token, runner, smtp_server, monkeypatch):
    monkeypatch.setitem(app.config, "PORTAL_MAIL_AFTER_REQUEST", False)
    response = api.post("/requests", token=token, json=BODY)
    assert response.status_code == 201
    reference = response.get_json()["reference"]
    assert smtp_server.messages == []  # the request's time held no SMTP conversation
    assert _statuses(app) == [OutboxStatus.PENDING]

    result = runner.invoke(args=["send-mail"])
    assert result.exit_code == 0, result.output
    assert "mail: 1 sent" in result.output
    [receipt] = smtp_server.to("taro@example.jp")
    assert reference in receipt.get_body(("plain",)).get_content()
    assert _statuses(app) == [OutboxStatus.SENT]
    assert "nothing to send" in runner.invoke(args=["send-mail"]).output


def test_the_watching_worker_sends_mail_as_it_is_committed_and_stops_on_sigterm(app, smtp_server):
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "portal", "send-mail", "--watch", "--every", "0.2"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PORTAL_ENV": "testing", "SECRET_KEY": TEST_SECRET_KEY,
             "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
             "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp_server.port)})
    try:
        with app.app_context():
            queue_mail(to="hanako@example.jp", template="verify_email", language="ja", kind="test",
                       link="http://portal.test/verify/link/abc", code="123456", minutes=30)
            db.session.commit()
            db.session.remove()
        deadline = time.monotonic() + 30
        while not smtp_server.to("hanako@example.jp") and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(smtp_server.to("hanako@example.jp")) == 1
    finally:
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=30)
    assert worker.returncode == 0, output
    assert "mail: 1 sent" in output
    assert _statuses(app) == [OutboxStatus.SENT]
