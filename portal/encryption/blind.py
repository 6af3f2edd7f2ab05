"""Blind indexes: a keyed hash of a normalised value, so equality look-ups work on ciphertext.

Only exact matches can be found this way (that is the point: the database cannot be
searched for part of a name). Each kind has its own normalisation and its own domain in
the hash, so equal strings of different kinds do not share an index value.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

import sqlalchemy as sa
from sqlalchemy.orm import validates

from portal.common.text import normalise_email
from portal.encryption.cipher import keyring

_NOT_DIGIT = re.compile(r"\D")
_SPACE = re.compile(r"\s+")


def normalise_phone(text: str) -> str:
    """Digits only: 03-1234-5678, 0312345678 and ０３（１２３４）５６７８ are one number."""
    return _NOT_DIGIT.sub("", unicodedata.normalize("NFKC", text or ""))


def normalise_name(text: str) -> str:
    """山田 太郎, 山田　太郎 and 山田太郎 are one name; Latin names ignore case."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text or "")).casefold()


def normalise_number(text: str) -> str:
    """Customer numbers: M-5550 1234, ｍ５５５０１２３４ and M55501234 are one number."""
    return re.sub(r"[\s\-‐－ー]", "", unicodedata.normalize("NFKC", text or "")).upper()


_NORMALISERS = {"email": normalise_email, "phone": normalise_phone, "name": normalise_name, "number": normalise_number}


def blind_index(kind: str, value: str | None) -> str | None:
    """The index of `value` (None when there is nothing to index)."""
    normalised = _NORMALISERS[kind](value) if value is not None else ""
    if not normalised:
        return None
    return hmac.new(keyring().index_key, f"{kind}\x00{normalised}".encode(), hashlib.sha256).hexdigest()


def content_digest(canonical: bytes, key: bytes | None = None) -> str:
    """A keyed digest of a stored value's canonical bytes: equal exactly when the bytes are, so an
    import can tell a line is unchanged without decrypting it, yet it reveals nothing (keyed,
    like the indexes, so a short value such as a phone number cannot be guessed from it).
    `key`: the index key, when the caller digests many values in a row."""
    # BLAKE2b in its keyed mode is a MAC in one C call (HMAC-SHA256 costs three Python-level steps),
    # which counts at a million lines an import.
    return hashlib.blake2b(canonical, key=key or keyring().index_key, digest_size=32, person=b"madoguchi.item").hexdigest()


def email_index(value: str | None) -> str | None:
    return blind_index("email", value)


def phone_index(value: str | None) -> str | None:
    return blind_index("phone", value)


def name_index(value: str | None) -> str | None:
    return blind_index("name", value)


def number_index(value: str | None) -> str | None:
    return blind_index("number", value)


def family_name_index(value: str | None) -> str | None:
    """The index of the first part of a name written with a space ("山田 花子" → "山田"), in the
    same domain as `name_index`, so a search for the family name alone finds the person. A name
    written without a space has no parts to find (None)."""
    parts = _SPACE.split(unicodedata.normalize("NFKC", value or "").strip())
    return name_index(parts[0]) if len(parts) > 1 else None


def index_matches(index_column, value: str | None):
    """`index_column == value`, except that nothing to index (a phone without digits) matches nobody."""
    return sa.false() if value is None else index_column == value


def index_pairs(target) -> list[tuple[str, object]]:
    """(column, index function) pairs of one field: one pair, or a list of them."""
    return target if isinstance(target, list) else [target]


def kept_in_step(indexes: dict):
    """An ORM validator that sets each field's index column whenever the field is set.

    `indexes` maps a field to (its index column, its index function), or to a list of such
    pairs; assign the result in the model's class body (`_keep_indexes = kept_in_step({...})`).
    """
    @validates(*indexes)
    def keep(self, field: str, value):
        for column, index in index_pairs(indexes[field]):
            setattr(self, column, index(value))
        return value

    return keep
