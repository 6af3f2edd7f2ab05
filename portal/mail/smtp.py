"""Turning an outbox row into a MIME mail and handing it to the SMTP server.

The settings are read from `current_app.config` at send time (not from Flask-Mail's state,
frozen at start-up), and the connection has a timeout, so a hanging server costs seconds,
not a stuck request.
"""
from __future__ import annotations

import smtplib
from email.utils import make_msgid, parseaddr

from flask import current_app
from flask_mail import Message, sanitize_address

from portal.mail.models import OutboxMessage

DEFAULT_TIMEOUT_SECONDS = 10


def _sender_domain(sender: str) -> str:
    address = parseaddr(sender)[1]
    return address.rpartition("@")[2] or "madoguchi.invalid"


def build_message(message: OutboxMessage) -> Message:
    """multipart/alternative (plain text + HTML), UTF-8, from MAIL_DEFAULT_SENDER."""
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    mime = Message(
        subject=message.subject,
        recipients=[message.to_address],
        body=message.body_text,
        html=message.body_html,
        sender=sender,
        charset="utf-8",
        extra_headers=dict(message.headers) if message.headers else None,
    )
    # The same Message-ID on every attempt lets a receiver drop a duplicate if an attempt
    # was accepted by the server but we never heard the reply.
    mime.msgId = make_msgid(idstring=f"outbox-{message.id}", domain=_sender_domain(sender))
    return mime


def _connect() -> smtplib.SMTP:
    config = current_app.config
    timeout = config.get("MAIL_TIMEOUT", DEFAULT_TIMEOUT_SECONDS)
    if config.get("MAIL_USE_SSL"):
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout)
    else:
        smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout)
    try:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME") and config.get("MAIL_PASSWORD"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    except BaseException:
        smtp.close()
        raise
    return smtp


def send(message: OutboxMessage) -> None:
    """Deliver one message; raises whatever smtplib or the network raises."""
    mime = build_message(message)
    smtp = _connect()
    try:
        smtp.ehlo_or_helo_if_needed()
        # Flask-Mail sends UTF-8 bodies as 8bit; say so where the server supports it (RFC 6152).
        options = ["BODY=8BITMIME"] if smtp.has_extn("8bitmime") else []
        smtp.sendmail(
            sanitize_address(mime.sender),
            [sanitize_address(message.to_address)],
            mime.as_bytes(),
            mail_options=options,
        )
    finally:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):  # the mail is already accepted; a rude hang-up is fine
            smtp.close()
