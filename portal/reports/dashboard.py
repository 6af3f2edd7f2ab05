"""What the dashboard shows: live figures about what is open now, and the period's figures
read through the shared cache (`portal.reports.cache`), with the time they were computed.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime

from portal.common.time import JST
from portal.reports import cache, queries
from portal.reports.summary import Period


@dataclass(frozen=True)
class Dashboard:
    now: queries.Now
    by_type: queries.Breakdown
    by_policy: queries.Breakdown
    weeks: list[queries.Week]
    workload: list[queries.Workload]
    as_of: datetime  # when the period figures were computed


def figures(period: Period, now: datetime) -> Dashboard:
    current = queries.open_now(now)  # live: never cached
    today = now.astimezone(JST).date()
    # The weeks depend on today's date, so it is part of the key.
    key = f"dashboard:{period.start.isoformat()}:{period.end.isoformat()}:{today.isoformat()}"
    stored, as_of = cache.figures(key, lambda: _period_figures(period, now), now=now)
    answered = {None if key == "none" else int(key): tuple(values) for key, values in stored["answered"].items()}
    return Dashboard(
        now=current, by_type=_breakdown(stored["type"]), by_policy=_breakdown(stored["jurisdiction"]),
        weeks=[queries.Week(date.fromisoformat(week["start"]), week["received"], week["answered"], week["on_time"],
                            week["with_deadline"]) for week in stored["weeks"]],
        workload=queries.people(answered, current), as_of=as_of)


def _period_figures(period: Period, now: datetime) -> dict:
    """The period's figures as JSON-ready values (counts and days only)."""
    breakdowns = queries.breakdowns(period)
    return {
        "type": _plain(breakdowns["type"]), "jurisdiction": _plain(breakdowns["jurisdiction"]),
        "weeks": [asdict(week) | {"start": week.start.isoformat()} for week in queries.weekly(now)],
        "answered": {("none" if assignee is None else str(assignee)): list(values)
                     for assignee, values in queries.answered_per_assignee(period).items()},
    }


def _plain(breakdown: queries.Breakdown) -> dict:
    return {"rows": [asdict(row) for row in breakdown.rows], "total": asdict(breakdown.total)}


def _breakdown(stored: dict) -> queries.Breakdown:
    return queries.Breakdown([queries.Row(**row) for row in stored["rows"]], queries.Row(**stored["total"]))
