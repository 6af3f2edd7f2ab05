"""Mail challenges (link + code) and the server-side customer sessions they open."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.common.db import UTCDateTime
from portal.common.time import utcnow
from portal.encryption.blind import email_index, kept_in_step
from portal.encryption.types import EncryptedText
from portal.extensions import db


# Module level: inside the class body `email_index` names the column, not the function.
CHALLENGE_INDEXES = {"email": ("email_index", email_index)}


class EmailChallenge(db.Model):
    """One mailed link + 6-digit code. Single use, expires, dies when a newer one is issued.

    `purpose` "email_change": a link only, proving a customer's new address before the change
    takes effect; `person_id` is whose change it is (a newer change of theirs supersedes it).
    """

    __tablename__ = "email_challenge"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(EncryptedText("email_challenge.email"))
    # A newer challenge for the same address supersedes the older ones: found by this index.
    email_index: Mapped[str] = mapped_column(sa.String(64), index=True)
    # Random value inside the signed link; the link is useless once this row is used.
    nonce: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # HMAC of the code (never the code itself).
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    # Ties the code to the browser that asked for it ("code from another session" fails).
    browser_binding: Mapped[str] = mapped_column(sa.String(64))
    language: Mapped[str] = mapped_column(sa.String(8), default="ja")
    purpose: Mapped[str] = mapped_column(sa.String(16), default="sign_in", server_default="sign_in")
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_attempts: Mapped[int] = mapped_column(default=0)

    _keep_indexes = kept_in_step(CHALLENGE_INDEXES)


class CustomerSession(db.Model):
    """A verified customer's session, kept server-side so log-out and idle time-out are real."""

    __tablename__ = "customer_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    # SHA-256 of the random token held in the browser's (signed) session cookie.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # NULL when the person proved who they are with a code sent by post (verification/postal.py).
    email: Mapped[str | None] = mapped_column(EncryptedText("customer_session.email"))
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    stepped_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    step_up_failures: Mapped[int] = mapped_column(default=0)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
