"""Column types that encrypt on the way in and decrypt on the way out.

They work wherever SQLAlchemy binds parameters, including the importer's COPY path (which
runs each column's bind processor). SQL can only test them for NULL: look-ups go through
blind indexes (portal/encryption/blind.py), sums through clear derived columns.
"""
from __future__ import annotations

import json
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator

from portal.common.json_text import compact_json
from portal.encryption.cipher import decrypt, encrypt, keyring


class EncryptedType(TypeDecorator):
    impl = sa.Text
    cache_ok = True

    def __init__(self, context: str):
        """`context` names the column (e.g. "person.email"); it is bound into every ciphertext."""
        super().__init__()
        self.context = context

    def dump(self, value: Any) -> str:
        return value

    def load(self, text: str) -> Any:
        return text

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return encrypt(self.dump(value), self.context)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return self.load(decrypt(value, self.context))

    def bulk_processor(self, dialect):
        """For bulk inserts (common.db.insert_many): the keyring looked up once, not per value."""
        ring, dump, context = keyring(), self.dump, self.context
        return lambda value: None if value is None else encrypt(dump(value), context, ring)


class EncryptedText(EncryptedType):
    """A string."""

    cache_ok = True

    def dump(self, value: str) -> str:
        return str(value)


class EncryptedJSON(EncryptedType):
    """Any JSON value (what sa.JSON would have stored)."""

    cache_ok = True

    def dump(self, value: Any) -> str:
        return compact_json(value)

    def load(self, text: str) -> Any:
        return json.loads(text)


class EncryptedDate(EncryptedType):
    """A date, kept as its ISO form."""

    cache_ok = True

    def dump(self, value: date) -> str:
        return value.isoformat()

    def load(self, text: str) -> date:
        return date.fromisoformat(text)
