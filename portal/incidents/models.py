"""An incident, the versions of its report, its affected persons and the reminders sent."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from portal.common.db import UTCDateTime, str_enum
from portal.common.time import utcnow
from portal.extensions import db


class IncidentCase(enum.StrEnum):
    """The cases of Enforcement Rules Art. 7 that make an incident reportable (Art. 26(1))."""

    SENSITIVE = "sensitive"              # 要配慮個人情報 (Art. 7(i))
    FINANCIAL = "financial"              # 財産的被害が生じるおそれ (Art. 7(ii))
    WRONGFUL_PURPOSE = "wrongful_purpose"  # 不正の目的をもって行われたおそれ (Art. 7(iii))
    OVER_1000 = "over_1000"              # 1,000人を超える (Art. 7(iv))

    @property
    def label(self):
        return CASE_LABELS[self]


CASE_LABELS = {
    IncidentCase.SENSITIVE: _l("Sensitive personal data (Art. 7(i))"),
    IncidentCase.FINANCIAL: _l("Data whose misuse may cause financial loss (Art. 7(ii))"),
    IncidentCase.WRONGFUL_PURPOSE: _l(
        "Possibly caused by an act with a wrongful purpose, such as unauthorised access (Art. 7(iii))"),
    IncidentCase.OVER_1000: _l("More than 1,000 persons affected (Art. 7(iv))"),
}


class IncidentStatus(enum.StrEnum):
    OPEN = "open"                              # being investigated; nothing reported yet
    PRELIMINARY_REPORTED = "preliminary_reported"  # 速報 submitted
    FINAL_REPORTED = "final_reported"          # 確報 submitted

    @property
    def label(self):
        return STATUS_LABELS[self]


STATUS_LABELS = {
    IncidentStatus.OPEN: _l("Under investigation"),
    IncidentStatus.PRELIMINARY_REPORTED: _l("Preliminary report submitted"),
    IncidentStatus.FINAL_REPORTED: _l("Final report submitted"),
}


class ReportKind(enum.StrEnum):
    PRELIMINARY = "preliminary"  # 速報 (Enforcement Rules Art. 8(1))
    FINAL = "final"              # 確報 (Art. 8(2))

    @property
    def label(self):
        return REPORT_KIND_LABELS[self]


REPORT_KIND_LABELS = {
    ReportKind.PRELIMINARY: _l("Preliminary report"),
    ReportKind.FINAL: _l("Final report"),
}


class Incident(db.Model):
    """A leak, loss or damage of personal data (or the fear of one), as staff record it.

    The two report deadlines are stored when the incident is recorded or its discovery time or
    cases change, like a request's due date; they are NULL when no Art. 7 case applies (no
    duty to report). The affected persons are chosen by `selection` and fixed as
    `IncidentPerson` rows when they are notified.
    """

    __tablename__ = "incident"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    # What happened, for staff; the words for the persons are in `notice_text`.
    description: Mapped[str] = mapped_column(sa.Text)
    discovered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cases: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    status: Mapped[IncidentStatus] = mapped_column(str_enum(IncidentStatus), default=IncidentStatus.OPEN)
    preliminary_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    final_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    preliminary_reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    final_reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The report being written: the Commission form's items by key (see reports.REPORT_ITEMS).
    report_draft: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # {"source": key, "category": …, "field": …, "collected_from": date, "collected_to": date}
    # or {"keys": [person keys]}; empty until staff choose.
    selection: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # What the affected persons read (mail and "my data").
    notice_text: Mapped[str | None] = mapped_column(sa.Text)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def case_set(self) -> set[IncidentCase]:
        return {IncidentCase(value) for value in self.cases or ()}

    @property
    def reportable(self) -> bool:
        return bool(self.cases)

    def due_at(self, kind: ReportKind) -> datetime | None:
        return self.preliminary_due_at if kind is ReportKind.PRELIMINARY else self.final_due_at

    def reported_at(self, kind: ReportKind) -> datetime | None:
        return self.preliminary_reported_at if kind is ReportKind.PRELIMINARY else self.final_reported_at


class IncidentReport(db.Model):
    """A report as submitted to the Commission: the preliminary and the final version."""

    __tablename__ = "incident_report"
    __table_args__ = (sa.UniqueConstraint("incident_id", "kind", name="uq_incident_report_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(sa.ForeignKey("incident.id", ondelete="CASCADE"))
    kind: Mapped[ReportKind] = mapped_column(str_enum(ReportKind))
    items: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    persons_count: Mapped[int | None]
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_by: Mapped[str | None] = mapped_column(sa.String(64))


class NoticeChannel(enum.StrEnum):
    EMAIL = "email"
    POST = "post"


class IncidentPerson(db.Model):
    """A person the incident affected, fixed when the persons were notified."""

    __tablename__ = "incident_person"
    __table_args__ = (sa.UniqueConstraint("incident_id", "person_id", name="uq_incident_person"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(sa.ForeignKey("incident.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"), index=True)
    channel: Mapped[NoticeChannel] = mapped_column(str_enum(NoticeChannel))
    # The notice mail in the outbox (its status is the delivery's); NULL for post.
    outbox_message_id: Mapped[int | None] = mapped_column(sa.ForeignKey("outbox_message.id", ondelete="SET NULL"))
    notified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When staff recorded the letter as posted.
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class IncidentNotice(db.Model):
    """A reminder sent to managers about a report deadline: once per incident, report, stage
    and due date, whichever scheduler gets there first (the unique key decides)."""

    __tablename__ = "incident_notice"
    __table_args__ = (sa.UniqueConstraint("incident_id", "report", "stage", "due_at", name="uq_incident_notice"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(sa.ForeignKey("incident.id", ondelete="CASCADE"))
    report: Mapped[ReportKind] = mapped_column(str_enum(ReportKind))
    stage: Mapped[str] = mapped_column(sa.String(16))  # "due_soon" or "overdue"
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
