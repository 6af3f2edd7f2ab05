"""Encryption at rest of personal data: keys, column types, blind indexes, key rotation."""
from __future__ import annotations

from flask import Flask

from portal.encryption.cipher import EXTENSION
from portal.encryption.keys import Keyring


def init_app(app: Flask) -> None:
    """Parse the keys once; config.check_config has already refused bad or missing ones."""
    app.extensions[EXTENSION] = Keyring.from_settings(app.config["PORTAL_DATA_KEYS"], app.config["PORTAL_INDEX_KEY"])
