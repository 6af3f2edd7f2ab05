"""/staff/reports: the manager dashboard, the request register CSV and CCPA §7102 metrics.

Managers and admins only. Every view and every export is audited. The figures come from
`queries` (SQL aggregates); the CSVs stream from `exports`.
"""
from __future__ import annotations

from flask import Blueprint, Response, flash, render_template, request, stream_with_context
from flask_babel import gettext as _

from portal.common.time import JST, utcnow
from portal.dsr.models import Jurisdiction, RequestType
from portal.dsr.status import RequestStatus
from portal.extensions import db
from portal.reports import charts, exports, queries, services
from portal.reports.forms import period_from_args, year_from_args
from portal.staff.auth import current_staff, role_required
from portal.staff.login import staff_actor

bp = Blueprint("reports", __name__, url_prefix="/staff/reports")


@bp.after_request
def _never_cache(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _period():
    period, problem = period_from_args(request.args, utcnow().astimezone(JST).date())
    if problem:
        flash(problem, "warning")
    return period


@bp.get("")
@role_required("manager")
def dashboard():
    """Deadlines at risk now, the period's figures per type and policy, trends, workload."""
    now = utcnow()
    period = _period()
    weeks = queries.weekly(now)
    labels = [f"{week.start:%m/%d}" for week in weeks]
    volume_chart = charts.bar_chart(
        "chart-volume", title=_("Requests received per week"),
        desc=_("Requests received in each of the last 26 weeks (week starting Monday); the numbers are in the table below."),
        labels=labels, values=[week.received for week in weeks])
    on_time_chart = charts.share_chart(
        "chart-on-time", title=_("Share answered on time per week"),
        desc=_("Of the requests answered each week, the share answered by their due date; weeks without answers are left out."),
        labels=labels, shares=[week.on_time_share for week in weeks])
    context = dict(
        period=period, now_figures=queries.open_now(now), by_type=queries.breakdown(period, "type"),
        by_policy=queries.breakdown(period, "jurisdiction"), weeks=weeks, volume_chart=volume_chart,
        on_time_chart=on_time_chart, workload=queries.workload(period, now), year=year_from_args(request.args, now.astimezone(JST).date()),
        type_labels={t.value: t.label for t in RequestType}, status_labels={s.value: s.label for s in RequestStatus},
        policy_labels={j.value: j.value.upper() for j in Jurisdiction},
    )
    services.record_viewed(period, actor=staff_actor(current_staff()))
    db.session.commit()
    return render_template("reports/dashboard.html", **context)


def _csv(chunks, filename: str) -> Response:
    response = Response(stream_with_context(chunks), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/register.csv")
@role_required("manager")
def register_csv():
    """Every request received in the period, by reference, streamed in batches."""
    period = _period()
    services.record_exported("register", period=period, actor=staff_actor(current_staff()))
    db.session.commit()
    return _csv(exports.register_chunks(period), f"register-{period.start:%Y%m%d}-{period.end:%Y%m%d}.csv")


@bp.get("/ccpa-7102.csv")
@role_required("manager")
def ccpa_csv():
    """The CCPA §7102 metrics of a calendar year (default: last year)."""
    year = year_from_args(request.args, utcnow().astimezone(JST).date())
    services.record_exported("ccpa_7102", year=year, actor=staff_actor(current_staff()))
    db.session.commit()
    return _csv(exports.ccpa_chunks(year), f"ccpa-7102-{year}.csv")
