"""Staff management, for admins: list, create (with a mailed set-password link), change role,
deactivate and reactivate, reset two-factor authentication. Every change is audited."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from portal.extensions import db
from portal.staff import login as logins, services
from portal.staff.auth import current_staff, role_required
from portal.staff.blueprint import bp
from portal.staff.forms import ACCOUNT_ERRORS, ConfirmForm, RoleForm, StaffCreateForm
from portal.staff.models import StaffRole, StaffUser


def _actor():
    return logins.staff_actor(current_staff())


@bp.get("/users")
@role_required(StaffRole.ADMIN)
def users():
    return render_template("staff/users.html", users=services.list_staff())


@bp.route("/users/new", methods=["GET", "POST"])
@role_required(StaffRole.ADMIN)
def user_new():
    form = StaffCreateForm()
    if form.validate_on_submit():
        try:
            user = services.create_staff(
                email=form.email.data, name=form.name.data, role=form.role.data,
                password=None, actor=_actor(),
            )
        except services.StaffAccountError as refused:
            field = form.email if refused.code.startswith("email") else form.name
            field.errors.append(ACCOUNT_ERRORS[refused.code])
        else:
            services.send_password_link(user, actor=_actor())
            db.session.commit()
            flash(_("The account has been created. We have mailed a link to choose a password; it works for %(hours)d hours.", hours=services.PASSWORD_LINK_MAX_AGE_SECONDS // 3600), "success")
            return redirect(url_for("staff.user_detail", user_id=user.id))
    return render_template("staff/user_new.html", form=form)


@bp.get("/users/<int:user_id>")
@role_required(StaffRole.ADMIN)
def user_detail(user_id: int):
    user = db.get_or_404(StaffUser, user_id)
    return render_template(
        "staff/user_detail.html", user=user,
        role_form=RoleForm(formdata=None, role=user.role.value), action_form=ConfirmForm(),
        two_factor_required=logins.two_factor_required(user),
    )


def _apply(user: StaffUser, change, success: str):
    """Run one service call; flash the outcome and go back to the account's page."""
    try:
        change()
    except services.StaffAccountError as refused:
        db.session.rollback()
        flash(ACCOUNT_ERRORS[refused.code], "error")
    else:
        db.session.commit()
        flash(success, "success")
    return redirect(url_for("staff.user_detail", user_id=user.id))


@bp.post("/users/<int:user_id>/role")
@role_required(StaffRole.ADMIN)
def user_role(user_id: int):
    user = db.get_or_404(StaffUser, user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        flash(_("Choose one of the roles."), "error")
        return redirect(url_for("staff.user_detail", user_id=user.id))
    return _apply(user, lambda: services.change_role(user, role=form.role.data, actor=_actor()),
                  _("The role has been changed."))


@bp.post("/users/<int:user_id>/deactivate")
@role_required(StaffRole.ADMIN)
def user_deactivate(user_id: int):
    user = db.get_or_404(StaffUser, user_id)
    return _apply(user, lambda: services.set_active(user, active=False, actor=_actor()),
                  _("The account has been deactivated; its sessions have ended."))


@bp.post("/users/<int:user_id>/reactivate")
@role_required(StaffRole.ADMIN)
def user_reactivate(user_id: int):
    user = db.get_or_404(StaffUser, user_id)
    return _apply(user, lambda: services.set_active(user, active=True, actor=_actor()),
                  _("The account has been reactivated."))


@bp.post("/users/<int:user_id>/reset-2fa")
@role_required(StaffRole.ADMIN)
def user_reset_2fa(user_id: int):
    user = db.get_or_404(StaffUser, user_id)
    return _apply(user, lambda: services.reset_totp(user, actor=_actor()),
                  _("Two-factor authentication has been reset; it will be set up again at the next log-in."))


@bp.post("/users/<int:user_id>/password-link")
@role_required(StaffRole.ADMIN)
def user_password_link(user_id: int):
    user = db.get_or_404(StaffUser, user_id)
    return _apply(user, lambda: services.send_password_link(user, actor=_actor()),
                  _("A link to choose a new password has been mailed."))
