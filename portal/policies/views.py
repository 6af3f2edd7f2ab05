"""Deadline policies for admins: each jurisdiction's default and per-type rules, in words;
a form to change a rule or add one for a request type. Changes are audited by the dsr
services, and existing requests keep their due dates — the page says so when it saves."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from portal.dsr.models import Jurisdiction, RequestType
from portal.dsr.policies import PolicyInvalid
from portal.extensions import db
from portal.dsr import wording
from portal.policies import services
from portal.policies.forms import PolicyForm
from portal.staff.auth import current_staff, role_required
from portal.staff.login import staff_actor
from portal.staff.models import StaffRole

bp = Blueprint("policies", __name__, url_prefix="/staff/policies")

#: The URL word for a jurisdiction's default row (the others are request type values).
DEFAULT_SCOPE = "default"


@bp.app_context_processor
def _policy_wording():
    return {"policy_wording": wording}


def _scope_or_404(jurisdiction: str, scope: str) -> tuple[Jurisdiction, RequestType | None]:
    try:
        return Jurisdiction(jurisdiction), None if scope == DEFAULT_SCOPE else RequestType(scope)
    except ValueError:
        abort(404)


@bp.get("")
@role_required(StaffRole.ADMIN)
def index():
    return render_template("policies/index.html", rules=services.all_rules(), request_types=list(RequestType),
                           default_scope=DEFAULT_SCOPE)


@bp.route("/<jurisdiction>/<scope>", methods=["GET", "POST"])
@role_required(StaffRole.ADMIN)
def edit(jurisdiction: str, scope: str):
    jurisdiction, request_type = _scope_or_404(jurisdiction, scope)
    policy = services.find_policy(jurisdiction, request_type)
    default = policy or services.find_policy(jurisdiction, None)
    form = PolicyForm()
    error = None
    if not form.is_submitted() and default is not None:
        # A new rule for a type starts from the jurisdiction's default.
        form.fill_from(default)
    if form.validate_on_submit():
        try:
            saved = services.save_rules(jurisdiction, request_type, rules=form.rules(),
                                        actor=staff_actor(current_staff()))
        except PolicyInvalid as refused:
            db.session.rollback()
            error = refused.message
        else:
            db.session.commit()
            _flash_saved(saved)
            return redirect(url_for("policies.index", _anchor=f"policy-{jurisdiction.value}"))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "policies/edit.html", form=form, error=error, policy=policy, jurisdiction=jurisdiction,
        request_type=request_type, default=default if policy is None else None,
    ), status


def _flash_saved(saved: services.Saved) -> None:
    if not saved.created and not saved.changes:
        flash(_("Nothing was changed."), "info")
        return
    what = _("The new rule has been added.") if saved.created else _("The rule has been changed.")
    if saved.requests_keeping_due_dates:
        keeping = ngettext(
            "%(num)d open request that followed the earlier rule keeps its due date.",
            "%(num)d open requests that followed the earlier rule keep their due dates.",
            saved.requests_keeping_due_dates,
        )
    else:
        keeping = _("No open request with a due date followed the earlier rule.")
    flash(" ".join([what, keeping, _("Existing due dates never move; the rule applies to requests verified from now on.")]),
          "success")
