"""Per-person links and short codes for a campaign's notice.

A link is signed (SECRET_KEY) and names one recipient; it carries no expiry of its own
because it works until the campaign's answer-by date, which the landing page checks, and may
be opened as often as the person likes until then. The unsubscribe link is a different
signature (its own salt), so a notice link cannot be replayed as a one-click POST or back.
Letters carry a short random code instead, typed on /c/code.
"""
from __future__ import annotations

import secrets
import unicodedata

from flask import current_app
from itsdangerous import BadData, URLSafeSerializer

_NOTICE_SALT = "madoguchi.campaigns.notice"
_UNSUBSCRIBE_SALT = "madoguchi.campaigns.unsubscribe"
# No 0/O, 1/I/L: the code is read off paper and typed by hand.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10


def _serializer(salt: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=salt)


def notice_token(recipient_id: int) -> str:
    return _serializer(_NOTICE_SALT).dumps(recipient_id)


def unsubscribe_token(recipient_id: int) -> str:
    return _serializer(_UNSUBSCRIBE_SALT).dumps(recipient_id)


def _load(salt: str, token: str) -> int | None:
    try:
        value = _serializer(salt).loads(token)
    except BadData:
        return None
    return value if isinstance(value, int) else None


def recipient_from_notice_token(token: str) -> int | None:
    """The recipient id a notice link names, or None when it was not signed by us."""
    return _load(_NOTICE_SALT, token)


def recipient_from_unsubscribe_token(token: str) -> int | None:
    return _load(_UNSUBSCRIBE_SALT, token)


def new_short_codes(count: int) -> list[str]:
    """`count` random codes of CODE_LENGTH characters (about 49 bits each): one 64-bit random
    number per code written in base 31, which is quick enough for 100,000 at once."""
    base, space = len(CODE_ALPHABET), len(CODE_ALPHABET) ** CODE_LENGTH
    codes = []
    for _ in range(count):
        number = secrets.randbits(64) % space  # 2^64 is ~22,000 times the space: no visible bias
        letters = []
        for _ in range(CODE_LENGTH):
            number, digit = divmod(number, base)
            letters.append(CODE_ALPHABET[digit])
        codes.append("".join(letters))
    return codes


def normalise_code(text: str) -> str:
    """What a person typed (full-width, lower case, hyphens, spaces) → the stored code."""
    text = unicodedata.normalize("NFKC", text or "").upper()
    return "".join(ch for ch in text if ch.isalnum())


def display_code(code: str) -> str:
    """`ABCDE-FGHJK`: easier to read off a letter."""
    return f"{code[:5]}-{code[5:]}"
