"""Audit entries for reports: who looked at which figures and who took which CSV away.

The details hold the period and the kind of export only, never any requester's data.
"""
from __future__ import annotations

from portal.audit.services import Actor, record
from portal.reports.summary import Period


def record_viewed(period: Period, *, actor: Actor) -> None:
    record("reports.viewed", actor=actor, target_type="report", target_id="dashboard",
           details={"from": period.start.isoformat(), "to": period.end.isoformat()})


def record_exported(kind: str, *, actor: Actor, period: Period | None = None, year: int | None = None) -> None:
    details = {"export": kind}
    if period is not None:
        details |= {"from": period.start.isoformat(), "to": period.end.isoformat()}
    if year is not None:
        details["year"] = year
    record("reports.exported", actor=actor, target_type="report", target_id=kind, details=details)
