"""What was already sent about a request's deadline, so each reminder goes out once per deadline."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.common.db import UTCDateTime, str_enum
from portal.common.time import utcnow
from portal.extensions import db


class NoticeKind(enum.StrEnum):
    DUE_IN_3_DAYS = "due_in_3_days"
    DUE_IN_1_DAY = "due_in_1_day"
    OVERDUE = "overdue"
    UNASSIGNED = "unassigned"


class DeadlineNotice(db.Model):
    """One row per reminder or escalation about a request and the due date it was sent for.

    The unique keys are the guarantee: of two schedulers racing for the same notice, the
    database lets one insert win and the other's transaction (with its mail) rolls back.
    `due_at` is the deadline the notice was about: when an extension or a resumed pause
    moves the deadline, the reminders count as not yet sent for the new one. Notices about
    no deadline (the unassigned escalation) keep `due_at` empty and stay once per request —
    hence the second, partial key, as NULLs never collide in the first.
    The timeline's REMINDER_SENT / ESCALATED events tell the story; this row is the lock.
    """

    __tablename__ = "deadline_notice"
    __table_args__ = (
        sa.UniqueConstraint("request_id", "kind", "due_at", name="uq_deadline_notice_request_kind_due"),
        sa.Index("uq_deadline_notice_request_kind_undated", "request_id", "kind", unique=True,
                 sqlite_where=sa.text("due_at IS NULL"), postgresql_where=sa.text("due_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("data_request.id", ondelete="CASCADE"))
    kind: Mapped[NoticeKind] = mapped_column(str_enum(NoticeKind))
    #: The request's due date this notice was sent for; None when it is about no deadline.
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
