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
    FAILED = "failed"  # gave up after the last retry


class OutboxMessage(db.Model):
    __tablename__ = "outbox_message"
    __table_args__ = (
        # `tick` picks due pending mail in order.
        sa.Index("ix_outbox_message_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Addresses and bodies name the customer: encrypted like the rest of their data.
    to_address: Mapped[str] = mapped_column(EncryptedText("outbox_message.to_address"))
    subject: Mapped[str] = mapped_column(EncryptedText("outbox_message.subject"))
    body_text: Mapped[str] = mapped_column(EncryptedText("outbox_message.body_text"))
    body_html: Mapped[str | None] = mapped_column(EncryptedText("outbox_message.body_html"))
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
