"""What every benchmark shares: its app and database, refusing CI's, and a fresh schema."""
from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import sqlalchemy as sa

from portal.extensions import db
from portal.startup import describe_database

PROTECTED_DATABASES = {"test"}  # CI's database


def bench_app(workdir: str, *, force: bool, **config):
    """The app an in-process benchmark drives: on DATABASE_URL, else on a SQLite file in
    `workdir`; None (after saying why) when that is CI's database and --force was not given."""
    from portal import create_app

    url = os.environ.get("DATABASE_URL") or f"sqlite:///{workdir}/bench.db"
    if refuse_protected(url, force=force):
        return None
    return create_app({"PORTAL_ENV": "testing", "SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": url, **config})


def database_label(app) -> str:
    """`sqlite sqlite:////tmp/…` or `postgresql postgresql+psycopg://…` (no password), for the report."""
    with app.app_context():
        return f"{db.engine.dialect.name} {describe_database(app.config['SQLALCHEMY_DATABASE_URI'])}"


def refuse_protected(url: str, *, force: bool) -> bool:
    """True (after saying why) when `url` is CI's database and --force was not given."""
    if sa.engine.make_url(url).database in PROTECTED_DATABASES and not force:
        print(f"refusing to drop the schema of {describe_database(url)}: CI uses it (pass --force)", file=sys.stderr)
        return True
    return False


def upgrade_schema(app) -> None:
    """Bring a reused database to the code's schema (new indexes included), as a deploy would."""
    from flask_migrate import upgrade

    with app.app_context():
        logging.disable(logging.INFO)
        try:
            upgrade()
        finally:
            logging.disable(logging.NOTSET)
        db.engine.dispose()


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


def profile_register_url(args) -> str | None:
    """The database of profile_pages' generated register (`--persons --items --requests`):
    DATABASE_URL, else a SQLite file kept in the temporary folder for `--reuse`; None (after
    saying why) when that is CI's database and --force was not given."""
    import tempfile

    sqlite_path = Path(tempfile.gettempdir()) / f"madoguchi-profile-{args.persons}-{args.items}-{args.requests}.db"
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{sqlite_path}"
    return None if refuse_protected(url, force=args.force) else url
