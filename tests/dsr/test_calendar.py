"""Day counting for deadlines. Expected dates are worked out by hand from the 2026/27 calendars."""
from datetime import date, datetime, timezone

import pytest

from portal.dsr.calendar import (
    add_business_days,
    add_months,
    business_days_between,
    end_of_japan_day,
    is_business_day,
    japan_date,
)


@pytest.mark.parametrize(
    "start, months, expected",
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),  # no 31 February: the month's last day
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap year
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 11, 30), 2, date(2027, 1, 30)),  # across the year end
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 4, 28), 12, date(2027, 4, 28)),
    ],
)
def test_adding_months_keeps_the_day_or_takes_the_months_last_day(start, months, expected):
    assert add_months(start, months) == expected


def test_golden_week_holidays_and_the_substitute_holiday_are_not_business_days():
    # 2026: 29 Apr 昭和の日 (Wed), 3 May 憲法記念日 (Sun), 4–5 May, 6 May 振替休日 (Wed).
    for day in (date(2026, 4, 29), date(2026, 5, 4), date(2026, 5, 5), date(2026, 5, 6)):
        assert not is_business_day(day), day
    assert is_business_day(date(2026, 4, 30))
    assert is_business_day(date(2026, 5, 7))


def test_ten_business_days_from_just_before_golden_week():
    # From Tue 28 Apr: 30 Apr (1), 1 May (2), 7 (3), 8 (4), 11 (5), 12 (6), 13 (7), 14 (8),
    # 15 (9), Mon 18 May (10) — skipping 29 Apr, 2–6 May, 9–10 and 16–17 May.
    assert add_business_days(date(2026, 4, 28), 10) == date(2026, 5, 18)


def test_ten_business_days_over_the_new_year():
    # From Mon 28 Dec 2026: 29 (1), 30 (2), 31 (3), [1 Jan holiday, 2–3 weekend], 4 (4), 5 (5),
    # 6 (6), 7 (7), 8 (8), [9–10 weekend, 11 Jan 成人の日], 12 (9), Wed 13 Jan 2027 (10).
    # 年末年始 closures are company custom, not public holidays, so 29–31 Dec count.
    assert add_business_days(date(2026, 12, 28), 10) == date(2027, 1, 13)


def test_the_start_day_is_day_zero_even_when_it_is_a_holiday():
    assert add_business_days(date(2026, 5, 3), 1) == date(2026, 5, 7)
    assert add_business_days(date(2026, 5, 3), 0) == date(2026, 5, 3)


def test_business_days_between_counts_after_the_first_day_up_to_the_last():
    # 28 Apr → 8 May 2026: 30 Apr, 1 May, 7 May, 8 May.
    assert business_days_between(date(2026, 4, 28), date(2026, 5, 8)) == 4
    assert business_days_between(date(2026, 5, 8), date(2026, 5, 8)) == 0


def test_a_deadline_ends_at_one_second_before_midnight_in_japan_stored_in_utc():
    assert end_of_japan_day(date(2026, 4, 15)) == datetime(2026, 4, 15, 14, 59, 59, tzinfo=timezone.utc)


def test_the_japan_date_changes_at_midnight_japan_time_not_utc():
    assert japan_date(datetime(2026, 4, 1, 14, 59, tzinfo=timezone.utc)) == date(2026, 4, 1)
    assert japan_date(datetime(2026, 4, 1, 15, 0, tzinfo=timezone.utc)) == date(2026, 4, 2)
