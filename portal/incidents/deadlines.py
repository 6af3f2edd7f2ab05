"""The two report deadlines of an incident, on the portal's deadline engine.

Enforcement Rules Art. 8: the preliminary report (速報) "promptly" after the company knows of
the incident — the Commission's guidelines read this as about 3 to 5 days; this portal's
default is 5 calendar days (`PORTAL_INCIDENT_PRELIMINARY_DAYS`), which a company may shorten —
and the final report (確報) within 30 days, or 60 when the incident may have been caused by an
act with a wrongful purpose (Art. 7(iii), e.g. unauthorised access). Days are counted like
every other deadline here (`portal.dsr.calendar`): the Japan date of discovery is day 0 and the
deadline ends at 23:59:59 Japan time of its last day; a weekend or holiday does not move it.
"""
from __future__ import annotations

from datetime import datetime

from flask import current_app, has_app_context

from portal.dsr.calendar import end_of_japan_day, japan_date
from portal.dsr.deadlines import add_period
from portal.dsr.models import PeriodUnit
from portal.incidents.models import IncidentCase

DEFAULT_PRELIMINARY_DAYS = 5
FINAL_DAYS = 30
FINAL_DAYS_WRONGFUL_PURPOSE = 60


def preliminary_days() -> int:
    if has_app_context():
        return int(current_app.config.get("PORTAL_INCIDENT_PRELIMINARY_DAYS", DEFAULT_PRELIMINARY_DAYS))
    return DEFAULT_PRELIMINARY_DAYS


def final_days(cases) -> int:
    return FINAL_DAYS_WRONGFUL_PURPOSE if IncidentCase.WRONGFUL_PURPOSE in set(cases) else FINAL_DAYS


def report_deadlines(discovered_at: datetime, cases) -> tuple[datetime | None, datetime | None]:
    """(preliminary, final) due for an incident discovered at `discovered_at`; (None, None) when
    no Art. 7 case applies, since then there is nothing to report."""
    cases = {IncidentCase(case) for case in cases or ()}
    if not cases:
        return None, None
    start = japan_date(discovered_at)
    preliminary = end_of_japan_day(add_period(start, preliminary_days(), PeriodUnit.CALENDAR_DAYS))
    final = end_of_japan_day(add_period(start, final_days(cases), PeriodUnit.CALENDAR_DAYS))
    return preliminary, final
