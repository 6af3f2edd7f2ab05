"""/staff/incidents: record a leak, follow its report deadlines, write and print the reports,
choose and notify the affected persons. Managers and administrators only: an incident is the
company's duty towards the Commission.

Views are thin: validate the form → one service of `portal.incidents` → flash → redirect; the
request commits. Every view of persons (the preview, the postal list) is audited by the service.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.common.choices import options
from portal.common.time import JST, utcnow
from portal.extensions import db
from portal.incident_pages.forms import AffectedForm, IncidentForm, ReportForm
from portal.incidents import affected, services
from portal.incidents.deadlines import preliminary_days
from portal.incidents.models import Incident, IncidentCase, IncidentReport, ReportKind
from portal.incidents.queries import reports_at_risk
from portal.incidents.reports import REPORT_ITEMS
from portal.inventory.labels import staff_category_name
from portal.inventory.models import Category, Source
from portal.staff.auth import current_staff, role_required
from portal.staff.login import staff_actor
from portal.verification.session import current_customer

bp = Blueprint("incidents", __name__, url_prefix="/staff/incidents")


@bp.context_processor
def _incident_words():
    return {"kinds": ReportKind, "now_utc": utcnow, "preliminary_days": preliminary_days()}


# ---- shown on other pages (the queue header, the person's "my data") -----------------------

@bp.app_template_global()
def incident_reports_at_risk():
    """For the queue's header: report deadlines due within two days or passed (managers only)."""
    if not (current_user.is_authenticated and getattr(current_user, "may", None) and current_user.may("manager")):
        return []
    return reports_at_risk()


@bp.app_template_global()
def leak_notices():
    """For "my data": the incidents the verified customer was notified of."""
    customer = current_customer()
    if customer is None or customer.person_id is None:
        return []
    return affected.notices_for_person(customer.person_id)


# ---- helpers ------------------------------------------------------------------------------

def _incident_or_404(incident_id: int) -> Incident:
    incident = db.session.get(Incident, incident_id)
    if incident is None:
        abort(404)
    return incident


def _actor():
    return staff_actor(current_staff())


def _perform(call, success: str) -> tuple[bool, object]:
    """Run one service: on refusal roll back and say why; else commit and say `success`."""
    try:
        result = call()
    except services.IncidentError as error:
        db.session.rollback()
        flash(error.message, "error")
        return False, None
    db.session.commit()
    flash(success, "success")
    return True, result


def _discovered_at(form: IncidentForm) -> datetime:
    return datetime.combine(form.discovered_date.data, form.discovered_time.data, tzinfo=JST)


def _affected_form(incident: Incident) -> AffectedForm:
    form = AffectedForm()
    form.source.choices = options([("", _("Any source"))] + [
        (key, f"{name} ({key})") for key, name in db.session.execute(
            sa.select(Source.key, Source.name_ja).order_by(Source.key))])
    form.category.choices = options([("", _("Any category"))] + [(c.value, staff_category_name(c)) for c in Category])
    if request.method == "GET":
        stored = affected.Selection.from_stored(incident.selection)
        if stored and stored.keys:
            form.mode.data, form.keys.data = "keys", "\n".join(stored.keys)
        elif stored:
            form.source.data, form.category.data, form.field.data = stored.source, stored.category, stored.field
            form.collected_from.data, form.collected_to.data = stored.collected_from, stored.collected_to
    return form


def _detail(incident: Incident, *, affected_form: AffectedForm | None = None, status: int = 200):
    reports = {report.kind: report for report in db.session.scalars(
        sa.select(IncidentReport).where(IncidentReport.incident_id == incident.id))}
    preview = affected.preview(incident, actor=_actor())
    db.session.commit()  # the audit entry of the preview
    return render_template(
        "incidents/detail.html", incident=incident, reports=reports, preview=preview,
        affected_form=affected_form or _affected_form(incident), report_items=REPORT_ITEMS,
        deliveries=affected.delivery_counts(incident) if incident.notified_at else {},
        cases=[IncidentCase(case) for case in incident.cases or ()]), status


# ---- pages --------------------------------------------------------------------------------

@bp.get("")
@role_required("manager")
def index():
    """Every incident, newest first, with its report deadlines."""
    incidents = list(db.session.scalars(sa.select(Incident).order_by(Incident.discovered_at.desc(),
                                                                      Incident.id.desc())))
    return render_template("incidents/index.html", incidents=incidents, at_risk=reports_at_risk())


@bp.route("/new", methods=["GET", "POST"])
@role_required("manager")
def new():
    form = IncidentForm()
    if form.validate_on_submit():
        done, incident = _perform(lambda: services.create_incident(
            title=form.title.data, description=form.description.data, discovered_at=_discovered_at(form),
            cases=form.cases.data, notice_text=form.notice_text.data, actor=_actor()), _("The incident is recorded."))
        if done:
            return redirect(url_for("incidents.detail", incident_id=incident.id))
    return render_template("incidents/form.html", form=form, incident=None), 400 if form.errors else 200


@bp.get("/<int:incident_id>")
@role_required("manager")
def detail(incident_id: int):
    return _detail(_incident_or_404(incident_id))


