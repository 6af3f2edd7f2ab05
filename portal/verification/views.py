"""The verification pages: ask for a mail, type the code or open the link, step up, log out."""
from __future__ import annotations

from flask import (Blueprint, current_app, flash, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError

from portal.common.choices import options
from portal.common.text import normalise_email
from portal.extensions import db, limiter
from portal.i18n import current_language
from portal.common.urls import safe_next
from portal.verification import services, stepup
from portal.verification.forms import CodeForm, ConfirmForm, EmailForm, PostalCodeForm, StepUpForm
from portal.verification.postal import PostalOutcome, verify_postal_code
from portal.verification.services import Outcome
from portal.verification.session import (current_customer, customer_required,
                                         end_customer_session)
from portal.verification.stepup import StepUpOutcome

bp = Blueprint("verification", __name__)

BINDING_KEY = "verify_binding"
NEXT_KEY = "verify_next"


@bp.app_context_processor
def _customer_in_templates():
    def customer_for_header():
        # The header must render even on the error page of a database outage.
        try:
            return current_customer()
        except SQLAlchemyError:
            return None

    return {"current_customer": customer_for_header}


def _same_site(path: str | None) -> str | None:
    return path if path and safe_next(path) == path else None


def _landing(next_path: str | None) -> str:
    """Where a verified customer goes: a safe `next`, else their data, else the start page."""
    if _same_site(next_path):
        return next_path
    if "customer.my_data" in current_app.view_functions:
        return url_for("customer.my_data")
    return url_for("site.index")


# Keyed on the normalised address, so case and full-width tricks do not buy more mails.
def _address_key() -> str:
    return "verify-address:" + normalise_email(request.form.get("email", ""))


def _limit_per_address() -> str:
    return current_app.config.get("PORTAL_VERIFY_LIMIT_PER_ADDRESS", "5 per hour")


def _limit_per_ip() -> str:
    return current_app.config.get("PORTAL_VERIFY_LIMIT_PER_IP", "20 per hour")


@bp.route("/verify", methods=["GET", "POST"])
@limiter.limit(_limit_per_address, key_func=_address_key, methods=["POST"], scope="verify-address")
@limiter.limit(_limit_per_ip, methods=["POST"], scope="verify-ip")
def start():
    """Ask for a mail with a link and a code; the answer never says whether we know the address."""
    form = EmailForm(next=request.args.get("next"))
    if form.validate_on_submit():
        binding = session.get(BINDING_KEY) or services.new_browser_binding()
        next_path = _same_site(form.next.data)
        services.request_challenge(email=form.email.data, language=current_language(),
                                   browser_binding=binding, next_path=next_path)
        db.session.commit()
        session[BINDING_KEY] = binding
        session[NEXT_KEY] = next_path
        return redirect(url_for(".code"))
    return render_template("verification/start.html", form=form)


@bp.route("/verify/code", methods=["GET", "POST"])
@limiter.limit("60 per hour", methods=["POST"])
def code():
    """"Check your mail", with the code form for this browser."""
    form = CodeForm()
    if form.validate_on_submit():
        check = services.verify_code(browser_binding=session.get(BINDING_KEY), code=form.code.data)
        if check.outcome is Outcome.OK:
            next_path = session.get(NEXT_KEY)
            services.complete_verification(check.challenge, method="code")
            db.session.commit()
            flash(_("Your email address is confirmed."), "success")
            return redirect(_landing(next_path))
        db.session.commit()  # a wrong code counts
        if check.outcome is Outcome.WRONG_CODE:
            form.code.errors.append(_(
                "That code is not right. Please use the code from the newest mail. Tries left: %(n)s.",
                n=check.tries_left))
        else:
            return render_template("verification/code_failed.html", outcome=check.outcome.value), 400
    return render_template("verification/code.html", form=form)


@bp.route("/verify/post", methods=["GET", "POST"])
@limiter.limit("60 per hour", methods=["POST"], scope="verify-post")
def postal_code():
    """"I received a code by post": the reference and code from the letter open the person's data."""
    form = PostalCodeForm()
    if form.validate_on_submit():
        check = verify_postal_code(reference=form.reference.data, code=form.code.data)
        db.session.commit()  # a wrong code counts
        if check.outcome is PostalOutcome.OK:
            flash(_("Thank you. The code from our letter is confirmed."), "success")
            return redirect(_landing(None))
        if check.outcome is PostalOutcome.WRONG_CODE:
            form.code.errors.append(_("That code is not right. Please check the letter. Tries left: %(n)s.",
                                      n=check.tries_left))
        else:
            return render_template("verification/postal_failed.html", outcome=check.outcome.value), 400
    return render_template("verification/postal.html", form=form), 422 if form.errors else 200


@bp.route("/verify/link/<token>", methods=["GET", "POST"])
def link(token: str):
    """The mailed link. Opening it only shows a button: mail scanners that fetch links must
    not use it up before the customer does."""
    form = ConfirmForm()
    if form.validate_on_submit():
        check = services.verify_link(token)
        if check.outcome is Outcome.OK:
            services.complete_verification(check.challenge, method="link")
            db.session.commit()
            flash(_("Your email address is confirmed."), "success")
            return redirect(_landing(check.next_path))
    elif request.method == "GET" and services.link_is_usable(token):
        return render_template("verification/link.html", form=form)
    db.session.rollback()
    return render_template("verification/link_invalid.html"), 400


@bp.route("/verify/step-up", methods=["GET", "POST"])
@customer_required
def step_up():
    """One extra question before full values and downloads."""
    customer = current_customer()
    next_path = request.values.get("next")
    if customer.stepped_up_at is not None:
        return redirect(_landing(next_path))
    checks = stepup.available_checks(stepup.person_of(customer))
    form = StepUpForm(next=next_path)
    form.check.choices = options((check, CHECK_LABELS[check]()) for check in checks)
    if checks and not stepup.is_blocked(customer) and form.validate_on_submit():
        outcome = stepup.attempt_step_up(customer, check=form.check.data, answer=form.answer.data)
        db.session.commit()
        if outcome is StepUpOutcome.OK:
            flash(_("Thank you. You can now see your full data and download it."), "success")
            return redirect(_landing(next_path))
        if outcome is StepUpOutcome.WRONG:
            form.answer.errors.append(_("That answer does not match what we hold. Please check it and try again."))
    return render_template("verification/step_up.html", form=form, checks=checks,
                           blocked=stepup.is_blocked(customer))


CHECK_LABELS = {
    "customer_number": lambda: _("Your customer number"),
    "birthdate": lambda: _("Your date of birth (e.g. 1985-04-03)"),
    "phone_last4": lambda: _("The last four digits of your phone number"),
}


@bp.post("/logout")
def logout():
    form = ConfirmForm()
    if form.validate_on_submit():
        end_customer_session()
        db.session.commit()
        flash(_("You are logged out."), "success")
    return redirect(url_for("site.index"))
