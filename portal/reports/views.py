"""/staff/reports: the manager dashboard, the request register CSV and CCPA §7102 metrics.

Managers and admins only. Every view and every export is audited. The figures come from
`queries` (SQL aggregates; the period figures through the shared cache of `dashboard`); the CSVs stream from `exports`.
"""
from __future__ import annotations

from datetime import timedelta
from functools import partial

from flask import Blueprint, Response, flash, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _

from portal.casework.display import due, staff_names
from portal.casework.queue import at_risk_requests
from portal.common.time import JST, utcnow
from portal.dsr.delivery import count_undelivered
from portal.dsr.models import Jurisdiction, RequestType
from portal.dsr.status import RequestStatus
from portal.extensions import db
from portal.reports import charts, exports, services
from portal.reports.dashboard import figures as dashboard_figures
from portal.reports.forms import ccpa_years, period_from_args, year_from_args
from portal.reports.links import drill_link
from portal.staff.auth import current_staff, role_required
from portal.staff.login import staff_actor

bp = Blueprint("reports", __name__, url_prefix="/staff/reports")


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
    shown = dashboard_figures(period, now)
    today = now.astimezone(JST).date()
    weeks = shown.weeks
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
        period=period, now_figures=shown.now, by_type=shown.by_type, by_policy=shown.by_policy, weeks=weeks,
        volume_chart=volume_chart, on_time_chart=on_time_chart, workload=shown.workload,
        as_of=shown.as_of.astimezone(JST), today=today, week_end=today + timedelta(days=6 - today.weekday()),
        one_day=timedelta(days=1), year=year_from_args(request.args, now.astimezone(JST).date()),
        ccpa_years=ccpa_years(today),
        type_labels={t.value: t.staff_label for t in RequestType}, status_labels={s.value: s.label for s in RequestStatus},
        policy_labels={j.value: j.value.upper() for j in Jurisdiction},
        drill=partial(drill_link, url_for("staff.queue")),
        undelivered=count_undelivered(),  # live: each one is a requester still waiting for our answer
        at_risk=_at_risk_rows(now),  # live too: the list managers act on
    )
    html = render_template("reports/dashboard.html", **context)
    # Audited once the page is built (committing first would expire the staff user the page
    # header reads, costing a query); a failed commit still ends in an error page.
    services.record_viewed(period, actor=staff_actor(current_staff()))
    db.session.commit()
    return html


def _at_risk_rows(now) -> list[dict]:
    """The requests at risk now (references, types and deadlines only: no personal data)."""
    requests = at_risk_requests(now)
    names = staff_names({r.assignee_id for r in requests})
    return [{"reference": r.reference, "type": r.type.staff_label, "due": due(r, now),
             "due_on": r.due_at, "assignee": names.get(r.assignee_id) if r.assignee_id else None,
             "url": url_for("staff.request_page", reference=r.reference)} for r in requests]


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
