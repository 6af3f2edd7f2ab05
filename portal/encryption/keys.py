"""The keys that protect personal data at rest, read from the environment.

`PORTAL_DATA_KEYS` lists AES-256 keys as `id:base64`, comma separated; the FIRST one
encrypts everything written from now on, the others are still read (they are the keys
being rotated away from). `PORTAL_INDEX_KEY` is the HMAC key of the blind indexes used to
look people up by email, phone or name; it is long-lived (changing it means re-indexing).

Development and the tests run on fixed, published keys; production refuses them.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,16}$")


class KeyError_(ValueError):
    """A key setting is malformed; the message names the setting and says what to do."""


def _published(label: str) -> bytes:
    return hashlib.sha256(f"madoguchi development {label} key: not secret".encode()).digest()


#: What development and the tests use when no keys are set (never accepted in production).
DEVELOPMENT_DATA_KEYS = "dev:" + base64.b64encode(_published("data")).decode()
DEVELOPMENT_INDEX_KEY = base64.b64encode(_published("index")).decode()

HOW_TO_MAKE_A_KEY = "python -c 'import os, base64; print(base64.b64encode(os.urandom(32)).decode())'"


def _decode_key(text: str, setting: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise KeyError_(f"{setting}: a key is not valid base64 (make one with {HOW_TO_MAKE_A_KEY})") from None
    if len(raw) != KEY_BYTES:
        raise KeyError_(f"{setting}: a key must be {KEY_BYTES} random bytes, base64-encoded, got {len(raw)}")
    return raw


@dataclass
class Keyring:
    """Data keys by id (the first is active) and the blind-index key."""

    data_keys: dict[str, bytes]
    active_id: str
    index_key: bytes
    _ciphers: dict[str, AESGCM] = field(default_factory=dict, repr=False)

    @classmethod
    def from_settings(cls, data_keys: str, index_key: str) -> Keyring:
        keys: dict[str, bytes] = {}
        for entry in filter(None, (part.strip() for part in data_keys.split(","))):
            key_id, sep, encoded = entry.partition(":")
            if not sep or not _KEY_ID.match(key_id):
                raise KeyError_("PORTAL_DATA_KEYS: each key is written id:base64 with an id of "
                                "letters, digits, '-' or '_' (at most 16), e.g. 2026a:…")
            if key_id in keys:
                raise KeyError_(f"PORTAL_DATA_KEYS: the key id {key_id!r} appears twice")
            keys[key_id] = _decode_key(encoded, "PORTAL_DATA_KEYS")
        if not keys:
            raise KeyError_(f"PORTAL_DATA_KEYS is empty (make a key with {HOW_TO_MAKE_A_KEY})")
        return cls(keys, next(iter(keys)), _decode_key(index_key, "PORTAL_INDEX_KEY"))

    def uses_published_keys(self) -> bool:
        """Whether any key is one of the development keys (compared as bytes: spelling aside)."""
        return self.index_key == _published("index") or _published("data") in self.data_keys.values()

    def cipher(self, key_id: str) -> AESGCM:
        try:
            return self._ciphers[key_id]
        except KeyError:
            if key_id not in self.data_keys:
                raise UnknownKey(key_id) from None
            self._ciphers[key_id] = AESGCM(self.data_keys[key_id])
            return self._ciphers[key_id]


class UnknownKey(LookupError):
    """A value was encrypted under a key this process was not given."""

    def __init__(self, key_id: str):
        super().__init__(f"a value is encrypted under key id {key_id!r}, which PORTAL_DATA_KEYS does not list; "
                         "keep old keys listed until `flask --app portal rotate-key` has finished")
