"""AES-256-GCM for single values: `<key id>:<base64(nonce ‖ ciphertext ‖ tag)>`.

The key id travels with each value so that keys can be rotated row by row. The column's
name is the associated data: a value copied into another column does not decrypt.
"""
from __future__ import annotations

import base64
import os

from flask import current_app

from portal.encryption.keys import Keyring

NONCE_BYTES = 12
EXTENSION = "madoguchi.keyring"


def keyring() -> Keyring:
    try:
        return current_app.extensions[EXTENSION]
    except RuntimeError:
        raise RuntimeError("encrypted columns are read and written inside the app context") from None


def encrypt(plaintext: str, context: str, ring: Keyring | None = None) -> str:
    ring = ring or keyring()
    nonce = os.urandom(NONCE_BYTES)
    sealed = ring.cipher(ring.active_id).encrypt(nonce, plaintext.encode(), context.encode())
    return f"{ring.active_id}:{base64.b64encode(nonce + sealed).decode()}"


def decrypt(token: str, context: str, ring: Keyring | None = None) -> str:
    ring = ring or keyring()
    key_id, _, encoded = token.partition(":")
    raw = base64.b64decode(encoded)
    return ring.cipher(key_id).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode()).decode()


def key_id_of(token: str) -> str:
    return token.partition(":")[0]
