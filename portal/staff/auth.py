"""The staff session: Flask-Login, the half-way state between password and code, idle
time-out, and the decorators that show a route's permission where it is declared.

Roles are ordered agent < manager < admin and each includes the ones before it, so
`@role_required("manager")` lets admins in too. Customers' sessions (`customer_token`)
are a different key of the same cookie and mean nothing here: a customer is anonymous
to the staff area, and a staff log-in is no customer session either.
"""
from __future__ import annotations

import time
from functools import wraps

from flask import Flask, abort, current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user

from portal.extensions import db, login_manager
from portal.i18n import LANGUAGE_SESSION_KEY
from portal.staff import security
from portal.staff.login import record_logout, two_factor_required
from portal.staff.models import StaffRole, StaffUser

PENDING_KEY = "staff_pending"          # password passed, second factor not yet
ENROL_SECRET_KEY = "staff_totp_secret"  # the secret being enrolled, until confirmed
SEEN_KEY = "staff_seen"                # last activity, seconds since the epoch
PREVIOUS_LOGIN_KEY = "staff_previous_login"
#: The password step is good for this long; then the person starts again.
PENDING_MAX_SECONDS = 10 * 60
# Refresh the activity stamp at most this often, so not every page rewrites the cookie.
_TOUCH_EVERY_SECONDS = 30


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "staff.login"
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.login_message_category = "info"
    # A session copied to another browser (different address or user agent) is dropped.
    login_manager.session_protection = "strong"
    login_manager.user_loader(load_staff_user)


def load_staff_user(user_id: str) -> StaffUser | None:
    """`<id>.<session_version>`: a password change, 2FA reset or deactivation ends old sessions."""
    try:
        raw_id, raw_version = user_id.split(".")
        user = db.session.get(StaffUser, int(raw_id))
        version = int(raw_version)
    except (ValueError, AttributeError):
        return None
    if user is None or not user.active or user.session_version != version:
        return None
    return user


# ---- the half-way state ------------------------------------------------------------------

def begin_pending_login(user: StaffUser, *, stage: str, next_url: str | None) -> None:
    """Remember who passed the password step; nothing here counts as logged in yet."""
    session.pop(ENROL_SECRET_KEY, None)
    session[PENDING_KEY] = {
        "uid": user.id, "v": user.session_version, "stage": stage,
        "at": int(time.time()), "next": next_url,
    }


def pending_login(stage: str) -> tuple[StaffUser, str | None] | None:
    """The user waiting at `stage` ("totp" or "enrol") and where they were going, if still valid."""
    data = session.get(PENDING_KEY)
    if not isinstance(data, dict) or data.get("stage") != stage:
        return None
    if int(time.time()) - int(data.get("at", 0)) > PENDING_MAX_SECONDS:
        clear_pending_login()
        return None
    user = db.session.get(StaffUser, data.get("uid"))
    if user is None or not user.active or user.session_version != data.get("v"):
        clear_pending_login()
        return None
    return user, data.get("next")


def clear_pending_login() -> None:
    session.pop(PENDING_KEY, None)
    session.pop(ENROL_SECRET_KEY, None)


def enrolment_secret(user: StaffUser, *, create: bool) -> str | None:
    """The TOTP secret this browser is enrolling for `user` (bound to the user, so on a shared
    browser one person's unconfirmed secret is never offered to the next)."""
    data = session.get(ENROL_SECRET_KEY)
    if isinstance(data, dict) and data.get("uid") == user.id and data.get("secret"):
        return data["secret"]
    if not create:
        return None
    secret = security.new_totp_secret()
    session[ENROL_SECRET_KEY] = {"uid": user.id, "secret": secret}
    return secret


def drop_enrolment_secret() -> None:
    session.pop(ENROL_SECRET_KEY, None)


# ---- session start and end ---------------------------------------------------------------

def _clear_session_keeping_language() -> None:
    language = session.get(LANGUAGE_SESSION_KEY)
    session.clear()
    if language:
        session[LANGUAGE_SESSION_KEY] = language


def start_staff_session(user: StaffUser, *, previous_login=None) -> None:
    """A fresh session for a fully authenticated user: nothing from before survives (no fixation)."""
    _clear_session_keeping_language()
    login_user(user, remember=False, fresh=True)
    session[SEEN_KEY] = int(time.time())
    if previous_login is not None:
        session[PREVIOUS_LOGIN_KEY] = previous_login.isoformat()


def refresh_staff_session(user: StaffUser) -> None:
    """Keep this browser logged in after its own password change bumped the session version."""
    login_user(user, remember=False, fresh=True)


def end_staff_session() -> None:
    logout_user()
    _clear_session_keeping_language()


def enforce_idle_timeout():
    """Log out a staff session idle for longer than PORTAL_STAFF_IDLE_MINUTES (once per request)."""
    if g.get("_staff_idle_checked"):
        return None
    g._staff_idle_checked = True
    if not current_user.is_authenticated:
        return None
    now = int(time.time())
    minutes = int(current_app.config.get("PORTAL_STAFF_IDLE_MINUTES", 30))
    seen = session.get(SEEN_KEY)
    if not isinstance(seen, int) or now - seen > minutes * 60:
        record_logout(current_user._get_current_object(), reason="idle")
        db.session.commit()
        end_staff_session()
        flash(_("For your security you were logged out after %(minutes)d minutes without activity. Please log in again.", minutes=minutes), "info")
        return redirect(url_for("staff.login", next=_here()))
    if now - seen >= _TOUCH_EVERY_SECONDS:
        session[SEEN_KEY] = now
    return None


def _here() -> str | None:
    return request.full_path.rstrip("?") if request.method == "GET" else None


# ---- decorators --------------------------------------------------------------------------

def staff_required(view):
    """Logged in as staff, both factors done, and 2FA set up when the role requires it."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        expired = enforce_idle_timeout()
        if expired is not None:
            return expired
        if not current_user.is_authenticated:
            flash(_("Please log in to continue."), "info")
            return redirect(url_for("staff.login", next=_here()))
        if two_factor_required(current_user) and not current_user.has_totp:
            # E.g. an agent promoted to manager: enrol before doing anything else.
            flash(_("Your role requires two-factor authentication. Please set it up to continue."), "info")
            return redirect(url_for("staff.twofa_setup"))
        return view(*args, **kwargs)

    return wrapped


def role_required(*roles: StaffRole | str):
    """Only for staff whose role includes one of `roles` (admin ⊇ manager ⊇ agent); else 403.

    Implies `staff_required`, so a forgotten outer decorator cannot open a route.
    """
    wanted = tuple(StaffRole(r) for r in roles)
    if not wanted:
        raise ValueError("role_required needs at least one role")

    def decorator(view):
        @wraps(view)
        @staff_required
        def wrapped(*args, **kwargs):
            if not any(current_user.role.includes(role) for role in wanted):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_roles = wanted
        return wrapped

    return decorator


def current_staff() -> StaffUser:
    """The logged-in staff user (only inside a `staff_required` view)."""
    return current_user._get_current_object()
