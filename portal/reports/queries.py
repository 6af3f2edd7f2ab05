"""The dashboard's figures, each one SQL aggregate (requests are never loaded into Python).

A period is a range of Japan dates (see `summary.Period`). "Received" counts requests received
in the period; "completed", "rejected" and "withdrawn" count requests closed in it, and their
durations and on-time share describe those answered (completed or rejected) in it. "On time"
means closed no later than the due date, which already includes extensions and pauses.
"Days taken" are calendar days in Japan time from receipt to closing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from portal.common.time import JST
from portal.dsr.models import DataRequest, Jurisdiction, RequestType
from portal.dsr.status import RequestStatus
from portal.extensions import db
from portal.reports.sql import interpolate, jst_days_between, percentiles
from portal.reports.summary import Period
from portal.staff.models import StaffUser

ANSWERED = (RequestStatus.COMPLETED, RequestStatus.REJECTED)
OPEN = DataRequest.closed_at.is_(None)
WEEKS = 26
MEDIAN, P90 = (1, 2), (9, 10)


def _within(column, period: Period):
    return sa.and_(column >= period.starts_at, column < period.ends_before)


def _count_if(condition):
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def days_taken():
    return jst_days_between(DataRequest.received_at, DataRequest.closed_at)


def on_time_condition():
    return DataRequest.closed_at <= DataRequest.due_at


def japan_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, JST)


# ---- right now ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Now:
    by_status: dict[str, int]
    total: int
    overdue: int
    due_today: int
    due_this_week: int
    unassigned: int


def open_now(now: datetime) -> Now:
    """Open requests by status, and what is overdue, due today, due this week, unassigned."""
    today = now.astimezone(JST).date()
    tomorrow = japan_midnight(today + timedelta(days=1))
    next_monday = japan_midnight(today + timedelta(days=7 - today.weekday()))
    by_status = {status.value: 0 for status in RequestStatus if status.is_open}
    by_status |= {status.value: count for status, count in db.session.execute(
        sa.select(DataRequest.status, sa.func.count()).where(OPEN).group_by(DataRequest.status))}
    overdue, today_count, week, unassigned = db.session.execute(sa.select(
        _count_if(DataRequest.due_at < now),
        _count_if(sa.and_(DataRequest.due_at >= now, DataRequest.due_at < tomorrow)),
        _count_if(sa.and_(DataRequest.due_at >= now, DataRequest.due_at < next_monday)),
        _count_if(DataRequest.assignee_id.is_(None)),
    ).where(OPEN)).one()
    return Now(by_status, sum(by_status.values()), int(overdue), int(today_count), int(week), int(unassigned))


# ---- a period, per type or per jurisdiction ------------------------------------------------

@dataclass
class Row:
    key: str
    received: int = 0
    completed: int = 0
    rejected: int = 0
    withdrawn: int = 0
    median_days: float | None = None
    p90_days: float | None = None
    on_time: int = 0
    with_deadline: int = 0

    @property
    def on_time_share(self) -> float | None:
        return self.on_time / self.with_deadline if self.with_deadline else None


@dataclass
class Breakdown:
    rows: list[Row]
    total: Row = field(default_factory=lambda: Row("total"))


def breakdown(period: Period, by: str) -> Breakdown:
    """Per request type (`by="type"`) or per jurisdiction (`by="jurisdiction"`), plus a total."""
    column = DataRequest.type if by == "type" else DataRequest.jurisdiction
    keys = [t.value for t in RequestType] if by == "type" else [j.value for j in Jurisdiction]
    rows = {key: Row(key) for key in keys}
    total = Row("total")
    closed = _within(DataRequest.closed_at, period)
    answered = sa.and_(closed, DataRequest.status.in_(ANSWERED))
    for key, count in db.session.execute(sa.select(column, sa.func.count())
                                         .where(_within(DataRequest.received_at, period)).group_by(column)):
        rows[key.value].received = count
    status_counts = sa.select(
        column, _count_if(DataRequest.status == RequestStatus.COMPLETED),
        _count_if(DataRequest.status == RequestStatus.REJECTED),
        _count_if(DataRequest.status == RequestStatus.WITHDRAWN),
        _count_if(sa.and_(DataRequest.status.in_(ANSWERED), on_time_condition())),
        _count_if(sa.and_(DataRequest.status.in_(ANSWERED), DataRequest.due_at.is_not(None))),
    ).where(closed).group_by(column)
    for key, completed, rejected, withdrawn, on_time, with_deadline in db.session.execute(status_counts):
        row = rows[key.value]
        row.completed, row.rejected, row.withdrawn = int(completed), int(rejected), int(withdrawn)
        row.on_time, row.with_deadline = int(on_time), int(with_deadline)
    for row in rows.values():
        for name in ("received", "completed", "rejected", "withdrawn", "on_time", "with_deadline"):
            setattr(total, name, getattr(total, name) + getattr(row, name))
    per_group = sa.select(column.label("grp"), days_taken().label("days")).where(answered)
    everything = sa.select(sa.literal("total").label("grp"), days_taken().label("days")).where(answered)
    for query, target in ((per_group, None), (everything, total)):
        for result in db.session.execute(percentiles(query, (MEDIAN, P90))):
            row = target or rows[getattr(result.grp, "value", result.grp)]
            row.median_days, row.p90_days = interpolate(result, *MEDIAN), interpolate(result, *P90)
    return Breakdown(list(rows.values()), total)


def median_days(period: Period) -> float | None:
    """The median calendar days from receipt to answer, for requests answered in the period."""
    closed = _within(DataRequest.closed_at, period)
    query = sa.select(sa.literal("total").label("grp"), days_taken().label("days")).where(
        closed, DataRequest.status.in_(ANSWERED))
    result = db.session.execute(percentiles(query, (MEDIAN,))).first()
    return interpolate(result, *MEDIAN) if result else None


# ---- trends ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Week:
    start: date
    received: int
    answered: int
    on_time: int
    with_deadline: int

    @property
    def on_time_share(self) -> float | None:
        return self.on_time / self.with_deadline if self.with_deadline else None


def weekly(now: datetime, weeks: int = WEEKS) -> list[Week]:
    """The last `weeks` weeks (Monday to Sunday, Japan time), the current one last.

    One pass over each index range: a column per week (CASE sums), which both databases
    evaluate the same way, rather than a week-number function each spells differently.
    """
    today = now.astimezone(JST).date()
    starts = [today - timedelta(days=today.weekday() + 7 * back) for back in range(weeks - 1, -1, -1)]
    bounds = [japan_midnight(start) for start in starts] + [japan_midnight(starts[-1] + timedelta(days=7))]

    def per_week(column, condition=sa.true()):
        return [_count_if(sa.and_(column >= bounds[i], column < bounds[i + 1], condition)) for i in range(weeks)]

    received = db.session.execute(sa.select(*per_week(DataRequest.received_at))
                                  .where(DataRequest.received_at >= bounds[0])).one()
    answered_in = sa.and_(DataRequest.closed_at >= bounds[0], DataRequest.status.in_(ANSWERED))
    answered = db.session.execute(sa.select(
        *per_week(DataRequest.closed_at), *per_week(DataRequest.closed_at, on_time_condition()),
        *per_week(DataRequest.closed_at, DataRequest.due_at.is_not(None)),
    ).where(answered_in)).one()
    return [Week(starts[i], int(received[i]), int(answered[i]), int(answered[weeks + i]),
                 int(answered[2 * weeks + i])) for i in range(weeks)]


# ---- people ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Workload:
    assignee_id: int | None
    name: str | None
    open: int
    overdue: int
    answered: int
    on_time: int
    with_deadline: int

    @property
    def on_time_share(self) -> float | None:
        return self.on_time / self.with_deadline if self.with_deadline else None


def workload(period: Period, now: datetime) -> list[Workload]:
    """Per assignee: open and overdue now; answered in the period and how many on time.

    Two queries rather than one with `OR`: the open half walks the partial index of open
    requests per assignee, the answered half the closing-date range; neither scans the table.
    """
    figures: dict[int | None, list[int]] = {}
    open_rows = db.session.execute(
        sa.select(DataRequest.assignee_id, sa.func.count(), _count_if(DataRequest.due_at < now))
        .where(OPEN).group_by(DataRequest.assignee_id))
    for assignee, count, overdue in open_rows:
        figures[assignee] = [int(count), int(overdue), 0, 0, 0]
    answered_rows = db.session.execute(
        sa.select(DataRequest.assignee_id, sa.func.count(), _count_if(on_time_condition()),
                  _count_if(DataRequest.due_at.is_not(None)))
        .where(_within(DataRequest.closed_at, period), DataRequest.status.in_(ANSWERED))
        .group_by(DataRequest.assignee_id))
    for assignee, count, on_time, with_deadline in answered_rows:
        figures.setdefault(assignee, [0, 0, 0, 0, 0])[2:] = [int(count), int(on_time), int(with_deadline)]
    ids = [assignee for assignee in figures if assignee is not None]
    names = dict(db.session.execute(sa.select(StaffUser.id, StaffUser.name).where(StaffUser.id.in_(ids))).all()) if ids else {}
    rows = [Workload(assignee, names.get(assignee), *values) for assignee, values in figures.items()]
    return sorted(rows, key=lambda row: (row.name is None, row.name or "", row.assignee_id or 0))
