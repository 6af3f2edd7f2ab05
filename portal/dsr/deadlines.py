"""Due dates from a policy: when they are first set, extended, and moved by a pause.

See `portal.dsr.calendar` for how days are counted. Pauses (waiting for the requester under
a policy that allows it) move the due date by the days the clock stood still:
- calendar-day and month policies: by the number of calendar days between the Japan date the
  pause began and the Japan date it ended (a pause begun and ended on one day moves nothing —
  the day was partly worked, and rounding towards the person is the safe side);
- business-day policies: by the number of business days after the pause's first day up to
  and including its last day, added as business days — a pause over a weekend costs nothing.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Protocol


from portal.dsr.calendar import (
    add_business_days,
    add_calendar_days,
    add_months,
    business_days_between,
    end_of_japan_day,
    japan_date,
)
from portal.dsr.models import PeriodUnit


class Rules(Protocol):
    response_period: int
    response_unit: PeriodUnit
    acknowledge_period: int | None
    acknowledge_unit: PeriodUnit | None
    extension_period: int | None
    extension_unit: PeriodUnit | None
    pause_when_waiting: bool


def add_period(start: date, amount: int, unit: PeriodUnit | str) -> date:
    unit = PeriodUnit(unit)
    if unit is PeriodUnit.CALENDAR_DAYS:
        return add_calendar_days(start, amount)
    if unit is PeriodUnit.BUSINESS_DAYS:
        return add_business_days(start, amount)
    return add_months(start, amount)



def compute_due(policy: Rules, verified_at: datetime) -> tuple[datetime | None, datetime]:
    """(acknowledge_due_at, due_at) for a request whose clock starts at `verified_at`."""
    start = japan_date(verified_at)
    acknowledge_due = None
    if policy.acknowledge_period:
        acknowledge_due = end_of_japan_day(add_period(start, policy.acknowledge_period, policy.acknowledge_unit))
    due = end_of_japan_day(add_period(start, policy.response_period, policy.response_unit))
    return acknowledge_due, due


def extended_due(policy: Rules, due_at: datetime, amount: int) -> datetime:
    """The due date moved `amount` of the policy's extension unit later.

    The extension counts from the current due date. For months this is never later than
    counting from the start (31 Jan → 28 Feb → 28 Apr rather than 30 Apr): the safe side.
    """
    if not policy.extension_period or not policy.extension_unit:
        raise ValueError("this policy allows no extension")
    if not 1 <= amount <= policy.extension_period:
        raise ValueError(f"extension must be between 1 and {policy.extension_period}")
    return end_of_japan_day(add_period(japan_date(due_at), amount, policy.extension_unit))


def days_paused(policy: Rules, paused_at: datetime, resumed_at: datetime) -> int:
    """How many days (business days under a business-day policy) the clock stood still."""
    first, last = japan_date(paused_at), japan_date(resumed_at)
    if last <= first:
        return 0
    if policy.response_unit is PeriodUnit.BUSINESS_DAYS:
        return business_days_between(first, last)
    return (last - first).days


def resumed_due(policy: Rules, due_at: datetime, paused_at: datetime, resumed_at: datetime) -> datetime:
    """The due date after a pause from `paused_at` to `resumed_at` (see the module docstring)."""
    days = days_paused(policy, paused_at, resumed_at)
    if days == 0:
        return due_at
    unit = PeriodUnit.BUSINESS_DAYS if policy.response_unit is PeriodUnit.BUSINESS_DAYS else PeriodUnit.CALENDAR_DAYS
    return end_of_japan_day(add_period(japan_date(due_at), days, unit))
