"""The dashboard's headline figures for a period, computed with SQL aggregates.

Written for `GET /api/v1/reports/summary`; the manager dashboard can read the same function
so the API and the page never disagree. A period is a range of Japan dates, both included.
Everything is an SQL aggregate, the median included (`portal.reports.sql.percentiles`): days
are calendar days in Japan time from receipt to answer, as on the dashboard.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from portal.common.time import JST, utcnow
from portal.dsr.models import DataRequest, Jurisdiction, RequestChannel, RequestType
from portal.dsr.status import OPEN_STATUSES, RequestStatus
from portal.extensions import db
from portal.reports.sql import interpolate, jst_days_between, percentiles

AT_RISK_WITHIN = timedelta(days=3)


@dataclass(frozen=True)
class Period:
    start: date  # Japan date, included
    end: date  # Japan date, included

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.start, time.min, JST)

    @property
    def ends_before(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time.min, JST)


def _within(column, period: Period):
    return sa.and_(column >= period.starts_at, column < period.ends_before)


def _counts_by(column, where) -> dict[str, int]:
    rows = db.session.execute(sa.select(column, sa.func.count()).where(where).group_by(column))
    return {getattr(key, "value", key): count for key, count in rows}


def summary_figures(period: Period, *, now: datetime | None = None) -> dict:
    """Received, closed, answered on time, durations, and what is open or at risk right now."""
    now = now or utcnow()
    received = _within(DataRequest.received_at, period)
    closed = _within(DataRequest.closed_at, period)
    answered = sa.and_(closed, DataRequest.status.in_([RequestStatus.COMPLETED, RequestStatus.REJECTED]))
    open_now = DataRequest.closed_at.is_(None)
    on_time_case = sa.case((DataRequest.closed_at <= DataRequest.due_at, 1), else_=0)
    late_case = sa.case((DataRequest.closed_at > DataRequest.due_at, 1), else_=0)
    on_time, late, extended = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(on_time_case), 0), sa.func.coalesce(sa.func.sum(late_case), 0),
                  sa.func.count(DataRequest.extended_at)).where(answered)
    ).one()
    open_count, overdue, at_risk, unverified = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(sa.case((DataRequest.overdue_at(now), 1), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(sa.case((sa.and_(DataRequest.due_at >= now,
                                                          DataRequest.due_at < now + AT_RISK_WITHIN), 1), else_=0)), 0),
            # Not yet verified: by status, as an APPI or CCPA request is due from receipt.
            sa.func.coalesce(sa.func.sum(sa.case((DataRequest.status == RequestStatus.RECEIVED, 1), else_=0)), 0),
        ).where(open_now, DataRequest.status.in_(sorted(OPEN_STATUSES)))
    ).one()
    days = sa.select(sa.literal("all").label("grp"),
                     jst_days_between(DataRequest.received_at, DataRequest.closed_at).label("days")).where(answered)
    median = db.session.execute(percentiles(days, ((1, 2),))).first()
    decided = int(on_time) + int(late)
    return {
        "period": {"from": period.start.isoformat(), "to": period.end.isoformat()},
        "received": {
            "total": db.session.scalar(sa.select(sa.func.count()).where(received)) or 0,
            "by_type": {t.value: 0 for t in RequestType} | _counts_by(DataRequest.type, received),
            "by_policy": {j.value: 0 for j in Jurisdiction} | _counts_by(DataRequest.jurisdiction, received),
            "by_channel": {c.value: 0 for c in RequestChannel} | _counts_by(DataRequest.channel, received),
        },
        "closed": {s.value: 0 for s in (RequestStatus.COMPLETED, RequestStatus.REJECTED, RequestStatus.WITHDRAWN)}
        | _counts_by(DataRequest.status, closed),
        "answered_on_time": int(on_time),
        "answered_late": int(late),
        "on_time_rate": round(int(on_time) / decided, 4) if decided else None,
        "extended": int(extended),
        "median_days_to_answer": interpolate(median, 1, 2) if median else None,
        "open_now": {"total": int(open_count), "overdue": int(overdue), "due_within_3_days": int(at_risk),
                     "not_yet_verified": int(unverified)},
        "generated_at": now.isoformat(),
    }
