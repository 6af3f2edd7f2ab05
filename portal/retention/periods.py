"""The configured retention periods, read in one place so the notice and the jobs agree."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app

from portal.dsr.decisions.packages import VALID_FOR


@dataclass(frozen=True)
class Periods:
    authority_days: int
    request_years: int
    provision_years: int
    package_days: int


def periods() -> Periods:
    config = current_app.config
    return Periods(
        authority_days=int(config["PORTAL_RETENTION_AUTHORITY_DAYS"]),
        request_years=int(config["PORTAL_RETENTION_REQUEST_YEARS"]),
        provision_years=int(config["PORTAL_RETENTION_PROVISION_YEARS"]),
        package_days=VALID_FOR.days,
    )


def years_before(moment: datetime | date, years: int):
    """The same calendar day `years` earlier; 29 February falls back to the 28th."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return (moment - timedelta(days=1)).replace(year=moment.year - years)
