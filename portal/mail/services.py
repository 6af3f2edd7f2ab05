"""The outbox: mail is queued in the transaction that caused it and sent once that commits.

A mail queued by a transaction that rolls back never existed, so it is never sent. A mail
whose transaction commits is sent by `send-mail --watch` (production: no page waits on SMTP) or,
with `PORTAL_MAIL_AFTER_REQUEST`, at the end of that request (or CLI command); when SMTP
fails for now (a 4xx answer, no connection) it waits in the outbox and `tick` retries it with
growing pauses; when the server refuses it for good (a 5xx answer) it is marked failed at once,
and a mail answering a request then shows on that request until staff deal with it. Before sending, a
row is claimed inside a transaction (`SKIP LOCKED` on PostgreSQL, a guarded UPDATE
everywhere), so two senders never send the same mail.
"""
from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask, current_app
from flask_babel import force_locale
from flask_sqlalchemy.session import Session

from portal.common.time import utcnow
from portal.extensions import db
from portal.mail import smtp
from portal.mail.models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

# Messages added in the open transaction (ids, or the messages not yet written), then the ids of
# those whose transaction committed.
QUEUED_KEY = "outbox.queued"
COMMITTED_KEY = "outbox.committed"
GIVE_UP_AFTER = timedelta(hours=24)
MAX_BACKOFF = timedelta(hours=1)


def external_url(endpoint: str, **values) -> str:
    """An absolute link for a mail: PORTAL_BASE_URL + the route's path (never request.host,
    which a client can choose)."""
    adapter = current_app.url_map.bind("portal.invalid", script_name="/")
    return current_app.config["PORTAL_BASE_URL"] + adapter.build(endpoint, values)


def new_message_id() -> str:
    """A Message-ID for a mail being queued: random, on the sender's domain, kept with the row."""
    domain = smtp.sender_domain(current_app.config["MAIL_DEFAULT_SENDER"])
    return f"<{secrets.token_hex(16)}.outbox@{domain}>"


def queue_mail(*, to: str, template: str, language: str, kind: str, headers: dict[str, str] | None = None,
               request_id: int | None = None, flush: bool = True, render_when_sent: bool = False,
               **context) -> OutboxMessage:
    """Render `templates/mail/<template>.*` in `language` and add the mail to the current
    transaction; the caller commits, and only then is it sent. `headers` are extra header
    lines (one line each; a newline would be a header injection, so it is refused).
    `request_id`: the request this mail answers, where a delivery failure is shown to staff.
    `flush=False` leaves the row to the transaction's next flush (its commit at the latest), for
    a caller that does not need `message.id` at once (it is None until then).
    `render_when_sent`: keep the template, language and context (JSON values, encrypted like
    the words they become) and let the sender render them before its first attempt — the
    request that queued the mail does not pay for three templates. Its words are then fixed
    for every later attempt, as a mail rendered here."""
    if headers and any("\n" in f"{name}{value}" or "\r" in f"{name}{value}" for name, value in headers.items()):
        raise ValueError("a mail header must be one line")
    if language not in current_app.config["PORTAL_LANGUAGES"]:
        language = current_app.config["BABEL_DEFAULT_LOCALE"]
    message = OutboxMessage(
        to_address=to,
        kind=kind,
        headers=dict(headers) if headers else None,
        request_id=request_id,
        message_id=new_message_id(),
    )
    if render_when_sent:
        message.unrendered = {"template": template, "language": language, "context": context}
    else:
        _render_into(message, template, language, context)
    _queue(message, flush=flush)
    return message


def render_unrendered(message: OutboxMessage) -> None:
    """Write the words of a mail queued with `render_when_sent` (the sender calls this)."""
    stored = message.unrendered
    _render_into(message, stored["template"], stored["language"], stored["context"])
    message.unrendered = None


def _render_into(message: OutboxMessage, template: str, language: str, context: dict) -> None:
    with force_locale(language):
        subject, body_text, body_html = _render_parts(template, context)
    # One line, whatever the template's whitespace: a newline in a header is an injection.
    message.subject = " ".join(subject.split())[:300]
    message.body_text, message.body_html = body_text, body_html


def _render_parts(template: str, context: dict) -> tuple[str, str, str]:
    """The subject, text and HTML of `templates/mail/<template>.*`, as `render_template`
    renders each, but with the app's template context (context processors) made once for all
    three. No signal listens for mail templates being rendered."""
    app = current_app._get_current_object()
    context = dict(context)
    app.update_template_context(context)
    return tuple(app.jinja_env.get_template(f"mail/{template}{suffix}").render(context)
                 for suffix in (".subject.txt", ".txt", ".html"))


def _queue(message: OutboxMessage, *, flush: bool) -> None:
    """Add `message` to the transaction, to be sent once it commits."""
    db.session.add(message)
    if flush:
        db.session.flush()
    # Its id once written; until then the message itself (a batch of flushed mails keeps no bodies).
    db.session.info.setdefault(QUEUED_KEY, []).append(message.id if flush else message)


