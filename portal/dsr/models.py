"""Requests, their timelines and the deadline policies they follow."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.common.db import UTCDateTime, str_enum
from portal.common.time import utcnow
from portal.encryption.blind import email_index, index_matches, kept_in_step, name_index
from portal.encryption.types import EncryptedJSON, EncryptedText
from portal.dsr.status import RequestStatus
from portal.extensions import db


class RequestType(enum.StrEnum):
    DISCLOSURE = "disclosure"
    PROVISION_RECORDS = "provision_records"  # disclosure of third-party provision records
    CORRECTION = "correction"  # add / change / delete values
    CONSENT_WITHDRAWAL = "consent_withdrawal"  # also re-grants and "stop all marketing"
    SUSPENSION = "suspension"  # 利用停止
    ERASURE = "erasure"  # 消去
    STOP_PROVISION = "stop_provision"  # 第三者提供の停止

    @property
    def label(self):
        return REQUEST_TYPE_LABELS[self]

    @property
    def staff_label(self):
        """The type as staff pages name it: about "the person", never "your"."""
        return STAFF_TYPE_LABELS.get(self) or REQUEST_TYPE_LABELS[self]


REQUEST_TYPE_LABELS = {
    RequestType.DISCLOSURE: _l("Disclosure of your data"),
    RequestType.PROVISION_RECORDS: _l("Disclosure of records of provision to third parties"),
    RequestType.CORRECTION: _l("Correction of your data"),
    RequestType.CONSENT_WITHDRAWAL: _l("Withdrawal or renewal of consent"),
    RequestType.SUSPENSION: _l("Stop of use"),
    RequestType.ERASURE: _l("Erasure"),
    RequestType.STOP_PROVISION: _l("Stop of provision to third parties"),
}
#: Where staff read a type differently from the requester (the rest read the same).
STAFF_TYPE_LABELS = {
    RequestType.DISCLOSURE: _l("Disclosure of the person's data"),
    RequestType.CORRECTION: _l("Correction of the person's data"),
}


class Jurisdiction(enum.StrEnum):
    APPI = "appi"
    GDPR = "gdpr"
    CCPA = "ccpa"


class Residence(enum.StrEnum):
    """Where the requester says they live; it chooses the jurisdiction."""

    JP = "jp"
    EU = "eu"
    US_CA = "us-ca"
    OTHER = "other"


class RequestChannel(enum.StrEnum):
    WEB = "web"
    PHONE = "phone"
    POST = "post"
    COUNTER = "counter"
    EMAIL = "email"
    API = "api"


class Language(enum.StrEnum):
    JA = "ja"
    EN = "en"


class PeriodUnit(enum.StrEnum):
    CALENDAR_DAYS = "calendar_days"
    BUSINESS_DAYS = "business_days"
    # A calendar month (GDPR "one month"): 31 January + 1 month is the end of February.
    MONTHS = "months"


class EventKind(enum.StrEnum):
    RECEIVED = "received"
    VERIFIED = "verified"
    ACKNOWLEDGED = "acknowledged"
    MATCHED = "matched"
    ASSIGNED = "assigned"
    STATUS_CHANGED = "status_changed"
    MESSAGE_TO_REQUESTER = "message_to_requester"
    MESSAGE_FROM_REQUESTER = "message_from_requester"
    INTERNAL_NOTE = "internal_note"
    EXTENDED = "extended"
    PAUSED = "paused"
    RESUMED = "resumed"
    DECISION = "decision"
    APPLIED = "applied"
    PACKAGE_WITHDRAWN = "package_withdrawn"  # an erasure withdrew this answer's download
    WITHDRAWN = "withdrawn"
    REMINDER_SENT = "reminder_sent"
    ESCALATED = "escalated"
    FEE_RECORDED = "fee_recorded"  # paid or waived
    # Four eyes (the policy's `four_eyes`): a decision stored for a manager's approval, then
    # approved (and applied) or sent back with a reason. Staff only: the requester sees the outcome.
    APPROVAL_REQUESTED = "approval_requested"
    APPROVED = "approved"
    SENT_BACK = "sent_back"


class FeeStatus(enum.StrEnum):
    """A request's fee (APPI Art. 38): charged when its policy sets one."""

    UNPAID = "unpaid"
    PAID = "paid"
    WAIVED = "waived"


