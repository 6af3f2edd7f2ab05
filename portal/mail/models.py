"""The outbox: mail is committed with the change that caused it and sent afterwards."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.common.db import UTCDateTime, str_enum
from portal.common.time import utcnow
from portal.encryption.types import EncryptedJSON, EncryptedText
from portal.extensions import db


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # refused for good (a 5xx answer), or still not sent after a day of retries


class OutboxMessage(db.Model):
    __tablename__ = "outbox_message"
    __table_args__ = (
        # `tick` picks due pending mail in order.
        sa.Index("ix_outbox_message_due", "status", "next_attempt_at"),
        # Undelivered answers (failed, not yet settled) are counted on the dashboard and flagged in the queue.
        sa.Index("ix_outbox_message_request", "request_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Addresses and bodies name the customer: encrypted like the rest of their data.
    to_address: Mapped[str] = mapped_column(EncryptedText("outbox_message.to_address"))
    # None until rendered, for a mail queued with what to render (`unrendered`).
    subject: Mapped[str | None] = mapped_column(EncryptedText("outbox_message.subject"))
    body_text: Mapped[str | None] = mapped_column(EncryptedText("outbox_message.body_text"))
    body_html: Mapped[str | None] = mapped_column(EncryptedText("outbox_message.body_html"))
    # A mail the sender renders before its first attempt (mail/services.queue_mail's
    # `render_when_sent`): {"template", "language", "context"}; None once its words are written.
    unrendered: Mapped[dict | None] = mapped_column(EncryptedJSON("outbox_message.unrendered"))
    # Extra header lines (e.g. List-Unsubscribe): their links are credentials, so encrypted too.
    headers: Mapped[dict[str, str] | None] = mapped_column(EncryptedJSON("outbox_message.headers"))
    # What the mail is about, for staff and tests; never personal values.
    kind: Mapped[str] = mapped_column(sa.String(64), default="generic")
    status: Mapped[OutboxStatus] = mapped_column(str_enum(OutboxStatus), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The exception class of the last failure only: SMTP replies can echo addresses.
    last_error: Mapped[str | None] = mapped_column(sa.String(200))
    # Fixed when the mail is queued, so every attempt (and a second delivery after a worker died
    # between the server's "250" and our commit) carries the same Message-ID.
    message_id: Mapped[str | None] = mapped_column(sa.String(255))
    # The request whose requester this mail answers (None for other mail): a failure shows there.
    request_id: Mapped[int | None] = mapped_column(sa.ForeignKey("data_request.id", ondelete="SET NULL"))
    # The SMTP reply code of the last failure (e.g. 550), and when the mail was given up on.
    smtp_code: Mapped[int | None] = mapped_column()
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Staff dealt with the failure: sent it again, or answered the person another way.
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    settlement: Mapped[str | None] = mapped_column(sa.String(32))
