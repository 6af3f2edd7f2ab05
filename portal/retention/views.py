"""/staff/retention: items kept past their `retain_until` (and, for managers, their disposal after
a confirmation page), the legal holds, and the periods `tick` applies."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.inventory.labels import field_name, staff_category_name
from portal.retention.periods import periods
from portal.retention import disposal
from portal.retention.services import legal_holds_in_force
from portal.extensions import db
from portal.inventory.erasure import japan_today
from portal.inventory.legal_holds import LegalHoldRefused, apply_legal_hold, check_hold, longer_holds, resolve_scope
from portal.retention.forms import DisposalForm, LegalHoldForm
from portal.staff.auth import current_staff, role_required
from portal.staff.login import staff_actor

bp = Blueprint("retention", __name__, url_prefix="/staff/retention")


def _page(form: LegalHoldForm | None = None, status: int = 200):
    user = current_staff()
    if form is None and user.may("manager"):
        form = LegalHoldForm(formdata=None, person_key=request.args.get("person") or None)
    return render_template("staff/retention.html", due=disposal.plan(), holds=legal_holds_in_force(),
                           periods=periods(), category_name=staff_category_name, field_name=field_name,
                           hold_form=form if user.may("manager") else None), status


@bp.get("")
@role_required("agent")
def index():
    """What is due for disposal per category and source (counts, no values), the legal holds in force, the periods;
    for managers, the form that places, extends and lifts holds (`?person=KEY` fills the person)."""
    return _page()


#: The form's refusals in the staff's language (the command's own messages are for a terminal).
def _refusal(form: LegalHoldForm) -> tuple[str, str] | None:
    if form.action.data == "place":
        if form.until.data is None:
            return "until", _l("Enter the last day to keep the items.")
        if form.until.data < japan_today():
            return "until", _l("That day has passed: a hold runs to today or later.")
        if not form.reason.data:
            return "reason", _l("Give the reason: it is shown to the customer whose erasure the hold blocks.")
    return None


@bp.post("/holds")
@role_required("manager")
def hold():
    """Place, extend or lift a legal hold, by the rules of the `legal-hold` command (same service)."""
    form = LegalHoldForm()
    if not form.validate_on_submit():
        return _page(form, 422)
    problem = _refusal(form)
    if problem is None:
        try:
            lift = form.action.data == "lift"
            until = None if lift else form.until.data
            reason = check_hold(until, form.reason.data)
            scope = resolve_scope(form.category.data, field=form.field.data or None, person_key=form.person_key.data or None)
        except LegalHoldRefused:
            problem = ("person_key", _l("No person has this key."))
    if problem is not None:
        name, message = problem
        getattr(form, name).errors = [str(message)]
        return _page(form, 422)
    changed = apply_legal_hold(scope, until=until, reason=reason, actor=staff_actor(current_staff()),
                               replace=form.replace.data and not lift)
    db.session.commit()
    if lift:
        flash(_("The legal hold is lifted on %(count)s items.", count=changed), "success")
    else:
        flash(_("A legal hold until %(date)s is placed on %(count)s items.", date=until.isoformat(), count=changed),
              "success")
        kept = 0 if form.replace.data else longer_holds(scope, until, reason)
        if kept:
            flash(_("%(count)s items keep a hold that runs as long or longer.", count=kept), "info")
    return redirect(url_for("retention.index"))


def _confirmation(due: disposal.Plan, status: int = 200):
    form = DisposalForm(formdata=None, expected=due.items)
    return render_template("retention/dispose.html", due=due, form=form, category_name=staff_category_name), status


@bp.get("/dispose")
@role_required("manager")
def confirm_disposal():
    """The confirmation step: exactly what would go (counts per category and source), one button."""
    return _confirmation(disposal.plan())


@bp.post("/dispose")
@role_required("manager")
def dispose():
    """Dispose of what the confirmation page showed (the `dispose-expired` command's service), in one
    transaction; if the items due changed since, nothing goes and the new counts are shown."""
    form = DisposalForm()
    if not form.validate_on_submit():
        return _confirmation(disposal.plan(), 422)
    try:
        done = disposal.dispose_expired(actor=staff_actor(current_staff()), expected=form.expected.data)
    except disposal.PlanChanged as changed:
        db.session.rollback()
        flash(_("The items due for disposal changed since you looked: nothing was disposed of. Check the new counts."),
              "warning")
        return _confirmation(changed.current, 409)
    db.session.commit()
    flash(_("%(count)s items past their retention date were disposed of.", count=done.items), "success")
    return redirect(url_for("retention.index"))
