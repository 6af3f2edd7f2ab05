"""Webhook subscriptions, the deliveries queued for them and every attempt to deliver one."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.common.db import UTCDateTime, str_enum
from portal.common.time import utcnow
from portal.encryption.types import EncryptedJSON
from portal.extensions import db


class WebhookEvent(enum.StrEnum):
    REQUEST_RECEIVED = "request.received"
    REQUEST_STATUS_CHANGED = "request.status_changed"
    REQUEST_COMPLETED = "request.completed"
    CONSENT_WITHDRAWN = "consent.withdrawn"
    ERASURE_APPLIED = "erasure.applied"
    PROVISION_STOPPED = "provision.stopped"


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"  # gave up after a day of retries; an admin may send it again


class Webhook(db.Model):
    """A URL an admin registered for some events; each delivery is signed with its secret.

    The secret is kept readable because signing needs it; it is shown once, when created.
    """

    __tablename__ = "webhook"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(sa.String(500))
    description: Mapped[str | None] = mapped_column(sa.String(200))
    events: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    secret: Mapped[str] = mapped_column(sa.String(100))
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookDelivery(db.Model):
    """One event for one webhook: queued in the transaction that caused it, sent by `tick`."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        # `tick` picks due pending deliveries in order.
        sa.Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(sa.ForeignKey("webhook.id", ondelete="CASCADE"), index=True)
    # Shared by the deliveries of one event to several webhooks: receivers de-duplicate on it.
    event_id: Mapped[str] = mapped_column(sa.String(36))
    event: Mapped[WebhookEvent] = mapped_column(str_enum(WebhookEvent, length=40))
    # References and keys only, never personal values.
    payload: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON("webhook_delivery.payload"))
    status: Mapped[DeliveryStatus] = mapped_column(str_enum(DeliveryStatus), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Retries stop here (a day after queueing, or after an admin sent it again).
    give_up_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    webhook: Mapped[Webhook] = relationship()
    attempt_log: Mapped[list["WebhookAttempt"]] = relationship(
        order_by="WebhookAttempt.id", cascade="all, delete-orphan", back_populates="delivery")


class WebhookAttempt(db.Model):
    """One try at sending a delivery: when, the receiver's HTTP status or the error's class."""

    __tablename__ = "webhook_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(sa.ForeignKey("webhook_delivery.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status_code: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(sa.String(200))
    duration_ms: Mapped[int] = mapped_column(default=0)

    delivery: Mapped[WebhookDelivery] = relationship(back_populates="attempt_log")
