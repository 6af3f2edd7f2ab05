"""The queue (/staff/, the staff area's landing page), claiming, and bulk assignment."""
from __future__ import annotations

from datetime import datetime

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from portal.casework import display, forms, services
from portal.casework.page import assignee_choices
from portal.casework.queue import COUNT_CAP, ID, QueueFilters, capped_count, conditions, count_at_risk, read_page
from portal.common.time import utcnow
from portal.customer.masking import mask_email
from portal.dsr import approvals, delivery
from portal.dsr.models import Jurisdiction, RequestType
from portal.dsr.notifications import notify_requester
from portal.dsr.staff_notices import notify_staff
from portal.dsr.status import RequestStatus
from portal.extensions import db
from portal.staff import auth
from portal.staff.area import safe_staff_next
from portal.staff.auth import current_staff, role_required, staff_required
from portal.staff.blueprint import bp
from portal.staff.login import staff_actor
from portal.staff.models import StaffRole


def back_to(default: str) -> str:
    """Where a form asked to return to: only a path inside the staff area (no open redirect)."""
    return safe_staff_next(request.form.get("next")) or default


def notify(change) -> None:
    """Queue the mails about a staff action, in the action's transaction (before the commit, so
    they go out only if the change is saved): the requester's, and the assignee's when a colleague
    assigned the request to them (`notify_staff`); internal changes send the requester nothing."""
    notify_requester(change)
    notify_staff(change)


def intake_url() -> str | None:
    """The staff intake form, when that feature is installed."""
    return url_for("intake.new_request") if "intake.new_request" in current_app.view_functions else None


@bp.get("/")
@staff_required
def queue():
    """Open requests, the nearest legal deadline first, with filters, search and keyset pages."""
    user = current_staff()
    now = utcnow()
    filters, problem = QueueFilters.read(request.args)
    if problem:
        flash(problem, "warning")
    restricted = services.sees_only_own_or_free(user)
    page = read_page(filters, viewer_id=user.id, now=now, after=request.args.get("after"),
                     before=request.args.get("before"), only_own_or_free=restricted)
    mine, mine_capped = capped_count(conditions(QueueFilters(assignee="me"), viewer_id=user.id, now=now))
    at_risk, at_risk_capped = count_at_risk(now, viewer_id=user.id, only_own_or_free=restricted)
    manager = user.may(StaffRole.MANAGER)
    staff = services.active_staff()
    names = {member.id: member.name for member in staff}
    names |= display.staff_names({r.assignee_id for r in page.requests} - names.keys())  # former colleagues
    previous = session.get(auth.PREVIOUS_LOGIN_KEY)
    previous = datetime.fromisoformat(previous) if previous else None
    html = render_template(
        "casework/queue.html", user=user, page=page, filters=filters, now=now, manager=manager,
        restricted=restricted, mine=mine, mine_capped=mine_capped, count_cap=COUNT_CAP,
        names=names, rows=display.queue_rows(page.requests, now, delivery.requests_with_undelivered(
            r.id for r in page.requests), approvals.requests_pending(r.id for r in page.requests)),
        jurisdiction_name=display.jurisdiction_name, awaiting_approval=approvals.count_pending(),
        statuses=list(RequestStatus), types=list(RequestType), jurisdictions=list(Jurisdiction),
        staff=staff, bulk_choices=assignee_choices(staff), previous_login=previous, mask_email=mask_email,
        at_risk=at_risk, at_risk_capped=at_risk_capped, chips=display.filter_chips(filters, names),
        more_filters_open=filters.folded_in_use(), intake_url=intake_url(), undelivered=delivery.count_undelivered(),
    )
    # Audited once the page is built (committing first would expire the rows it shows); no
    # page leaves without its audit entry, as a failed commit ends in an error page.
    services.record_queue_view(actor=staff_actor(user), shown=len(page.requests), filters=filters.used(),
                               search=filters.search_kind)
    db.session.commit()
    return html


@bp.post("/queue/assign")
@role_required(StaffRole.MANAGER)
def bulk_assign():
    """Managers give several requests to one colleague (or back to the shared queue) at once."""
    form = forms.BulkAssignForm()
    form.assignee.choices = assignee_choices()
    target = back_to(url_for("staff.queue"))
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(str(errors[0]), "error")
        return redirect(target)
    selection = []
    for value in form.selected.data:
        reference, _sep, version = value.rpartition(":")
        if reference and ID.fullmatch(version):
            selection.append((reference, int(version)))
    assignee_id = int(form.assignee.data) if form.assignee.data else None
    try:
        outcome = services.bulk_assign(selection, assignee_id=assignee_id, actor=staff_actor(current_staff()))
    except services.AssignmentRefused as refused:
        db.session.rollback()
        flash(str(refused.message), "error")
        return redirect(target)
    for change in outcome.assigned:
        notify(change)
    db.session.commit()
    if outcome.assigned:
        flash(ngettext("%(num)d request assigned.", "%(num)d requests assigned.", len(outcome.assigned)), "success")
    if outcome.stale:
        flash(_("These requests changed since you opened the list and were left as they are: %(references)s. "
                "Please look at them again.", references=", ".join(outcome.stale)), "warning")
    if outcome.skipped:
        flash(_("Left unchanged (closed, unknown or already assigned that way): %(references)s.",
                references=", ".join(outcome.skipped)), "info")
    return redirect(target)
