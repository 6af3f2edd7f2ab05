"""/my/opt-out: stop opt-out provision of one's data in one step (no reason asked)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from portal.customer.opt_out import NothingToStop, stop_opt_out
from portal.customer.request_forms import RequestForm
from portal.customer.request_services import Requester
from portal.customer.request_views import after_filing, commit_filing, person_id_or_404
from portal.extensions import db
from portal.inventory.opt_out import opt_out_recipients
from portal.verification.session import current_customer, customer_required

bp = Blueprint("opt_out", __name__, url_prefix="/my/opt-out")


@bp.app_template_global()
def opt_out_offer() -> list[str]:
    """For the request pages: the opt-out recipients the verified customer can stop at once."""
    customer = current_customer()
    if customer is None or customer.person_id is None:
        return []
    return opt_out_recipients(customer.person_id)


@bp.route("", methods=["GET", "POST"])
@customer_required
def stop():
    person_id = person_id_or_404()
    recipients = opt_out_recipients(person_id)
    form = RequestForm()
    if form.validate_on_submit():
        try:
            change = stop_opt_out(Requester.current(), residence=form.residence.data,
                                  idempotency_key=form.idempotency_key.data)
        except NothingToStop as error:
            db.session.rollback()
            flash(error.message, "info")
            return redirect(url_for("customer.my_requests"))
        return after_filing(commit_filing([change]))
    return render_template("customer/opt_out.html", form=form, recipients=recipients)
