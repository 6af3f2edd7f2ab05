"""Managing staff accounts: create, passwords, 2FA enrolment and reset, role, (de)activation.

Plain functions with an explicit `actor`; each changes state and writes its audit entry in
the caller's transaction. Audit details hold ids and kinds only — never e-mail or names.
"""
from __future__ import annotations

import hashlib
import hmac

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from portal.audit.services import Actor, record
from portal.common.text import normalise_email
from portal.common.time import utcnow
from portal.extensions import db
from portal.mail.services import external_url, queue_mail
from portal.staff import security
from portal.staff.models import RecoveryCode, StaffRole, StaffUser


class StaffAccountError(ValueError):
    """A refused change; `code` names why (views and the CLI word it for their audience)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def _audit(action: str, user: StaffUser, *, actor: Actor, **details) -> None:
    record(action, actor=actor, target_type="staff_user", target_id=user.id, details=details)


def check_new_password(password: str, *, email: str) -> None:
    problem = security.password_problem(password, email=email)
    if problem:
        raise StaffAccountError(f"password_{problem}")


def create_staff(*, email: str, name: str, role: StaffRole | str, password: str | None,
                 actor: Actor) -> StaffUser:
    """A new account. Without a password it cannot log in until one is set by link."""
    email = normalise_email(email)
    name = " ".join((name or "").split())
    if "@" not in email or len(email) > 254 or any(ch.isspace() for ch in email):
        raise StaffAccountError("email_invalid")
    if not name or len(name) > 120:
        raise StaffAccountError("name_invalid")
    if db.session.scalar(sa.select(StaffUser.id).where(StaffUser.email == email)) is not None:
        raise StaffAccountError("email_taken")
    if password is not None:
        check_new_password(password, email=email)
    user = StaffUser(
        email=email,
        name=name,
        role=StaffRole(role),
        password_hash=security.hash_password(password) if password is not None else None,
    )
    db.session.add(user)
    db.session.flush()
    _audit("staff.created", user, actor=actor, role=user.role.value, has_password=password is not None)
    return user


def set_password(user: StaffUser, *, password: str, actor: Actor, reason: str) -> None:
    """Replace the password and end the account's other sessions (the caller re-logs its own)."""
    check_new_password(password, email=user.email)
    user.password_hash = security.hash_password(password)
    user.session_version += 1
    _audit("staff.password_changed", user, actor=actor, reason=reason)


def change_own_password(user: StaffUser, *, current: str, new: str) -> None:
    if not security.verify_password(user.password_hash, current):
        raise StaffAccountError("current_password_wrong")
    set_password(user, password=new, actor=Actor("staff", user.id), reason="changed_by_user")


def _replace_recovery_codes(user: StaffUser) -> list[str]:
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = security.new_recovery_codes()
    db.session.add_all(
        RecoveryCode(user_id=user.id, code_hash=security.hash_recovery_code(c, user_id=user.id))
        for c in codes
    )
    return codes


def enrol_totp(user: StaffUser, *, secret: str, code: str, actor: Actor) -> list[str] | None:
    """Turn on 2FA once `code` proves the authenticator holds `secret`.

    Returns the new recovery codes (to be shown once), or None when the code does not match.
    """
    step = security.matching_totp_step(secret, code)
    if step is None:
        return None
    user.totp_secret = secret
    user.totp_confirmed_at = utcnow()
    user.totp_last_step = step  # the code just typed cannot be used to log in again
    codes = _replace_recovery_codes(user)
    _audit("staff.2fa_enrolled", user, actor=actor, recovery_codes=len(codes))
    return codes


def regenerate_recovery_codes(user: StaffUser, *, password: str) -> list[str]:
    """New codes replace all old ones; asks for the password again, as a fresh proof."""
    if not user.has_totp:
        raise StaffAccountError("no_2fa")
    if not security.verify_password(user.password_hash, password):
        raise StaffAccountError("current_password_wrong")
    codes = _replace_recovery_codes(user)
    _audit("staff.recovery_codes_regenerated", user, actor=Actor("staff", user.id), count=len(codes))
    return codes


def reset_totp(user: StaffUser, *, actor: Actor) -> None:
    """Remove 2FA (lost phone): the person must enrol again at the next log-in."""
    user.totp_secret = None
    user.totp_confirmed_at = None
    user.totp_last_step = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    user.session_version += 1
    _audit("staff.2fa_reset", user, actor=actor)