def queue_copy(message: OutboxMessage, *, to: str) -> OutboxMessage:
    """Queue the same mail again (a new row, a new Message-ID: it is a new mail) in the current transaction."""
    again = OutboxMessage(to_address=to, subject=message.subject, body_text=message.body_text,
                          body_html=message.body_html, unrendered=message.unrendered, kind=message.kind,
                          request_id=message.request_id, message_id=new_message_id())
    _queue(again, flush=True)
    return again


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, … minutes after the 1st, 2nd, 3rd … failure, at most an hour."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0

    def count(self, outcome: str | None) -> None:
        if outcome is not None:
            setattr(self, outcome, getattr(self, outcome) + 1)

    @property
    def attempted(self) -> int:
        return self.sent + self.retrying + self.failed

    def __str__(self) -> str:
        parts = [f"{n} {label}" for n, label in
                 ((self.sent, "sent"), (self.retrying, "retrying"), (self.failed, "gave up"))
                 if n]
        return ", ".join(parts) or "nothing to send"


def _due(now: datetime):
    return sa.and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now)


def _attempt(message_id: int) -> str | None:
    """Claim, send and record one message in its own transaction.

    Returns "sent", "retrying", "failed", or None when the message is not ours to send
    (already sent, not yet due, or being sent by someone else right now)."""
    now = utcnow()
    locked = db.session.scalar(
        sa.select(OutboxMessage.id)
        .where(OutboxMessage.id == message_id, _due(now))
        .with_for_update(skip_locked=True)
    )
    # The guarded UPDATE is the claim on SQLite (no row locks): a second sender that read
    # the row as due waits for our commit, then finds it no longer due.
    claimed = locked is not None and db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == message_id, _due(now))
        .values(attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    if not claimed:
        db.session.rollback()
        return None
    message = db.session.get(OutboxMessage, message_id, populate_existing=True)
    try:
        if message.unrendered is not None:  # a template bug fails like SMTP: kept, retried, given up on
            render_unrendered(message)
        smtp.send(message)
    except Exception as exc:  # keep the mail: try again later, unless the server refused it for good
        # Only the class name and the reply code: SMTP replies can echo the address.
        message.last_error = type(exc).__name__[:200]
        message.smtp_code = smtp.reply_code(exc)
        if smtp.is_permanent(exc) or now - message.created_at >= GIVE_UP_AFTER:
            message.status = OutboxStatus.FAILED
            message.failed_at = now
            outcome = "failed"
            log.warning("outbox message %s failed for good after %s attempts (%s %s)",
                        message.id, message.attempts, message.smtp_code, message.last_error)
        else:
            message.next_attempt_at = now + backoff(message.attempts)
            outcome = "retrying"
            log.info("outbox message %s not sent (%s), retrying", message.id, message.last_error)
    else:
        message.status = OutboxStatus.SENT
        message.sent_at = utcnow()
        message.last_error = None
        outcome = "sent"
    db.session.commit()
    return outcome


def deliver(message_ids: list[int]) -> DeliveryReport:
    """Send these messages if they are still due (what a request queued and committed)."""
    report = DeliveryReport()
    for message_id in message_ids:
        report.count(_attempt(message_id))
    return report


def deliver_due(*, limit: int = 200) -> DeliveryReport:
    """Send pending messages whose time has come, oldest first (what `tick` runs)."""
    report = DeliveryReport()
    tried: list[int] = []
    for _ in range(limit):
        message_id = db.session.scalar(
            sa.select(OutboxMessage.id)
            .where(_due(utcnow()), OutboxMessage.id.not_in(tried))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if message_id is None:
            db.session.rollback()
            break
        tried.append(message_id)
        report.count(_attempt(message_id))
    return report


# --- sending right after commit ---

@sa.event.listens_for(Session, "after_commit")
def _remember_committed_mail(session) -> None:
    queued = session.info.pop(QUEUED_KEY, None)
    if queued:
        session.info.setdefault(COMMITTED_KEY, []).extend(
            queued_id for queued_id in map(_queued_id, queued) if queued_id is not None)


def _queued_id(queued: int | OutboxMessage) -> int | None:
    """A committed message's id; a message left unwritten has the identity key the commit's
    flush gave it (reading `message.id` would load the expired row again)."""
    if isinstance(queued, int):
        return queued
    identity = sa.inspect(queued).identity
    return identity[0] if identity else None


@sa.event.listens_for(Session, "after_rollback")
def _forget_rolled_back_mail(session) -> None:
    session.info.pop(QUEUED_KEY, None)


def send_request_mail(error: BaseException | None = None) -> None:
    """At the end of a request: send what it committed, if this install sends mail that way.

    Otherwise the rows stay pending for `send-mail --watch` or `tick`, and the request's own
    time holds no SMTP conversation (nor the few milliseconds of building the message)."""
    if current_app.config["PORTAL_MAIL_AFTER_REQUEST"]:
        send_committed_mail(error)
    else:
        db.session.info.pop(COMMITTED_KEY, None)


def send_committed_mail(error: BaseException | None = None) -> None:
    """At the end of a CLI command (or request): send what its committed transactions queued.

    Runs after the response is built, so an SMTP outage never fails the customer's request;
    whatever is not sent here stays pending for `tick`."""
    message_ids = db.session.info.pop(COMMITTED_KEY, None)
    if not message_ids:
        return
    try:
        # The request is over: nothing left uncommitted in its session is wanted any more.
        db.session.rollback()
        deliver(message_ids)
    except Exception as exc:  # never turn a finished request into an error
        db.session.rollback()
        log.error("sending committed mail failed: %s", type(exc).__name__)


def init_app(app: Flask) -> None:
    app.teardown_request(send_request_mail)
    # CLI commands have no request; their app context ends instead (a request's was emptied above).
    app.teardown_appcontext(send_committed_mail)
    app.jinja_env.globals["external_url"] = external_url
