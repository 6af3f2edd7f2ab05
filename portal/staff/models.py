"""Staff accounts and their one-time recovery codes."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.common.db import UTCDateTime, str_enum
from portal.common.time import utcnow
from portal.encryption.types import EncryptedText
from portal.extensions import db


class StaffRole(enum.StrEnum):
    """Roles, least privileged first. Each role includes everything the roles before it may do.

    agent   — works requests in the queue;
    manager — an agent who also sees reports;
    admin   — a manager who also manages staff accounts and policies.
    No role may change the audit log.
    """

    AGENT = "agent"
    MANAGER = "manager"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def includes(self, other: "StaffRole") -> bool:
        """True when this role may do whatever `other` may (admin includes manager and agent)."""
        return self.rank >= StaffRole(other).rank


_RANKS = {StaffRole.AGENT: 1, StaffRole.MANAGER: 2, StaffRole.ADMIN: 3}


class StaffUser(UserMixin, db.Model):
    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored normalised (trimmed, lower case), so uniqueness means one account per address.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    role: Mapped[StaffRole] = mapped_column(str_enum(StaffRole, length=16))
    # argon2id; NULL until the person has chosen a password (a new account's mailed link).
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    # Base32 TOTP secret; set only once the person proved their authenticator works.
    totp_secret: Mapped[str | None] = mapped_column(EncryptedText("staff_user.totp_secret"))
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The TOTP time step last accepted: a code of that step or earlier is never taken again.
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    failed_login_count: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped when the password, 2FA or active state changes: every other session ends.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Mail the portal sends this person (each can be turned off on their account page), and the
    # language it is written in (`portal.dsr.staff_notices`, deadline reminders and escalations).
    notify_on_assignment: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    notify_on_reply: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    language: Mapped[str] = mapped_column(sa.String(8), default="ja", server_default="ja")

    recovery_codes: Mapped[list["RecoveryCode"]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    # Flask-Login reads these.
    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version}"

    @property
    def has_totp(self) -> bool:
        return self.totp_secret is not None and self.totp_confirmed_at is not None

    def may(self, role: StaffRole | str) -> bool:
        return self.role.includes(StaffRole(role))


class RecoveryCode(db.Model):
    """A one-time code for when the authenticator is lost; only its SHA-256 is kept."""

    __tablename__ = "staff_recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("staff_user.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[StaffUser] = relationship(back_populates="recovery_codes")
