"""The outbox over a real SMTP server: sent after commit, kept and retried when SMTP fails,
never sent twice."""
from __future__ import annotations

import threading
from datetime import timedelta

import sqlalchemy as sa

from portal.common.time import utcnow
from portal.extensions import db
from portal.mail.models import OutboxMessage, OutboxStatus
from portal.mail.services import deliver_due, queue_mail


def _queue(app, to="hanako@example.jp", language="ja", commit=True) -> int:
    """Queue one verification-style mail in its own app context (as a request would)."""
    with app.app_context():
        message = queue_mail(to=to, template="verify_email", language=language, kind="test",
                             link="http://portal.test/verify/link/abc", code="123456", minutes=30)
        message_id = message.id
        if commit:
            db.session.commit()
        else:
            db.session.rollback()
    return message_id


def _outbox(app) -> list[OutboxMessage]:
    with app.app_context():
        rows = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
        db.session.expunge_all()
        return rows


def _tick(runner) -> str:
    """Run `tick` and return its mail line."""
    result = runner.invoke(args=["tick"])
    assert result.exit_code == 0, result.output
    return next(line for line in result.output.splitlines() if line.startswith("mail: "))


def _make_due(app) -> None:
    with app.app_context():
        db.session.execute(sa.update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()


def test_mail_queued_in_a_rolled_back_transaction_is_never_sent(app, runner, smtp_server):
    _queue(app, commit=False)
    assert _tick(runner) == "mail: nothing to send"
    assert smtp_server.messages == []
    assert _outbox(app) == []


def test_committed_mail_arrives_with_text_and_html_and_a_japanese_subject(app, smtp_server):
    _queue(app)
    [mail] = smtp_server.messages
    assert mail["Subject"] == "個人データ確認用のリンクとコード · 株式会社さくらマート（デモ）"
    assert mail["To"] == "hanako@example.jp"
    assert "privacy@example.jp" in mail["From"]
    text = mail.get_body(preferencelist=("plain",)).get_content()
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert "123456" in text and "http://portal.test/verify/link/abc" in text
    assert 'href="http://portal.test/verify/link/abc"' in html
    assert "株式会社さくらマート" in text
    [row] = _outbox(app)
    assert row.status == OutboxStatus.SENT and row.attempts == 1 and row.sent_at is not None


def test_mail_is_written_in_the_language_it_was_queued_in(app, smtp_server):
    _queue(app, language="en")
    [mail] = smtp_server.messages
    assert mail["Subject"] == "Your link and code to see your personal data · Sakura Mart Co., Ltd. (demo)"
    assert "Open this link to continue" in mail.get_body(preferencelist=("plain",)).get_content()


def test_mail_waits_in_the_outbox_during_an_outage_and_tick_sends_it_once_afterwards(app, runner, smtp_server):
    with smtp_server.down():
        _queue(app)
        [row] = _outbox(app)
        assert row.status == OutboxStatus.PENDING and row.attempts == 1
        assert row.last_error == "ConnectionRefusedError"
        assert timedelta(seconds=50) < row.next_attempt_at - utcnow() <= timedelta(minutes=1)
    assert _tick(runner) == "mail: nothing to send"  # not due yet
    _make_due(app)
    assert _tick(runner) == "mail: 1 sent"
    assert _tick(runner) == "mail: nothing to send"
    assert len(smtp_server.messages) == 1
    [row] = _outbox(app)
    assert row.status == OutboxStatus.SENT and row.attempts == 2 and row.last_error is None


def test_waits_between_attempts_double_up_to_an_hour(app, runner, smtp_server):
    smtp_server.refusing = True  # up, but every mail gets "451 try later"
    _queue(app)
    waits = []
    for _ in range(8):
        [row] = _outbox(app)
        waits.append(round((row.next_attempt_at - utcnow()).total_seconds() / 60))
        _make_due(app)
        assert _tick(runner) == "mail: 1 retrying"
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60]
    [row] = _outbox(app)
    assert row.attempts == 9 and row.last_error == "SMTPDataError"


def test_mail_failing_for_a_day_is_marked_failed_and_not_retried(app, runner, smtp_server):
    with smtp_server.down():
        _queue(app)
        with app.app_context():
            db.session.execute(sa.update(OutboxMessage).values(created_at=utcnow() - timedelta(hours=25)))
            db.session.commit()
        _make_due(app)
        assert _tick(runner) == "mail: 1 gave up"
    [row] = _outbox(app)
    assert row.status == OutboxStatus.FAILED
    _make_due(app)
    assert _tick(runner) == "mail: nothing to send"
    assert smtp_server.messages == []


def test_two_ticks_in_a_row_send_each_mail_once(app, runner, smtp_server):
    with smtp_server.down():
        for n in range(3):
            _queue(app, to=f"person{n}@example.jp")
    _make_due(app)
    assert _tick(runner) == "mail: 3 sent"
    assert _tick(runner) == "mail: nothing to send"
    assert sorted(m["To"] for m in smtp_server.messages) == [f"person{n}@example.jp" for n in range(3)]


def test_ticks_racing_on_two_threads_send_each_mail_exactly_once(app, smtp_server):
    with smtp_server.down():
        for n in range(12):
            _queue(app, to=f"person{n}@example.jp")
    _make_due(app)
    reports, errors = [], []

    def tick():
        try:
            with app.app_context():
                reports.append(deliver_due())
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=tick) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sum(report.sent for report in reports) == 12
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(f"person{n}@example.jp" for n in range(12))
    assert {row.status for row in _outbox(app)} == {OutboxStatus.SENT}


def test_a_failing_job_does_not_stop_the_others_and_tick_says_so(app, runner, smtp_server, monkeypatch):
    from portal.scheduler import jobs

    def broken() -> str:
        raise RuntimeError("boom")

    monkeypatch.setitem(jobs._jobs, "broken", jobs.Job("broken", broken, order=1))
    _queue(app, commit=True)
    result = runner.invoke(args=["tick"])
    assert result.exit_code == 1
    assert "broken: failed (RuntimeError)" in result.output
    assert "mail: nothing to send" in result.output  # already sent after commit; the job still ran
