"""The dashboard's figures against a small dataset computed by hand."""
from __future__ import annotations

from datetime import date


import sqlalchemy as sa

from portal.audit.services import Actor
from portal.dsr.models import DataRequest
from portal.dsr.status import RequestStatus
from portal.dsr.workflow import move
from portal.extensions import db
from portal.reports import queries
from portal.reports.summary import Period, summary_figures
from tests.fixtures.reports import jst

OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31))


def test_figures_per_request_type_match_the_hand_computed_ones(app_ctx, october):
    rows = {row.key: row for row in queries.breakdown(OCTOBER, "type").rows}
    disclosure, erasure = rows["disclosure"], rows["erasure"]
    assert (disclosure.received, disclosure.completed, disclosure.rejected, disclosure.withdrawn) == (3, 3, 1, 0)
    assert disclosure.median_days == 12.0  # days 1, 4, 20, 28
    assert disclosure.p90_days == 25.6     # 20 + 0.7 × (28 − 20)
    assert disclosure.on_time_share == 0.75
    assert (erasure.received, erasure.completed, erasure.withdrawn) == (3, 1, 1)
    assert (erasure.median_days, erasure.p90_days, erasure.on_time_share) == (20.0, 20.0, 1.0)
    assert rows["correction"].received == 0 and rows["correction"].median_days is None


def test_totals_and_policies_include_extensions_and_pauses(app_ctx, october):
    by_policy = queries.breakdown(OCTOBER, "jurisdiction")
    total = by_policy.total
    assert (total.received, total.completed, total.rejected, total.withdrawn) == (6, 4, 1, 1)
    assert total.median_days == 20.0 and total.p90_days == 24.8  # days 1, 4, 20, 20, 28
    assert total.on_time_share == 0.8
    rows = {row.key: row for row in by_policy.rows}
    assert rows["ccpa"].on_time_share == 1.0 and rows["ccpa"].received == 2
    assert rows["gdpr"].with_deadline == 0 and rows["gdpr"].on_time_share is None


def test_open_now_counts_overdue_due_today_this_week_and_unassigned(app_ctx, add_request):
    now = jst("2026-10-14 12:00")  # a Wednesday
    add_request(received="2026-10-01 10:00", due="2026-10-13 23:59")             # overdue
    add_request(received="2026-10-01 10:00", due="2026-10-14 23:59", assignee_id=1)  # due today
    add_request(received="2026-10-01 10:00", due="2026-10-18 23:59")             # this week (Sunday)
    add_request(received="2026-10-01 10:00", due="2026-10-19 00:30")             # next week
    add_request(received="2026-10-01 10:00", status="received")                  # not verified, no due date
    add_request(received="2026-10-01 10:00", closed="2026-10-02 10:00", due="2026-10-03 23:59")
    figures = queries.open_now(now)
    assert (figures.total, figures.overdue, figures.due_today, figures.due_this_week, figures.unassigned) == (5, 1, 1, 2, 4)
    assert figures.by_status["received"] == 1 and figures.by_status["in_progress"] == 4


def test_weekly_volume_and_on_time_share(app_ctx, october):
    weeks = queries.weekly(jst("2026-10-31 12:00"))
    assert len(weeks) == 26 and weeks[-1].start == date(2026, 10, 26)
    assert sum(week.received for week in weeks) == 7
    first_october_week = next(week for week in weeks if week.start == date(2026, 9, 28))
    assert first_october_week.received == 5  # 1 and 1 (23:30 Japan time), 2, 2 (CCPA) and 3 October
    last = weeks[-1]
    assert (last.answered, last.on_time, last.on_time_share) == (1, 0, 0.0)


def test_workload_per_assignee(app_ctx, add_request, create_staff):
    agent = create_staff("agent", name="担当 一郎")
    add_request(received="2026-10-01 10:00", due="2026-10-02 23:59", assignee_id=agent.id)
    add_request(received="2026-10-01 10:00", closed="2026-10-05 10:00", due="2026-10-04 23:59", assignee_id=agent.id)
    add_request(received="2026-10-01 10:00", due="2026-12-02 23:59")
    rows = {row.name: row for row in queries.workload(OCTOBER, jst("2026-10-20 12:00"))}
    mine = rows["担当 一郎"]
    assert (mine.open, mine.overdue, mine.answered, mine.on_time_share) == (1, 1, 1, 0.0)
    assert rows[None].open == 1


def test_an_empty_database_gives_zeros(app_ctx):
    breakdown = queries.breakdown(OCTOBER, "type")
    assert breakdown.total.received == 0 and breakdown.total.median_days is None
    assert queries.open_now(jst("2026-10-14 12:00")).total == 0
    assert all(week.received == 0 for week in queries.weekly(jst("2026-10-14 12:00")))


def test_api_summary_median_agrees_with_the_dashboard(app_ctx, october):
    assert summary_figures(OCTOBER)["median_days_to_answer"] == queries.breakdown(OCTOBER, "type").total.median_days


def test_overdue_now_and_on_time_later_cannot_disagree_about_a_paused_request(app_ctx, add_request, create_staff):
    """They used to: a request paused (waiting for the requester) before its due date was counted
    overdue once that date passed, then on time once the requester answered and it was
    completed (resuming moves the date by the pause). Overdue now uses the clock "on time" uses."""
    agent = create_staff("agent", name="担当 二郎")
    paused = add_request(received="2026-10-01 10:00", due="2026-10-15 23:59", paused="2026-10-10 10:00",
                         status="awaiting_requester", assignee_id=agent.id)
    late = add_request(received="2026-10-01 10:00", due="2026-10-12 23:59", assignee_id=agent.id)
    add_request(received="2026-10-01 10:00", due="2026-10-22 23:59", assignee_id=agent.id)  # due this week

    now = jst("2026-10-20 12:00")  # a Tuesday: the paused one's date has passed, its clock stands still
    assert queries.open_now(now).overdue == 1
    assert summary_figures(OCTOBER, now=now)["open_now"]["overdue"] == 1
    mine = next(row for row in queries.workload(OCTOBER, now) if row.name == "担当 二郎")
    assert (mine.open, mine.overdue, mine.due_this_week) == (3, 1, 1)

    requests = {r.reference: r for r in db.session.scalars(sa.select(DataRequest).where(
        DataRequest.reference.in_([paused, late])))}
    move(requests[paused], RequestStatus.IN_PROGRESS, actor=Actor.system(), now=jst("2026-10-21 09:00"))
    assert requests[paused].due_at > jst("2026-10-22 10:00")  # moved by the eleven days it stood still
    for reference in (paused, late):
        move(requests[reference], RequestStatus.COMPLETED, actor=Actor.system(), now=jst("2026-10-22 10:00"))
    db.session.commit()

    mine = next(row for row in queries.workload(OCTOBER, jst("2026-10-22 12:00")) if row.name == "担当 二郎")
    # The one counted overdue ended late; the paused one, never counted overdue, ended on time.
    assert (mine.answered, mine.late, mine.on_time, mine.on_time_share) == (2, 1, 1, 0.5)
    assert (mine.open, mine.overdue) == (1, 0)
