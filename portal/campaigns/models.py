"""Permission campaigns: a notice to an audience saying where their data came from, asking per
purpose whether its use may continue; answers and silence become consent events."""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.common.db import UTCDateTime, str_enum
from portal.common.time import utcnow
from portal.extensions import db
from portal.inventory.models import Purpose


class CampaignStatus(enum.StrEnum):
    DRAFT = "draft"      # built: the audience is fixed, nothing sent yet
    SENDING = "sending"  # queued: tick hands notices to the outbox at the set rate
    CLOSED = "closed"    # the answer-by date passed (silence rule applied) or closed early


class WhenSilent(enum.StrEnum):
    KEEP = "keep"          # no answer: the use goes on as before
    WITHDRAW = "withdraw"  # no answer: treated as a withdrawal (safe default for consent-based uses)


class Choice(enum.StrEnum):
    CONTINUE = "continue"
    STOP = "stop"
    ERASE = "erase"          # "erase my data": every purpose stops and an erasure request is filed
    NO_ANSWER = "no_answer"  # the silence rule, applied once after the answer-by date


class RecipientChannel(enum.StrEnum):
    EMAIL = "email"
    POST = "post"  # no email address: a printed letter with a short code


class RecipientStatus(enum.StrEnum):
    NEW = "new"              # in the audience, campaign not sent yet
    QUEUED = "queued"        # waiting for its turn at the set rate
    MAILED = "mailed"        # handed to the mail outbox (delivery state is the outbox row's)
    LETTER = "letter"        # to be printed and posted
    CANCELLED = "cancelled"  # not contacted: erased or suppressed meanwhile, or the campaign closed first


class Campaign(db.Model):
    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[CampaignStatus] = mapped_column(str_enum(CampaignStatus), default=CampaignStatus.DRAFT)
    # The audience's criteria as chosen (source keys, categories, dates, exclusions), for the record.
    audience: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    answer_by: Mapped[date] = mapped_column(sa.Date)
    subject_ja: Mapped[str] = mapped_column(sa.String(300))
    subject_en: Mapped[str] = mapped_column(sa.String(300))
    body_ja: Mapped[str] = mapped_column(sa.Text)
    body_en: Mapped[str] = mapped_column(sa.Text)
    # Names the exact wording sent (a digest of it); every answer records the version it answered.
    notice_version: Mapped[str] = mapped_column(sa.String(40))
    size: Mapped[int] = mapped_column(default=0)
    created_by: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    silence_applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    purposes: Mapped[list[CampaignPurpose]] = relationship(
        back_populates="campaign", lazy="selectin", order_by="CampaignPurpose.position")


class CampaignPurpose(db.Model):
    """A purpose the campaign asks about, and what silence means for it."""

    __tablename__ = "campaign_purpose"

    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True)
    purpose_id: Mapped[int] = mapped_column(sa.ForeignKey("purpose.id"), primary_key=True)
    when_silent: Mapped[WhenSilent] = mapped_column(str_enum(WhenSilent))
    position: Mapped[int] = mapped_column(default=0)

    campaign: Mapped[Campaign] = relationship(back_populates="purposes", lazy="raise_on_sql")
    purpose: Mapped[Purpose] = relationship(lazy="selectin")


class CampaignRecipient(db.Model):
    """One person in a campaign's audience: how they are reached and how far it went."""

    __tablename__ = "campaign_recipient"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "person_id", name="uq_campaign_recipient_person"),
        # tick takes the queued ones in order; progress counts by status.
        sa.Index("ix_campaign_recipient_status", "campaign_id", "status", "id"),
        # The rate: how many were handed to the outbox in the last minute (all campaigns).
        sa.Index("ix_campaign_recipient_mailed_at", "mailed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"), index=True)
    # The audience source this person's data came from (the notice names it).
    source_id: Mapped[int | None] = mapped_column(sa.ForeignKey("source.id"))
    channel: Mapped[RecipientChannel] = mapped_column(str_enum(RecipientChannel))
    # Printed on letters; typed at /c/code. Random, so it says nothing about the person.
    short_code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    status: Mapped[RecipientStatus] = mapped_column(str_enum(RecipientStatus), default=RecipientStatus.NEW)
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outbox_message_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("outbox_message.id", ondelete="SET NULL"))
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CampaignAnswer(db.Model):
    """One answer for one purpose (append-only: a changed mind is a new row); the latest counts."""

    __tablename__ = "campaign_answer"
    __table_args__ = (sa.Index("ix_campaign_answer_recipient", "recipient_id", "purpose_id", "id"),
                      sa.Index("ix_campaign_answer_campaign", "campaign_id", "purpose_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id", ondelete="CASCADE"))
    recipient_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign_recipient.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"), index=True)
    purpose_id: Mapped[int] = mapped_column(sa.ForeignKey("purpose.id"))
    choice: Mapped[Choice] = mapped_column(str_enum(Choice))
    notice_version: Mapped[str] = mapped_column(sa.String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The consent event this answer became (none for "no answer" under a keep rule).
    consent_event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("consent_event.id", ondelete="SET NULL"))
    # "erase my data": the erasure request filed.
    request_reference: Mapped[str | None] = mapped_column(sa.String(32))
