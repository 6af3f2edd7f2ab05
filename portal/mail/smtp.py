"""Turning an outbox row into a MIME mail and handing it to the SMTP server.

The mail is built with the standard library's `EmailMessage` under the SMTP policy: headers
are RFC 2047-encoded where they are not ASCII, lines end in CRLF, and each body part gets the
transfer encoding its text needs (quoted-printable or base64 as soon as a line would pass
998 octets), so every mail is valid RFC 5322 whatever the template wrote.

The settings are read from `current_app.config` at send time (not from Flask-Mail's state,
frozen at start-up), and the connection has a timeout, so a hanging server costs seconds,
not a stuck request.
"""
from __future__ import annotations

import smtplib
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

from flask import current_app

from portal.mail.models import OutboxMessage

DEFAULT_TIMEOUT_SECONDS = 10
#: RFC 5322 §2.1.1: no line longer than 998 octets plus CRLF.
MAX_LINE_OCTETS = 998


def sender_domain(sender: str) -> str:
    address = parseaddr(sender)[1]
    return address.rpartition("@")[2] or "madoguchi.invalid"


def message_id_for(message: OutboxMessage) -> str:
    """The Message-ID fixed when the mail was queued (older rows: one derived from the row id,
    the same on every attempt either way)."""
    if message.message_id:
        return message.message_id
    return f"<outbox-{message.id}@{sender_domain(current_app.config['MAIL_DEFAULT_SENDER'])}>"


def _address(text: str) -> Address | str:
    name, address = parseaddr(text)
    if not address or "@" not in address:
        return text
    username, _, domain = address.rpartition("@")
    return Address(display_name=name, username=username, domain=domain)


def build_message(message: OutboxMessage) -> EmailMessage:
    """multipart/alternative (plain text + HTML), UTF-8, from MAIL_DEFAULT_SENDER."""
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    mime = EmailMessage(policy=policy.SMTP)
    mime["From"] = _address(sender)
    mime["To"] = message.to_address
    mime["Subject"] = message.subject
    mime["Date"] = formatdate(localtime=False)
    # The same Message-ID on every attempt lets a receiver drop a duplicate if an attempt
    # was accepted by the server but we never heard the reply (or the worker died after it).
    mime["Message-ID"] = message_id_for(message)
    for name, value in (message.headers or {}).items():  # one line each (checked when queued)
        mime[name] = value
    mime.set_content(message.body_text, charset="utf-8")
    if message.body_html:
        mime.add_alternative(message.body_html, subtype="html", charset="utf-8")
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
        # Short UTF-8 lines go as 8bit; say so where the server supports it (RFC 6152).
        options = ["BODY=8BITMIME"] if smtp.has_extn("8bitmime") else []
        smtp.sendmail(
            parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])[1],
            [parseaddr(message.to_address)[1] or message.to_address],
            mime.as_bytes(),
            mail_options=options,
        )
    finally:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):  # the mail is already accepted; a rude hang-up is fine
            smtp.close()


def is_permanent(error: BaseException) -> bool:
    """A 5xx answer (RFC 5321 §4.2.1): the server will refuse this mail however often it is sent."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _reply in error.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    code = getattr(error, "smtp_code", None)
    return isinstance(code, int) and 500 <= code < 600


def reply_code(error: BaseException) -> int | None:
    """The SMTP reply code of a failure (never its text: replies can echo the address)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return next((code for code, _reply in error.recipients.values()), None)
    code = getattr(error, "smtp_code", None)
    return code if isinstance(code, int) else None
