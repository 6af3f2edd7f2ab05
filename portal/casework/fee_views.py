"""Recording a request's fee as paid or waived (APPI Art. 38), from the request page."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField
from wtforms.validators import InputRequired

from portal.common.choices import options
from portal.casework.request_views import open_case
from portal.dsr.errors import DsrError
from portal.dsr.labels import RESIDENCE_WORDS
from portal.dsr.fees import fees_for_type, record_fee
from portal.dsr.models import FeeStatus
from portal.extensions import db
from portal.inventory.labels import yen
from portal.staff.auth import current_staff, staff_required
from portal.staff.login import staff_actor

bp = Blueprint("fees", __name__, url_prefix="/staff/requests")


# Fees read like every price the portal shows (¥1,000), on staff and customer pages alike.
bp.add_app_template_global(yen)


@bp.app_template_global()
def request_fees(request_type: str) -> list:
    """For the customer's request form: (residence label, policy) for each fee that would apply."""
    return [(RESIDENCE_WORDS[residence.value], policy) for residence, policy in fees_for_type(request_type)]


class FeeForm(FlaskForm):
    status = RadioField(choices=options([(FeeStatus.PAID.value, ""), (FeeStatus.WAIVED.value, "")]),
                        validators=[InputRequired()])
    version = HiddenField(validators=[InputRequired()])


@bp.post("/<reference>/fee")
@staff_required
def record(reference: str):
    case = open_case(reference)
    form = FeeForm()
    if not form.validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
        return redirect(url_for("staff.request_page", reference=case.reference))
    try:
        record_fee(case, form.status.data, actor=staff_actor(current_staff()), expected_version=form.version.data)
    except DsrError as refused:
        db.session.rollback()
        flash(refused.message, "error")
    else:
        db.session.commit()
        flash(_("The fee is recorded as paid.") if form.status.data == "paid" else _("The fee is waived."), "success")
    return redirect(url_for("staff.request_page", reference=reference))