def _active_admin_ids(*, lock: bool) -> list[int]:
    stmt = sa.select(StaffUser.id).where(StaffUser.role == StaffRole.ADMIN, StaffUser.active.is_(True))
    if lock:
        # Two admins demoting each other at once must not leave the portal without one.
        stmt = stmt.with_for_update()
    return list(db.session.scalars(stmt))


def _refuse_if_last_admin(user: StaffUser) -> None:
    if user.role is StaffRole.ADMIN and user.active and _active_admin_ids(lock=True) == [user.id]:
        raise StaffAccountError("last_admin")


def change_role(user: StaffUser, *, role: StaffRole | str, actor: Actor) -> None:
    role = StaffRole(role)
    if role is user.role:
        return
    if role is not StaffRole.ADMIN:
        _refuse_if_last_admin(user)
    previous = user.role
    user.role = role
    _audit("staff.role_changed", user, actor=actor, previous=previous.value, role=role.value)


def set_active(user: StaffUser, *, active: bool, actor: Actor) -> None:
    if user.active == active:
        return
    if not active:
        _refuse_if_last_admin(user)
        user.session_version += 1  # signs the person out everywhere
    user.active = active
    _audit("staff.reactivated" if active else "staff.deactivated", user, actor=actor)


def get_staff(user_id: int) -> StaffUser | None:
    return db.session.get(StaffUser, user_id)


def list_staff() -> list[StaffUser]:
    return list(db.session.scalars(
        sa.select(StaffUser).order_by(StaffUser.active.desc(), StaffUser.name, StaffUser.id)
    ))


# ---- set-password links ------------------------------------------------------------------

#: How long a mailed set-password link works.
PASSWORD_LINK_MAX_AGE_SECONDS = 72 * 3600
_LINK_SALT = "madoguchi.staff.set-password"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_LINK_SALT)


def _password_fingerprint(user: StaffUser) -> str:
    """Changes whenever the password does, so a link works once and dies with any change."""
    material = f"{user.id}:{user.password_hash or ''}:{user.session_version}"
    return hashlib.sha256(material.encode()).hexdigest()[:24]


def password_link_token(user: StaffUser) -> str:
    return _serializer().dumps({"u": user.id, "f": _password_fingerprint(user)})


def user_for_password_token(token: str) -> StaffUser | None:
    """The account a set-password link is for, or None if it is forged, expired or used."""
    try:
        data = _serializer().loads(token, max_age=PASSWORD_LINK_MAX_AGE_SECONDS)
        user = db.session.get(StaffUser, int(data["u"]))
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    if user is None or not user.active or not hmac.compare_digest(_password_fingerprint(user), str(data.get("f"))):
        return None
    return user


def send_password_link(user: StaffUser, *, actor: Actor) -> None:
    """Mail the person a link to choose their password (a new account, or a forgotten one)."""
    link = external_url("staff.set_password", token=password_link_token(user))
    queue_mail(
        to=user.email,
        template="staff_password_link",
        language=current_app.config["BABEL_DEFAULT_LOCALE"],
        kind="staff_password_link",
        name=user.name,
        link=link,
        hours=PASSWORD_LINK_MAX_AGE_SECONDS // 3600,
        is_new=user.password_hash is None,
    )
    _audit("staff.password_link_sent", user, actor=actor)


def set_password_from_link(user: StaffUser, *, password: str) -> None:
    set_password(user, password=password, actor=Actor("staff", user.id), reason="set_by_link")


def update_notification_settings(user: StaffUser, *, on_assignment: bool, on_reply: bool, language: str,
                                 actor: Actor) -> dict[str, list]:
    """The person's own choices: mail when a request is assigned to them, when a requester writes on
    one of their requests, and the language of the portal's mail to them. Returns `{field: [old, new]}`."""
    if language not in current_app.config["PORTAL_LANGUAGES"]:
        raise StaffAccountError("language_invalid")
    wanted = {"notify_on_assignment": bool(on_assignment), "notify_on_reply": bool(on_reply), "language": language}
    changes = {name: [getattr(user, name), value] for name, value in wanted.items() if getattr(user, name) != value}
    for name, (_old, new) in changes.items():
        setattr(user, name, new)
    if changes:
        _audit("staff.notification_settings_changed", user, actor=actor, changes=changes)
    return changes
