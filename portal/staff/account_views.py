"""The staff user's own account: password, two-factor status, recovery codes; set-password links."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.extensions import db, limiter
from portal.staff import auth, login as logins, services
from portal.staff.auth import current_staff, staff_required
from portal.staff.blueprint import bp
from portal.staff.forms import (ACCOUNT_ERRORS, ChangePasswordForm, ConfirmPasswordForm, NotificationSettingsForm,
                                SetPasswordForm)
from portal.staff.login import staff_actor


def _notifications_form(user) -> NotificationSettingsForm:
    form = NotificationSettingsForm(formdata=None)
    form.notify_on_assignment.data, form.notify_on_reply.data = user.notify_on_assignment, user.notify_on_reply
    form.language.data = user.language
    return form


def _account_page(*, password_form=None, codes_form=None, notifications_form=None, status=200):
    user = current_staff()
    return render_template(
        "staff/account.html",
        user=user,
        notifications_form=notifications_form or _notifications_form(user),
        password_form=password_form or ChangePasswordForm(formdata=None),
        codes_form=codes_form or ConfirmPasswordForm(formdata=None),
        unused_codes=logins.unused_recovery_codes(user) if user.has_totp else 0,
        two_factor_required=logins.two_factor_required(user),
    ), status


@bp.get("/account")
@staff_required
def account():
    return _account_page()


@bp.post("/account/notifications")
@staff_required
def notification_settings():
    """The person's own mail settings: on assignment, on a requester's reply, and the language."""
    form = NotificationSettingsForm()
    if form.validate_on_submit():
        user = current_staff()
        try:
            changes = services.update_notification_settings(
                user, on_assignment=form.notify_on_assignment.data, on_reply=form.notify_on_reply.data,
                language=form.language.data, actor=staff_actor(user))
        except services.StaffAccountError as refused:
            form.language.errors.append(ACCOUNT_ERRORS[refused.code])
        else:
            db.session.commit()
            flash(_("Your mail settings are saved.") if changes else _("Nothing was changed."), "success")
            return redirect(url_for("staff.account", _anchor="notifications-title"))
    return _account_page(notifications_form=form, status=422)


@bp.post("/account/password")
@staff_required
@limiter.limit("10 per hour", methods=["POST"])
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_staff()
        try:
            services.change_own_password(user, current=form.current_password.data, new=form.new_password.data)
        except services.StaffAccountError as refused:
            field = form.current_password if refused.code == "current_password_wrong" else form.new_password
            field.errors.append(ACCOUNT_ERRORS[refused.code])
        else:
            db.session.commit()
            # Other browsers are logged out by the new session version; this one stays in.
            auth.refresh_staff_session(user)
            flash(_("Your password has been changed. Other sessions of your account have ended."), "success")
            return redirect(url_for("staff.account"))
    return _account_page(password_form=form, status=422)


@bp.post("/account/recovery-codes")
@staff_required
@limiter.limit("10 per hour", methods=["POST"])
def regenerate_recovery_codes():
    form = ConfirmPasswordForm()
    if form.validate_on_submit():
        try:
            codes = services.regenerate_recovery_codes(current_staff(), password=form.password.data)
        except services.StaffAccountError as refused:
            form.password.errors.append(ACCOUNT_ERRORS[refused.code])
        else:
            db.session.commit()
            return render_template("staff/recovery_codes.html", codes=codes, next_url=None, enrolled=False)
    return _account_page(codes_form=form, status=422)


@bp.route("/set-password/<token>", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def set_password(token: str):
    """The mailed link: a new account chooses its first password (or a forgotten one is replaced)."""
    user = services.user_for_password_token(token)
    if user is None:
        return render_template("staff/set_password_invalid.html"), 404
    if current_user.is_authenticated and current_staff().id != user.id:
        # Someone else's link opened in a logged-in browser: do not mix the two accounts.
        auth.end_staff_session()
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            services.set_password_from_link(user, password=form.new_password.data)
        except services.StaffAccountError as refused:
            form.new_password.errors.append(ACCOUNT_ERRORS[refused.code])
        else:
            db.session.commit()
            auth.end_staff_session()
            flash(_("Your password is set. Please log in."), "success")
            return redirect(url_for("staff.login"))
    response = render_template("staff/set_password.html", form=form, user=user)
    return response, 200, {"Referrer-Policy": "no-referrer"}
