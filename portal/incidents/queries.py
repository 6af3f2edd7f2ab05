"""Report deadlines at risk: the small query the queue's "at risk" view and the dashboard show."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from portal.common.time import utcnow
from portal.extensions import db
from portal.incidents.models import Incident, ReportKind

#: A report due within this long (or overdue) is at risk.
AT_RISK_WITHIN = timedelta(days=2)


@dataclass(frozen=True)
class ReportAtRisk:
    incident_id: int
    title: str
    report: ReportKind
    due_at: datetime
    overdue: bool


def _unreported(kind: ReportKind):
    if kind is ReportKind.PRELIMINARY:
        return Incident.preliminary_due_at, Incident.preliminary_reported_at
    return Incident.final_due_at, Incident.final_reported_at


def reports_at_risk(*, now: datetime | None = None, within: timedelta = AT_RISK_WITHIN) -> list[ReportAtRisk]:
    """Every report not yet submitted whose deadline is within `within` or passed, soonest first."""
    now = now or utcnow()
    found = []
    for kind in ReportKind:
        due, reported = _unreported(kind)
        rows = db.session.execute(sa.select(Incident.id, Incident.title, due).where(
            due.is_not(None), reported.is_(None), due <= now + within)).all()
        found += [ReportAtRisk(row[0], row[1], kind, row[2], row[2] < now) for row in rows]
    return sorted(found, key=lambda risk: (risk.due_at, risk.incident_id))
