"""The dashboard's figures, each one SQL aggregate (requests are never loaded into Python).

A period is a range of Japan dates (see `summary.Period`). "Received" counts requests received
in the period; "completed", "rejected" and "withdrawn" count requests closed in it, and their
durations and on-time share describe those answered (completed or rejected) in it. "On time"
means closed no later than the due date, which already includes extensions and pauses.
"Overdue" means open now and past the due date on the same clock (`DataRequest.overdue_at`: a
paused request is judged at the moment it was paused, as resuming moves its date by the pause),
so a request counted overdue now can only end up late, never on time.
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
    #: assignee id (None: unassigned) → (open, overdue, due this week)
    per_assignee: dict[int | None, tuple[int, int, int]] = field(default_factory=dict, compare=False)
    #: CCPA's confirmation of receipt: sent after its date, or not sent and its date passed.
    receipts_late: int = 0


def open_now(now: datetime) -> Now:
    """Open requests by status, and what is overdue, due today, due this week, unassigned.

    One pass over the open requests (the partial indexes bound it), grouped by status and
    assignee, so the per-assignee workload comes from the same rows.
    """
    today = now.astimezone(JST).date()
    tomorrow = japan_midnight(today + timedelta(days=1))
    next_monday = japan_midnight(today + timedelta(days=7 - today.weekday()))
    by_status = {status.value: 0 for status in RequestStatus if status.is_open}
    per_assignee: dict[int | None, tuple[int, int, int]] = {}
    overdue = due_today = this_week = unassigned = receipts_late = 0
    rows = db.session.execute(sa.select(
        DataRequest.status, DataRequest.assignee_id, sa.func.count(),
        _count_if(DataRequest.past_due_at(now)),  # the rows are open (WHERE OPEN)
        _count_if(sa.and_(DataRequest.due_at >= now, DataRequest.due_at < tomorrow)),
        _count_if(sa.and_(DataRequest.due_at >= now, DataRequest.due_at < next_monday)),
        _count_if(sa.or_(DataRequest.acknowledged_at > DataRequest.acknowledge_due_at,
                         sa.and_(DataRequest.acknowledged_at.is_(None), DataRequest.acknowledge_due_at < now))),
    ).where(OPEN).group_by(DataRequest.status, DataRequest.assignee_id))
    for status, assignee, count, late, today_count, week, receipt_late in rows:
        receipts_late += int(receipt_late)
        count, late, week = int(count), int(late), int(week)
        by_status[status.value] = by_status.get(status.value, 0) + count
        before = per_assignee.get(assignee, (0, 0, 0))
        per_assignee[assignee] = (before[0] + count, before[1] + late, before[2] + week)
        overdue, due_today, this_week = overdue + late, due_today + int(today_count), this_week + week
        unassigned += count if assignee is None else 0
    return Now(by_status, sum(by_status.values()), overdue, due_today, this_week, unassigned, per_assignee,
               receipts_late=receipts_late)


# ---- a period, per type or per jurisdiction ------------------------------------------------

class OnTimeShare:
    """For figures that count `on_time` out of `with_deadline` answered requests."""

    on_time: int
    with_deadline: int

    @property
    def on_time_share(self) -> float | None:
        return self.on_time / self.with_deadline if self.with_deadline else None


@dataclass
class Row(OnTimeShare):
    key: str
    received: int = 0
    completed: int = 0
    rejected: int = 0
    withdrawn: int = 0
    median_days: float | None = None
    p90_days: float | None = None
    on_time: int = 0
    with_deadline: int = 0


@dataclass
class Breakdown:
    rows: list[Row]
    total: Row = field(default_factory=lambda: Row("total"))


COUNTED = {RequestStatus.COMPLETED: "completed", RequestStatus.REJECTED: "rejected",
           RequestStatus.WITHDRAWN: "withdrawn"}


def breakdowns(period: Period) -> dict[str, Breakdown]:
    """Both breakdowns — per request type ("type") and per jurisdiction — with their totals.

    Two passes in all, each over one index range: the requests received in the period,
    counted per (type, jurisdiction); and those closed in it, counted per (type, jurisdiction,
    status, days taken). Days are whole numbers, so the second is a small histogram from
    which the medians and 90th percentiles of every row and the total are read exactly
    (percentile_cont's interpolation) without sorting the requests themselves.
    """
    keys = {"type": [t.value for t in RequestType], "jurisdiction": [j.value for j in Jurisdiction]}
    rows = {by: {key: Row(key) for key in values} for by, values in keys.items()}
    totals = {by: Row("total") for by in keys}
    received = db.session.execute(
        sa.select(DataRequest.type, DataRequest.jurisdiction, sa.func.count())
        .where(_within(DataRequest.received_at, period)).group_by(DataRequest.type, DataRequest.jurisdiction))
    for type_, jurisdiction, count in received:
        for by, key in (("type", type_.value), ("jurisdiction", jurisdiction.value)):
            rows[by][key].received += count
            totals[by].received += count
    days = days_taken().label("days")
    closed = db.session.execute(
        sa.select(DataRequest.type, DataRequest.jurisdiction, DataRequest.status, days, sa.func.count(),
                  _count_if(on_time_condition()), _count_if(DataRequest.due_at.is_not(None)))
        .where(_within(DataRequest.closed_at, period), DataRequest.status.in_(tuple(COUNTED)))
        .group_by(DataRequest.type, DataRequest.jurisdiction, DataRequest.status, days))
    histograms: dict[tuple[str, str], dict[int, int]] = {}
    for type_, jurisdiction, status, day_count, count, on_time, with_deadline in closed:
        for by, key in (("type", type_.value), ("jurisdiction", jurisdiction.value)):
            for row in (rows[by][key], totals[by]):
                setattr(row, COUNTED[status], getattr(row, COUNTED[status]) + count)
                if status in ANSWERED:
                    row.on_time += int(on_time)
                    row.with_deadline += int(with_deadline)
                    histogram = histograms.setdefault((by, row.key), {})
                    histogram[day_count] = histogram.get(day_count, 0) + count
    for by in keys:
        for row in (*rows[by].values(), totals[by]):
            histogram = histograms.get((by, row.key), {})
            row.median_days, row.p90_days = percentile_of(histogram, *MEDIAN), percentile_of(histogram, *P90)
    return {by: Breakdown(list(rows[by].values()), totals[by]) for by in keys}


def breakdown(period: Period, by: str) -> Breakdown:
    """Per request type (`by="type"`) or per jurisdiction (`by="jurisdiction"`), plus a total."""
    return breakdowns(period)["type" if by == "type" else "jurisdiction"]


def percentile_of(histogram: dict[int, int], num: int, den: int) -> float | None:
    """percentile_cont(num/den) of the values counted in `histogram` (value → how many)."""
    n = sum(histogram.values())
    if not n:
        return None
    position = (n - 1) * num
    low_rank, high_rank = position // den, (position + den - 1) // den
    low = high = None
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if low is None and seen > low_rank:
            low = value
        if seen > high_rank:
            high = value
            break
    fraction = (position - low_rank * den) / den
    return round(float(low) + fraction * (float(high) - float(low)), 2)


def median_days(period: Period) -> float | None:
    """The median calendar days from receipt to answer, for requests answered in the period."""
    closed = _within(DataRequest.closed_at, period)
    query = sa.select(sa.literal("total").label("grp"), days_taken().label("days")).where(
        closed, DataRequest.status.in_(ANSWERED))
    result = db.session.execute(percentiles(query, (MEDIAN,))).first()
    return interpolate(result, *MEDIAN) if result else None


# ---- trends ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Week(OnTimeShare):
    start: date
    received: int
    answered: int
    on_time: int
    with_deadline: int


def weekly(now: datetime, weeks: int = WEEKS) -> list[Week]:
    """The last `weeks` weeks (Monday to Sunday, Japan time), the current one last.

    Two passes, one per index range (received, closed), grouped by the week number: a CASE
    over the week boundaries, which both databases evaluate the same way, rather than a
    week-number function each spells differently.
    """
    today = now.astimezone(JST).date()
    starts = [today - timedelta(days=today.weekday() + 7 * back) for back in range(weeks - 1, -1, -1)]
    bounds = [japan_midnight(start) for start in starts] + [japan_midnight(starts[-1] + timedelta(days=7))]

    def week_of(column):
        return sa.case(*[(column < bounds[i + 1], i) for i in range(weeks)], else_=weeks).label("week")

    received = [0] * (weeks + 1)
    week = week_of(DataRequest.received_at)
    for index, count in db.session.execute(sa.select(week, sa.func.count())
                                           .where(DataRequest.received_at >= bounds[0]).group_by(week)):
        received[index] = count
    answered = [[0, 0, 0] for _ in range(weeks + 1)]
    week = week_of(DataRequest.closed_at)
    for index, count, on_time, with_deadline in db.session.execute(
            sa.select(week, sa.func.count(), _count_if(on_time_condition()), _count_if(DataRequest.due_at.is_not(None)))
            .where(DataRequest.closed_at >= bounds[0], DataRequest.status.in_(ANSWERED)).group_by(week)):
        answered[index] = [int(count), int(on_time), int(with_deadline)]
    return [Week(starts[i], int(received[i]), *answered[i]) for i in range(weeks)]


# ---- people ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Workload(OnTimeShare):
    """One assignee's row. `open`, `overdue` and `due_this_week`: open requests now. `answered`
    (completed or rejected), `on_time` and `late`: the requests answered in the period, judged
    against the due date on the clock `overdue` uses — one set, so the share is `on_time` out of
    `on_time + late` and a request overdue now can only join `late`."""

    assignee_id: int | None
    name: str | None
    open: int
    overdue: int
    due_this_week: int
    answered: int
    on_time: int
    with_deadline: int

    @property
    def late(self) -> int:
        return self.with_deadline - self.on_time


def workload(period: Period, now: datetime, current: Now | None = None) -> list[Workload]:
    """Per assignee: open and overdue now; answered in the period and how many on time.

    The open half comes from `open_now`'s pass (pass it as `current` when already read); the
    answered half walks the closing-date range once.
    """
    current = current or open_now(now)
    return people(answered_per_assignee(period), current)


def answered_per_assignee(period: Period) -> dict[int | None, tuple[int, int, int]]:
    """assignee id → (answered in the period, on time, with a deadline)."""
    rows = db.session.execute(
        sa.select(DataRequest.assignee_id, sa.func.count(), _count_if(on_time_condition()),
                  _count_if(DataRequest.due_at.is_not(None)))
        .where(_within(DataRequest.closed_at, period), DataRequest.status.in_(ANSWERED))
        .group_by(DataRequest.assignee_id))
    return {assignee: (int(count), int(on_time), int(with_deadline)) for assignee, count, on_time, with_deadline in rows}


def people(answered: dict[int | None, tuple[int, int, int]], current: Now) -> list[Workload]:
    """The workload table: the live open figures beside the period's answered ones."""
    assignees = set(current.per_assignee) | set(answered)
    ids = [assignee for assignee in assignees if assignee is not None]
    names = dict(db.session.execute(sa.select(StaffUser.id, StaffUser.name).where(StaffUser.id.in_(ids))).all()) if ids else {}
    rows = [Workload(assignee, names.get(assignee), *current.per_assignee.get(assignee, (0, 0, 0)),
                     *answered.get(assignee, (0, 0, 0))) for assignee in assignees]
    return sorted(rows, key=lambda row: (row.name is None, row.name or "", row.assignee_id or 0))
