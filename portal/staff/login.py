"""Log-in attempts: the password step, the second factor and their audit entries.

The view renews the session and calls Flask-Login; everything that changes the database
or writes the audit log happens here, in the caller's transaction (the view commits).

Failures do not lock the account: a lock anyone can trigger is a way to keep an admin out,
and an answer only existing accounts give tells which exist. Guessing is slowed instead per
account *and* source address (the views' rate limits count failed attempts), so an attacker
is held back while the real person, from their own address, still gets in.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from portal.audit.services import Actor, record
from portal.common.text import normalise_email
from portal.common.time import utcnow
from portal.extensions import db
from portal.staff import security
from portal.staff.models import RecoveryCode, StaffRole, StaffUser

class Outcome(enum.StrEnum):
    DONE = "done"                      # fully authenticated
    NEED_TOTP = "need_totp"            # password fine; ask for the authenticator code
    NEED_ENROLMENT = "need_enrolment"  # password fine; the role needs 2FA, not set up yet
    REFUSED = "refused"                # wrong e-mail, password or code (one message for all)


@dataclass(frozen=True)
class Attempt:
    outcome: Outcome
    user: StaffUser | None = None
    method: str | None = None


def staff_actor(user: StaffUser) -> Actor:
    return Actor("staff", user.id)


def two_factor_required(user: StaffUser) -> bool:
    """Managers and admins always; agents when PORTAL_AGENT_2FA_REQUIRED is on."""
    if user.role is StaffRole.AGENT:
        return bool(current_app.config.get("PORTAL_AGENT_2FA_REQUIRED", False))
    return True


def find_staff_by_email(email: str) -> StaffUser | None:
    return db.session.scalar(
        sa.select(StaffUser).where(StaffUser.email == normalise_email(email))
    )


def check_password(*, email: str, password: str) -> Attempt:
    """The first factor. Unknown address, inactive account and wrong password look the same."""
    user = find_staff_by_email(email)
    if user is None:
        security.verify_password(None, password)  # one argon2 verification, as for a real account
        record("staff.login_failed", actor=Actor.system(), details={"reason": "unknown_account", "stage": "password"})
        return Attempt(Outcome.REFUSED)
    if not security.verify_password(user.password_hash, password):
        return _fail(user, reason="wrong_password", stage="password")
    if not user.active:
        record("staff.login_failed", actor=staff_actor(user), target_type="staff_user",
               target_id=user.id, details={"reason": "inactive", "stage": "password"})
        return Attempt(Outcome.REFUSED, user)
    if security.password_needs_rehash(user.password_hash):
        user.password_hash = security.hash_password(password)
    if user.has_totp:
        return Attempt(Outcome.NEED_TOTP, user)
    if two_factor_required(user):
        return Attempt(Outcome.NEED_ENROLMENT, user)
    return Attempt(Outcome.DONE, user, method="password")


def check_second_factor(user: StaffUser, code: str) -> Attempt:
    """A TOTP code (each step accepted once) or an unused recovery code."""
    if not user.active or not user.has_totp:
        return Attempt(Outcome.REFUSED, user)
    if security.looks_like_recovery_code(code):
        if _use_recovery_code(user, code):
            return Attempt(Outcome.DONE, user, method="password+recovery_code")
    elif _use_totp_code(user, code):
        return Attempt(Outcome.DONE, user, method="password+totp")
    return _fail(user, reason="wrong_code", stage="second_factor")


def accept_totp_step(user: StaffUser, step: int) -> bool:
    """Remember `step` as used, atomically: of two requests racing with one code, one wins."""
    result = db.session.execute(
        sa.update(StaffUser)
        .where(StaffUser.id == user.id)
        .where(sa.or_(StaffUser.totp_last_step.is_(None), StaffUser.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(user, ["totp_last_step"])
    return result.rowcount == 1


def _use_totp_code(user: StaffUser, code: str) -> bool:
    step = security.matching_totp_step(user.totp_secret, code, after_step=user.totp_last_step)
    return step is not None and accept_totp_step(user, step)


def _use_recovery_code(user: StaffUser, code: str) -> bool:
    result = db.session.execute(
        sa.update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id)
        .where(RecoveryCode.code_hash == security.hash_recovery_code(code, user_id=user.id))
        .where(RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    remaining = unused_recovery_codes(user)
    record("staff.recovery_code_used", actor=staff_actor(user), target_type="staff_user",
           target_id=user.id, details={"remaining": remaining})
    return True


def unused_recovery_codes(user: StaffUser) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def _fail(user: StaffUser, *, reason: str, stage: str) -> Attempt:
    """Count a failure (atomically, shown to admins on the account's page) and audit it."""
    db.session.execute(
        sa.update(StaffUser)
        .where(StaffUser.id == user.id)
        .values(failed_login_count=StaffUser.failed_login_count + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(user, ["failed_login_count"])
    record("staff.login_failed", actor=staff_actor(user), target_type="staff_user",
           target_id=user.id, details={"reason": reason, "stage": stage})
    return Attempt(Outcome.REFUSED, user)


def complete_login(user: StaffUser, *, method: str) -> datetime | None:
    """Both factors passed: reset the failure count, note the time, audit. Returns the previous log-in."""
    previous = user.last_login_at
    user.failed_login_count = 0
    user.locked_until = None
    user.last_login_at = utcnow()
    record("staff.login_succeeded", actor=staff_actor(user), target_type="staff_user",
           target_id=user.id, details={"method": method})
    return previous


def record_logout(user: StaffUser, *, reason: str = "user") -> None:
    """End the session on the server too: a log-out moves the account's session version, so a
    copy of the cookie (kept, stolen or still open in another browser) is refused afterwards."""
    if reason == "user":
        user.session_version += 1
    action = "staff.logout" if reason == "user" else "staff.session_expired"
    record(action, actor=staff_actor(user), target_type="staff_user", target_id=user.id,
           details={"reason": reason})
