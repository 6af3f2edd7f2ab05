"""The period a report covers, read from `?from=YYYY-MM-DD&to=YYYY-MM-DD` (Japan dates).

Never an error page: a malformed or out-of-range period is explained and the default used.
"""
from __future__ import annotations

from datetime import date, timedelta

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from portal.common.time import parse_date
from portal.reports.summary import Period

DEFAULT_DAYS = 90
MAX_DAYS = 2 * 366
EARLIEST = date(2000, 1, 1)


def default_period(today: date) -> Period:
    return Period(today - timedelta(days=DEFAULT_DAYS - 1), today)


def period_from_args(args: MultiDict, today: date) -> tuple[Period, str | None]:
    """(the period asked for, None) or (the default period, why the request was not used)."""
    raw_from, raw_to = (args.get("from") or "").strip(), (args.get("to") or "").strip()
    if not raw_from and not raw_to:
        return default_period(today), None
    try:
        end = parse_date(raw_to) if raw_to else today
        start = parse_date(raw_from) if raw_from else end - timedelta(days=DEFAULT_DAYS - 1)
    except ValueError:
        return default_period(today), _("Dates must be written as YYYY-MM-DD. Showing the last 90 days instead.")
    if start > end:
        return default_period(today), _("The period starts after it ends. Showing the last 90 days instead.")
    if (end - start).days >= MAX_DAYS:
        return default_period(today), _("A period may be at most two years. Showing the last 90 days instead.")
    if start < EARLIEST or end > today + timedelta(days=366):
        return default_period(today), _("That period is out of range. Showing the last 90 days instead.")
    return Period(start, end), None


def year_from_args(args: MultiDict, today: date) -> int:
    """The calendar year for the CCPA metrics: as asked if sensible, else last year."""
    raw = (args.get("year") or "").strip()
    if raw.isdigit() and EARLIEST.year <= int(raw) <= today.year:
        return int(raw)
    return today.year - 1


def ccpa_years(today: date, count: int = 6) -> list[int]:
    """The calendar years offered for the CCPA §7102 metrics: this year (so far) and the five before."""
    return list(range(today.year, max(EARLIEST.year, today.year - count + 1) - 1, -1))
