"""The cryptography of a staff log-in: argon2 passwords, TOTP codes, recovery codes.

Pure functions (no database, no session), so the rules are easy to read and to test.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
import time
import unicodedata
from datetime import datetime, timezone

import pyotp
from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

from portal.common.text import normalise_email

MIN_PASSWORD_LENGTH = 12
# argon2 hashes any length, but a megabyte "password" is a cheap way to burn CPU.
MAX_PASSWORD_LENGTH = 256
RECOVERY_CODE_COUNT = 10
# Accept the code of the previous and the next 30-second step too (clock drift, slow typing).
TOTP_VALID_WINDOW = 1
_RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are copied by hand


# ---- passwords ---------------------------------------------------------------------------

def _hasher() -> PasswordHasher:
    # The test-suite uses argon2's cheapest profile; every real deployment the RFC 9106 one.
    # A hash made with other parameters is upgraded at the next successful log-in.
    profile = current_app.config.get("PORTAL_PASSWORD_HASH_PROFILE", "RFC_9106_LOW_MEMORY")
    return PasswordHasher.from_parameters(getattr(profiles, profile))


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; an account without one still costs the same time as a wrong guess."""
    hasher = _hasher()
    try:
        if password_hash is None:
            hasher.verify(_dummy_hash(), password)
            return False
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


_DUMMY: dict[str, str] = {}


def _dummy_hash() -> str:
    """A hash of nothing, with current parameters: unknown e-mail addresses take as long."""
    profile = current_app.config.get("PORTAL_PASSWORD_HASH_PROFILE", "RFC_9106_LOW_MEMORY")
    if profile not in _DUMMY:
        _DUMMY[profile] = _hasher().hash(secrets.token_hex(16))
    return _DUMMY[profile]


def password_problem(password: str, *, email: str) -> str | None:
    """Why a new password is refused, in English (callers translate), or None when it is fine."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return "too_short"
    if len(password) > MAX_PASSWORD_LENGTH:
        return "too_long"
    if normalise_email(password) == normalise_email(email):
        return "is_email"
    if is_common_password(password):
        return "common"
    return None


#: How many of the most used passwords are refused (zxcvbn's list, ranked by frequency).
COMMON_PASSWORDS_REFUSED = 10_000
_TRAILING_DIGITS_AND_SIGNS = re.compile(r"[\d\W_]+$")


@functools.cache
def _common_passwords() -> frozenset[str]:
    # zxcvbn ships the 30,000 most frequent leaked passwords (xato's list), ranked; a maintained
    # package rather than a list file of our own.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"][:COMMON_PASSWORDS_REFUSED])


def is_common_password(password: str) -> bool:
    """On the list as typed (case aside), or a listed word padded with digits and signs
    ("sunshine2024!!" is "sunshine" to whoever guesses)."""
    lowered = unicodedata.normalize("NFKC", password).casefold()
    common = _common_passwords()
    if lowered in common:
        return True
    stem = _TRAILING_DIGITS_AND_SIGNS.sub("", lowered)
    return len(stem) >= 4 and stem != lowered and stem in common


# ---- TOTP --------------------------------------------------------------------------------

def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, *, account: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def matching_totp_step(secret: str, code: str, *, after_step: int | None = None,
                       at: float | None = None) -> int | None:
    """The time step whose code equals `code`, within the window, later than `after_step`.

    Returning the step (rather than True) lets the caller remember it, so the same code —
    or an older one — is refused for the rest of its validity (no replay of an observed code).
    """
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now_step = totp.timecode(_as_datetime(at))
    for step in range(now_step - TOTP_VALID_WINDOW, now_step + TOTP_VALID_WINDOW + 1):
        if after_step is not None and step <= after_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _as_datetime(at: float | None) -> datetime:
    return datetime.fromtimestamp(time.time() if at is None else at, tz=timezone.utc)


# ---- recovery codes ----------------------------------------------------------------------

def new_recovery_codes(count: int = RECOVERY_CODE_COUNT) -> list[str]:
    """Codes like `K7QM-2XHP-9TRW-D4FA` (80 bits each), shown once and stored hashed."""
    codes = []
    for _ in range(count):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(16))
        codes.append("-".join(raw[i:i + 4] for i in range(0, 16, 4)))
    return codes


def looks_like_recovery_code(text: str) -> bool:
    return len(_canonical_recovery_code(text)) == 16


def _canonical_recovery_code(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).upper() if ch.isalnum())


def hash_recovery_code(code: str, *, user_id: int) -> str:
    """SHA-256 is enough for 80 random bits; the user id keeps equal codes apart across users."""
    canonical = _canonical_recovery_code(code)
    return hashlib.sha256(f"{user_id}:{canonical}".encode()).hexdigest()