@bp.route("/<int:incident_id>/edit", methods=["GET", "POST"])
@role_required("manager")
def edit(incident_id: int):
    incident = _incident_or_404(incident_id)
    form = IncidentForm(obj=incident)
    if request.method == "GET":
        local = incident.discovered_at.astimezone(JST)
        form.discovered_date.data, form.discovered_time.data = local.date(), local.time().replace(second=0,
                                                                                                  microsecond=0)
        form.cases.data = list(incident.cases or ())
    if form.validate_on_submit():
        done, _changed = _perform(lambda: services.update_incident(
            incident, title=form.title.data, description=form.description.data, discovered_at=_discovered_at(form),
            cases=form.cases.data, notice_text=form.notice_text.data, actor=_actor()), _("The incident is saved."))
        if done:
            return redirect(url_for("incidents.detail", incident_id=incident.id))
    return render_template("incidents/form.html", form=form, incident=incident), 400 if form.errors else 200


@bp.post("/<int:incident_id>/affected")
@role_required("manager")
def choose_affected(incident_id: int):
    incident = _incident_or_404(incident_id)
    form = _affected_form(incident)
    if not form.validate_on_submit():
        return _detail(incident, affected_form=form, status=400)
    if form.mode.data == "keys":
        selection = affected.Selection(keys=affected.parse_keys(form.keys.data or ""))
    else:
        selection = affected.Selection(source=form.source.data or None, category=form.category.data or None,
                                       field=form.field.data or None, collected_from=form.collected_from.data,
                                       collected_to=form.collected_to.data)
    done, _result = _perform(lambda: affected.choose_affected(incident, selection, actor=_actor()),
                             _("The choice of affected persons is saved. Check the count and the first names below."))
    if not done:
        return _detail(incident, affected_form=form, status=400)
    return redirect(url_for("incidents.detail", incident_id=incident.id, _anchor="affected"))


@bp.route("/<int:incident_id>/report", methods=["GET", "POST"])
@role_required("manager")
def report(incident_id: int):
    """Write the report: every item of the Commission's form."""
    incident = _incident_or_404(incident_id)
    form = ReportForm(data=incident.report_draft or {})
    if form.validate_on_submit():
        services.save_report_draft(incident, {key: getattr(form, key).data for key in REPORT_ITEMS},
                                   actor=_actor())
        db.session.commit()
        flash(_("The report text is saved."), "success")
        return redirect(url_for("incidents.detail", incident_id=incident.id, _anchor="report"))
    return render_template("incidents/report_form.html", form=form, incident=incident,
                           report_items=REPORT_ITEMS), 400 if form.errors else 200


@bp.post("/<int:incident_id>/report/<any(preliminary, final):report>/submit")
@role_required("manager")
def submit_report(incident_id: int, report: str):
    """Record the report as submitted to the Commission: its text is fixed as this version."""
    incident = _incident_or_404(incident_id)
    kind = ReportKind(report)
    _perform(lambda: services.submit_report(incident, kind, persons_count=affected.count_affected(incident),
                                            actor=_actor()),
             _("Recorded: %(report)s submitted.", report=kind.label))
    return redirect(url_for("incidents.detail", incident_id=incident.id, _anchor="report"))


@bp.get("/<int:incident_id>/report/<any(preliminary, final):report>/print")
@role_required("manager")
def print_report(incident_id: int, report: str):
    """The report to print (or copy into the Commission's form): the submitted version, else the draft."""
    incident = _incident_or_404(incident_id)
    kind = ReportKind(report)
    submitted = db.session.scalar(sa.select(IncidentReport).where(IncidentReport.incident_id == incident.id,
                                                                  IncidentReport.kind == kind))
    items = submitted.items if submitted else (incident.report_draft or {})
    return render_template("incidents/report_print.html", incident=incident, kind=kind, submitted=submitted,
                           items=items, report_items=REPORT_ITEMS,
                           cases=[IncidentCase(case) for case in incident.cases or ()])


@bp.post("/<int:incident_id>/notify")
@role_required("manager")
def notify(incident_id: int):
    """Fix the affected persons and notify them (mail through the outbox, the others by post)."""
    incident = _incident_or_404(incident_id)
    try:
        counts = affected.notify_affected(incident, actor=_actor())
    except services.IncidentError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("Notified: %(email)s by mail, %(post)s to receive a letter.", email=counts["email"],
                post=counts["post"]), "success")
    return redirect(url_for("incidents.detail", incident_id=incident.id, _anchor="notification"))


@bp.get("/<int:incident_id>/postal-list")
@role_required("manager")
def postal_list(incident_id: int):
    """Names and addresses of those to be told by letter, to print."""
    incident = _incident_or_404(incident_id)
    rows = affected.postal_list(incident, actor=_actor())
    db.session.commit()
    return render_template("incidents/postal_list.html", incident=incident, rows=rows)


@bp.post("/<int:incident_id>/posted")
@role_required("manager")
def posted(incident_id: int):
    incident = _incident_or_404(incident_id)
    count = affected.mark_posted(incident, actor=_actor())
    db.session.commit()
    flash(_("Recorded: %(count)s letters posted.", count=count), "success")
    return redirect(url_for("incidents.detail", incident_id=incident.id, _anchor="notification"))
