"""/api/v1/reports/summary: the manager dashboard's figures for a period."""
from __future__ import annotations

from datetime import date, timedelta

from portal.api.auth import token_required
from portal.api.operations import Result, api_route
from portal.api.problems import ApiProblem, parameter_error
from portal.api.schemas import query
from portal.common.time import JST, utcnow
from portal.reports.summary import Period, summary_figures

DEFAULT_DAYS = 30
MAX_DAYS = 3 * 366
DATE = {"type": "string", "format": "date"}


def _period(args: dict) -> Period:
    today = utcnow().astimezone(JST).date()
    end = date.fromisoformat(args["to"]) if "to" in args else today
    start = date.fromisoformat(args["from"]) if "from" in args else end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise ApiProblem("invalid-parameter", "The period starts after it ends.",
                         errors=[parameter_error("from", "must not be after `to`")])
    if (end - start).days >= MAX_DAYS:
        raise ApiProblem("invalid-parameter", f"A period may be at most {MAX_DAYS} days.",
                         errors=[parameter_error("from", f"must be less than {MAX_DAYS} days before `to`")])
    return Period(start, end)


@api_route("GET", "/reports/summary", tag="Reports", summary="The dashboard's figures for a period",
           params=[query("from", DATE, f"First Japan date of the period (default: {DEFAULT_DAYS} days before `to`)."),
                   query("to", DATE, "Last Japan date of the period, included (default: today).")],
           responses={200: "ReportSummary"})
@token_required("reports:read")
def reports_summary(query: dict):
    return Result(summary_figures(_period(query)))
