"""Start-up checks that turn common mistakes into one clear line instead of a traceback."""
from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from portal.extensions import db

MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")


def ensure_instance_folder(app: Flask) -> None:
    os.makedirs(app.instance_path, exist_ok=True)


def describe_database(url: str) -> str:
    """The database URL with any password hidden, for messages."""
    return sa.engine.make_url(url).render_as_string(hide_password=True)


def check_database(app: Flask) -> None:
    """Fail fast, in one line, when DATABASE_URL cannot be reached."""
    with app.app_context():
        try:
            with db.engine.connect() as connection:
                connection.execute(sa.text("SELECT 1"))
        except Exception as exc:  # any driver error means the same thing to the operator
            reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
            raise SystemExit(
                "madoguchi: cannot reach the database at "
                f"{describe_database(app.config['SQLALCHEMY_DATABASE_URI'])}: {reason}"
            ) from None
