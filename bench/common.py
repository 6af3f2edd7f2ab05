"""What every benchmark shares: refusing CI's database and building a fresh schema."""
from __future__ import annotations

import logging
import sys
from pathlib import Path

import sqlalchemy as sa

from portal.extensions import db
from portal.startup import describe_database

PROTECTED_DATABASES = {"test"}  # CI's database


def refuse_protected(url: str, *, force: bool) -> bool:
    """True (after saying why) when `url` is CI's database and --force was not given."""
    if sa.engine.make_url(url).database in PROTECTED_DATABASES and not force:
        print(f"refusing to drop the schema of {describe_database(url)}: CI uses it (pass --force)", file=sys.stderr)
        return True
    return False


def reset_database(app) -> None:
    """An empty schema built by the real migrations (PostgreSQL: schema dropped; SQLite: new file)."""
    from flask_migrate import upgrade

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        else:
            db.engine.dispose()
            Path(db.engine.url.database).unlink(missing_ok=True)
        logging.disable(logging.INFO)  # Alembic's per-revision lines are noise here
        try:
            upgrade()
        finally:
            logging.disable(logging.NOTSET)
        db.engine.dispose()
