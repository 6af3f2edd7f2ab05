"""Audit entries, append-only and chained by hash so an edited or removed row is detectable."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.common.db import UTCDateTime
from portal.common.time import utcnow
from portal.extensions import db


class AuditEntry(db.Model):
    __tablename__ = "audit_entry"
    __table_args__ = (sa.Index("ix_audit_entry_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_type: Mapped[str] = mapped_column(sa.String(16))
    actor_id: Mapped[str | None] = mapped_column(sa.String(64))
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    target_type: Mapped[str | None] = mapped_column(sa.String(32))
    target_id: Mapped[str | None] = mapped_column(sa.String(64))
    # Whose personal data the action touched, so "who looked at this person" is one query.
    person_id: Mapped[int | None] = mapped_column(index=True)
    ip: Mapped[str | None] = mapped_column(sa.String(45))
    # Identifiers and counts only — never personal values.
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)


class AuditHead(db.Model):
    """The chain's head, kept apart from it and updated in the same transaction as each
    append: deleting the last entries leaves the head naming an entry that is gone.

    `mac` is an HMAC (keyed by PORTAL_INDEX_KEY, which the database does not hold) over the
    other columns, so whoever can only write the database cannot move the head back either.
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)  # always 1: one row
    last_id: Mapped[int] = mapped_column()
    last_hash: Mapped[str] = mapped_column(sa.String(64))
    entries: Mapped[int] = mapped_column()
    mac: Mapped[str] = mapped_column(sa.String(64))