class ClockStart(enum.StrEnum):
    """When the deadline starts counting: on receipt (CCPA §7021) or once verified."""

    RECEIVED = "received"
    VERIFIED = "verified"


class Policy(db.Model):
    """Deadline rules for a jurisdiction; a row without request type is the jurisdiction's default.

    Requests store the due dates computed from these rules, so editing a policy never moves
    an existing request's deadline.
    """

    __tablename__ = "policy"
    __table_args__ = (
        sa.UniqueConstraint("jurisdiction", "request_type", name="uq_policy_jurisdiction_type"),
        # NULLs are distinct in a unique constraint, so the default row needs its own guard.
        sa.Index(
            "uq_policy_jurisdiction_default",
            "jurisdiction",
            unique=True,
            sqlite_where=sa.text("request_type IS NULL"),
            postgresql_where=sa.text("request_type IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction: Mapped[Jurisdiction] = mapped_column(str_enum(Jurisdiction))
    request_type: Mapped[RequestType | None] = mapped_column(str_enum(RequestType))
    response_period: Mapped[int]
    response_unit: Mapped[PeriodUnit] = mapped_column(str_enum(PeriodUnit))
    # CCPA: confirm receipt within 10 business days; None where the law sets no such step.
    acknowledge_period: Mapped[int | None]
    acknowledge_unit: Mapped[PeriodUnit | None] = mapped_column(str_enum(PeriodUnit))
    # The most the deadline may be extended, once; None means no extension is allowed.
    extension_period: Mapped[int | None]
    extension_unit: Mapped[PeriodUnit | None] = mapped_column(str_enum(PeriodUnit))
    pause_when_waiting: Mapped[bool] = mapped_column(default=False)
    clock_starts: Mapped[ClockStart] = mapped_column(
        str_enum(ClockStart), default=ClockStart.VERIFIED, server_default=ClockStart.VERIFIED.value
    )
    # An optional fee (手数料, APPI Art. 38): in yen, how to pay, when it is waived. Shown to the
    # customer before filing; a request under this rule copies the amount when filed.
    fee_amount: Mapped[int | None]
    fee_payment: Mapped[str | None] = mapped_column(sa.Text)
    fee_waiver: Mapped[str | None] = mapped_column(sa.Text)
    # A browser's Global Privacy Control signal (Sec-GPC: 1) is a request to opt out of sale and
    # sharing (CCPA Regulations § 7025): honoured for verified customers under this rule.
    honour_gpc: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Four eyes: an erasure or a rejection under this rule is applied only once a manager other
    # than the staff member who prepared it approves it (`portal.dsr.approvals`).
    four_eyes: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class DataRequest(db.Model):
    """What a person (or their agent) asked, with its deadline and status."""

    __tablename__ = "data_request"
    __table_args__ = (
        # The staff queue: open requests ordered by legal deadline.
        # id last: a status's requests without a deadline come in id order (the dashboard's
        # unverified requests; SQLite's indexes end in the row id anyway, PostgreSQL's do not).
        sa.Index("ix_data_request_status_due", "status", "due_at", "id"),
        # Keyset pages of open requests in deadline order, for everyone and per assignee.
        # `closed_at IS NULL` rather than a list of statuses: SQLite uses a partial index only
        # when the query repeats its condition literally, and a status list would be bound.
        # The trailing type, jurisdiction (and assignee) let the queue's filters and counts be
        # checked in the index, without reading each request's row (migration 0014).
        sa.Index("ix_data_request_open_due", "due_at", "id", "type", "jurisdiction", "assignee_id",
                 sqlite_where=sa.text("closed_at IS NULL"), postgresql_where=sa.text("closed_at IS NULL")),
        sa.Index("ix_data_request_open_assignee_due", "assignee_id", "due_at", "id", "type", "jurisdiction",
                 sqlite_where=sa.text("closed_at IS NULL"), postgresql_where=sa.text("closed_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # `MG-<year>-<id, 6+ digits>`, set in the same transaction right after the insert assigns
    # the id (hence nullable in the schema; never NULL once the creating service returns).
    reference: Mapped[str | None] = mapped_column(sa.String(24), unique=True)
    type: Mapped[RequestType] = mapped_column(str_enum(RequestType))
    policy_id: Mapped[int] = mapped_column(sa.ForeignKey("policy.id"))
    # Copied from the policy when chosen, so reports do not depend on later policy edits.
    jurisdiction: Mapped[Jurisdiction] = mapped_column(str_enum(Jurisdiction))
    status: Mapped[RequestStatus] = mapped_column(str_enum(RequestStatus), default=RequestStatus.RECEIVED)
    # NULL until staff match the request to a person; SET NULL keeps the record after erasure.
    person_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("person.id", ondelete="SET NULL"), index=True
    )

    # Encrypted; staff search the queue by the requester's address or name (blind indexes).
    # NULL for a requester without email: answers go by post to `subject`'s address.
    requester_email: Mapped[str | None] = mapped_column(EncryptedText("data_request.requester_email"))
    requester_email_index: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    requester_name: Mapped[str | None] = mapped_column(EncryptedText("data_request.requester_name"))
    requester_name_index: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    is_agent: Mapped[bool] = mapped_column(default=False)
    # The agent's name, contact and relationship to the person.
    agent: Mapped[dict[str, Any] | None] = mapped_column(EncryptedJSON("data_request.agent"))
    # Who the request is about, when that is not (yet) a matched person: name, phone, address…
    subject: Mapped[dict[str, Any] | None] = mapped_column(EncryptedJSON("data_request.subject"))
    # A letter of authority; the documents table comes later, so no foreign key yet.
    authority_document_id: Mapped[int | None]
    channel: Mapped[RequestChannel] = mapped_column(str_enum(RequestChannel))
    language: Mapped[Language] = mapped_column(str_enum(Language, length=8), default=Language.JA)
    residence: Mapped[Residence] = mapped_column(str_enum(Residence, length=16), default=Residence.JP)
    # Type-specific content: correction changes, categories, recipients, ground, format…
    details: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON("data_request.details"), default=dict)

    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledge_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The deadline before any extension or pause, for "answered within the legal period".
    original_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    extended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    extension_reason: Mapped[str | None] = mapped_column(EncryptedText("data_request.extension_reason"))
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_seconds: Mapped[int] = mapped_column(default=0)
    # Reports count what was closed in a period through a partial index of the closed requests
    # (portal/reports/models.py); a plain index here drew SQLite to it for `closed_at IS NULL`.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The fee charged (yen) and whether it is paid or waived; NULL when the policy charged none.
    # A disclosure is released only once the fee is paid or waived.
    fee_amount: Mapped[int | None]
    fee_status: Mapped[FeeStatus | None] = mapped_column(str_enum(FeeStatus, length=16))
    # Shown to the person (APPI Art. 36 asks us to tell them why).
    rejection_reason: Mapped[str | None] = mapped_column(EncryptedText("data_request.rejection_reason"))

    # Staff users come later; a plain indexed integer until then.
    assignee_id: Mapped[int | None] = mapped_column(index=True)
    # A client-chosen key so a double submit or a retried API call files one request.
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(100), unique=True)
    version_id: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    # Every UPDATE checks and bumps version_id, so a change based on an outdated read fails.
    __mapper_args__ = {"version_id_col": version_id}

    policy: Mapped[Policy] = relationship(lazy="joined", innerjoin=True)

    _keep_indexes = kept_in_step({"requester_email": ("requester_email_index", email_index),
                                  "requester_name": ("requester_name_index", name_index)})

    @classmethod
    def with_requester_email(cls, address: str):
        """The condition "filed from `address`" (normalised like every stored address)."""
        return index_matches(cls.requester_email_index, email_index(address))

    @classmethod
    def with_requester_name(cls, text: str):
        """The condition "filed under the name `text`", ignoring spaces and case."""
        return index_matches(cls.requester_name_index, name_index(text))

    @property
    def is_open(self) -> bool:
        return self.status.is_open

    @classmethod
    def overdue_at(cls, now: datetime):
        """SQL: open and past its due date on the request's own clock, which stands still while
        the request is paused: a request paused before its due date is not overdue (resuming moves
        the date by the pause, and the answer is then judged on time or late against that date).
        The one definition of "overdue" for the queue, the dashboard, the API and the reminders."""
        return sa.and_(cls.closed_at.is_(None), cls.past_due_at(now))

    @classmethod
    def past_due_at(cls, now: datetime):
        """SQL: `overdue_at` for rows already known to be open (the dashboard's open workload):
        without the `closed_at` test, the open requests' covering index answers it alone."""
        return sa.and_(cls.due_at < now, sa.or_(cls.paused_at.is_(None), cls.due_at < cls.paused_at))

    def is_overdue(self, now: datetime) -> bool:
        """`overdue_at` for a loaded request."""
        if not self.is_open or self.due_at is None:
            return False
        return self.due_at < min(now, self.paused_at or now)

    @property
    def answers_by_post(self) -> bool:
        """No email to write to: every answer is a printed letter (dsr/letters.py)."""
        return not self.requester_email

    @property
    def outcome(self) -> RequestStatus | None:
        """How the request ended (completed, rejected or withdrawn); None while open."""
        return None if self.status.is_open else self.status

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None


class RequestEvent(db.Model):
    """One entry in a request's timeline; `visible_to_requester` decides what the person sees."""

    __tablename__ = "request_event"
    __table_args__ = (sa.Index("ix_request_event_request_at", "request_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("data_request.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[EventKind] = mapped_column(str_enum(EventKind))
    actor_type: Mapped[str] = mapped_column(sa.String(16))
    actor_id: Mapped[str | None] = mapped_column(sa.String(64))
    from_status: Mapped[RequestStatus | None] = mapped_column(str_enum(RequestStatus))
    to_status: Mapped[RequestStatus | None] = mapped_column(str_enum(RequestStatus))
    # Words for a person to read: a message, a reason, a note. Facts for code go in `data`.
    body: Mapped[str | None] = mapped_column(EncryptedText("request_event.body"))
    data: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON("request_event.data"), default=dict)
    visible_to_requester: Mapped[bool] = mapped_column(default=False)

    request: Mapped[DataRequest] = relationship()


class ApprovalKind(enum.StrEnum):
    """What waits for a manager's approval under four eyes."""

    ERASURE = "erasure"  # an erasure decision (scope, categories, items, answer)
    REJECTION = "rejection"  # a rejection with its reason


class ApprovalState(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"  # and applied, in the same transaction
    SENT_BACK = "sent_back"


class DecisionApproval(db.Model):
    """A decision prepared by one staff member and waiting for (or given) a manager's approval.

    The decision is stored as it would have been applied (`decision`: scope, categories, items,
    answer — or the rejection's reason), encrypted: the reason and answer are words to the
    requester. At most one pending approval per request.
    """

    __tablename__ = "decision_approval"
    __table_args__ = (
        sa.Index("ix_decision_approval_request", "request_id", "id"),
        sa.Index("uq_decision_approval_pending", "request_id", unique=True,
                 sqlite_where=sa.text("state = 'pending'"), postgresql_where=sa.text("state = 'pending'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("data_request.id", ondelete="CASCADE"))
    kind: Mapped[ApprovalKind] = mapped_column(str_enum(ApprovalKind, length=16))
    state: Mapped[ApprovalState] = mapped_column(str_enum(ApprovalState, length=16), default=ApprovalState.PENDING)
    decision: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON("decision_approval.decision"), default=dict)
    # Who prepared it: a staff member (page or API token owner); `prepared_by` is their id.
    prepared_by_type: Mapped[str] = mapped_column(sa.String(16))
    prepared_by: Mapped[str | None] = mapped_column(sa.String(64))
    prepared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(sa.String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Why a manager sent it back (the preparer reads it on the request page).
    sent_back_reason: Mapped[str | None] = mapped_column(EncryptedText("decision_approval.sent_back_reason"))

    request: Mapped[DataRequest] = relationship()
