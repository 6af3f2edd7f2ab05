"""Counting days for legal deadlines: calendar days, Japanese business days and months.

The counting rule, used everywhere a deadline is computed:
- the clock starts when the request is verified, and the day it starts (in Japan time) is
  day 0 — "14 days" from a request verified on 1 April ends on 15 April;
- a deadline ends at 23:59:59 Japan time of its last day and is stored as UTC;
- business days skip Saturdays, Sundays and Japanese public holidays (including 振替休日
  and 国民の休日) as maintained by the `holidays` package, so no one has to type next
  year's holidays in. Company closures such as 年末年始 are not public holidays and count;
- a calendar-day deadline that ends on a weekend or holiday is not moved (moving it later
  would give us more time than the law does).
"""
from __future__ import annotations

import calendar as _calendar
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache

import holidays

from portal.common.time import JST

END_OF_DAY = time(23, 59, 59)


@lru_cache(maxsize=None)
def _japanese_holidays(year: int) -> frozenset[date]:
    # One immutable set per year: cheap to share between threads, built once per process.
    return frozenset(holidays.Japan(years=year).keys())


def is_business_day(day: date) -> bool:
    """Monday to Friday and not a Japanese public holiday."""
    return day.weekday() < 5 and day not in _japanese_holidays(day.year)


def add_calendar_days(start: date, days: int) -> date:
    return start + timedelta(days=days)


def add_business_days(start: date, days: int) -> date:
    """The `days`-th business day after `start` (`start` itself is day 0, whatever it is)."""
    if days < 0:
        raise ValueError("add_business_days counts forward only")
    day = start
    while days:
        day += timedelta(days=1)
        if is_business_day(day):
            days -= 1
    return day


def business_days_between(start: date, end: date) -> int:
    """How many business days lie after `start` up to and including `end`."""
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_business_day(day):
            count += 1
    return count


def add_months(start: date, months: int) -> date:
    """The same day `months` later; a day the month lacks becomes its last day (31 Jan → 28/29 Feb)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    last_day = _calendar.monthrange(year, month)[1]
    return date(year, month, min(start.day, last_day))


def japan_date(moment: datetime) -> date:
    """The date in Japan at `moment` (an aware datetime)."""
    if moment.tzinfo is None:
        raise ValueError("japan_date needs a timezone-aware datetime")
    return moment.astimezone(JST).date()


def end_of_japan_day(day: date) -> datetime:
    """23:59:59 Japan time on `day`, as an aware UTC datetime (how deadlines are stored)."""
    return datetime.combine(day, END_OF_DAY, tzinfo=JST).astimezone(timezone.utc)
