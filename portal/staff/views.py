"""Log-in (password, then TOTP or recovery code), forced 2FA enrolment, log-out.

Account and staff-management pages live in `account_views` and `admin_views`, the queue (the
landing page) and the request page in `portal.casework`; importing this module registers
them all on the `staff` blueprint.
"""
from __future__ import annotations

import hashlib
import io

import segno
from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.common.text import normalise_email
from portal.extensions import db, limiter
from portal.staff import auth, login as logins, security, services
from portal.staff.area import safe_staff_next
from portal.staff.auth import current_staff
from portal.staff.blueprint import bp
from portal.staff.forms import CodeForm, LoginForm
from portal.staff.models import StaffUser

__all__ = ["bp"]

TOTP_ISSUER = "Madoguchi"


def _login_ip_limit() -> str:
    return current_app.config["PORTAL_STAFF_LOGIN_RATE_LIMIT"]


def _login_account_limit() -> str:
    return current_app.config["PORTAL_STAFF_LOGIN_EMAIL_RATE_LIMIT"]


def _login_account_source_key() -> str:
    """Failed log-ins are counted per account AND source: guessing from one address is slowed,
    the person from their own address still gets in. Keyed by the address typed, whether an
    account has it or not, so the answer tells nobody which accounts exist."""
    # Hashed: rate-limit storage (memory or Redis) should not hold e-mail addresses.
    email = normalise_email(request.form.get("email", ""))
    return f"staff-login:{hashlib.sha256(email.encode()).hexdigest()[:32]}:{request.remote_addr}"


def _second_factor_source_key() -> str:
    pending = session.get(auth.PENDING_KEY)
    uid = pending.get("uid") if isinstance(pending, dict) else None
    return f"staff-2fa:{uid}:{request.remote_addr}"


def _refused(response) -> bool:
    """Only refusals count (the form shown again); a log-in that goes through does not."""
    return response.status_code == 200



def _finish_login(user: StaffUser, *, method: str, next_url: str | None):
    previous = logins.complete_login(user, method=method)
    db.session.commit()
    auth.start_staff_session(user, previous_login=previous)
    return redirect(next_url or url_for("staff.queue"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_ip_limit, methods=["POST"])
@limiter.limit(_login_account_limit, key_func=_login_account_source_key, methods=["POST"], deduct_when=_refused)
def login():
    next_url = safe_staff_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("staff.queue"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        attempt = logins.check_password(email=form.email.data, password=form.password.data)
        db.session.commit()
        outcome = attempt.outcome
        if outcome is logins.Outcome.DONE:
            return _finish_login(attempt.user, method=attempt.method, next_url=next_url)
        if outcome is logins.Outcome.NEED_TOTP:
            auth.begin_pending_login(attempt.user, stage="totp", next_url=next_url)
            return redirect(url_for("staff.login_2fa"))
        if outcome is logins.Outcome.NEED_ENROLMENT:
            auth.begin_pending_login(attempt.user, stage="enrol", next_url=next_url)
            flash(_("Your role requires two-factor authentication. Please set it up to continue."), "info")
            return redirect(url_for("staff.twofa_setup"))
        # One message for an unknown address, a wrong password and a deactivated account.
        error = _("The e-mail address or the password is not correct.")
    return render_template("staff/login.html", form=form, error=error, next_url=next_url)


@bp.route("/login/2fa", methods=["GET", "POST"])
@limiter.limit(_login_ip_limit, methods=["POST"])
@limiter.limit(_login_account_limit, key_func=_second_factor_source_key, methods=["POST"], deduct_when=_refused)
def login_2fa():
    pending = auth.pending_login("totp")
    if pending is None:
        flash(_("Please log in again."), "info")
        return redirect(url_for("staff.login"))
    user, next_url = pending
    form = CodeForm()
    error = None
    if form.validate_on_submit():
        attempt = logins.check_second_factor(user, form.code.data)
        if attempt.outcome is logins.Outcome.DONE:
            response = _finish_login(user, method=attempt.method, next_url=next_url)
            if attempt.method.endswith("recovery_code"):
                flash(_("You used a recovery code; %(count)d remain. If your authenticator is lost, ask an administrator to reset two-factor authentication.", count=logins.unused_recovery_codes(user)), "warning")
            return response
        db.session.commit()
        error = _("The code is not correct or was already used. Please wait for the next code.")
    return render_template("staff/login_2fa.html", form=form, error=error)


@bp.post("/logout")
def logout():
    """POST only (CSRF-protected), so no link or image elsewhere can log anyone out."""
    if current_user.is_authenticated:
        logins.record_logout(current_staff())
        db.session.commit()
    auth.end_staff_session()
    flash(_("You have been logged out."), "info")
    return redirect(url_for("staff.login"))


def _enrolling_user() -> tuple[StaffUser, bool, str | None] | None:
    """Who may enrol now: the logged-in user, or one half-way through a log-in that needs 2FA."""
    if current_user.is_authenticated:
        return current_staff(), False, None
    pending = auth.pending_login("enrol")
    if pending is None:
        return None
    user, next_url = pending
    return user, True, next_url


@bp.route("/2fa/setup", methods=["GET", "POST"])
@limiter.limit(_login_ip_limit, methods=["POST"])
def twofa_setup():
    enrolling = _enrolling_user()
    if enrolling is None:
        flash(_("Please log in to continue."), "info")
        return redirect(url_for("staff.login"))
    user, mid_login, next_url = enrolling
    if user.has_totp:
        flash(_("Two-factor authentication is already set up for your account."), "info")
        return redirect(url_for("staff.account"))
    secret = auth.enrolment_secret(user, create=True)
    form = CodeForm()
    error = None
    if form.validate_on_submit():
        codes = services.enrol_totp(user, secret=secret, code=form.code.data, actor=logins.staff_actor(user))
        if codes is not None:
            auth.drop_enrolment_secret()
            if mid_login:
                previous = logins.complete_login(user, method="password+totp_enrolment")
                db.session.commit()
                auth.start_staff_session(user, previous_login=previous)
            else:
                db.session.commit()
            # Shown in this response only: the codes are stored nowhere in readable form.
            return render_template("staff/recovery_codes.html", codes=codes, next_url=next_url, enrolled=True)
        error = _("The code does not match. Check that the time on your phone is correct and try the newest code.")
    return render_template(
        "staff/twofa_setup.html", form=form, error=error,
        secret_groups=[secret[i:i + 4] for i in range(0, len(secret), 4)],
    )


@bp.get("/2fa/qr.svg")
def twofa_qr():
    """The enrolment QR code, drawn here: the secret never leaves for a third-party service."""
    enrolling = _enrolling_user()
    if enrolling is None:
        return redirect(url_for("staff.login"))
    secret = auth.enrolment_secret(enrolling[0], create=False)
    if not secret or enrolling[0].has_totp:
        abort(404)
    uri = security.totp_uri(secret, account=enrolling[0].email, issuer=TOTP_ISSUER)
    svg = io.BytesIO()
    segno.make(uri, error="m", micro=False).save(svg, kind="svg", scale=5, border=2, xmldecl=False)
    return current_app.response_class(svg.getvalue(), mimetype="image/svg+xml")
