"""Shared fixtures: one database per test run (SQLite file, or PostgreSQL from DATABASE_URL),
built by the real migrations and emptied after every test.

Tests talk to a real database; several (browser, racing `tick`s) need real commits from
other threads or connections, so tests are isolated by emptying tables, not by rollback.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal import create_app
from portal.extensions import db

pytest_plugins = ["tests.fixtures.smtp"]

# Property tests explore new inputs on every local run; CI replays a fixed sequence so that a
# submission cannot turn red by chance (a failure found locally is fixed, then kept as a test).
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    _hypothesis_settings.load_profile("ci")


def pytest_collection_modifyitems(config, items):
    """Run browser tests last: Playwright's sync API keeps an event loop running in the
    main thread for the session, which asyncio-based tests (aiosmtpd) cannot share."""
    items.sort(key=lambda item: "browser" in item.keywords)

TEST_SECRET_KEY = "test-secret-key-that-is-long-enough-0123456789"


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")


def _reset_schema(app) -> None:
    """Start from nothing and build the schema with the real migrations."""
    from flask_migrate import upgrade

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        else:
            Path(db.engine.url.database).unlink(missing_ok=True)
        upgrade()
        db.engine.dispose()


def _compile_translations() -> None:
    """Compile the catalogues so running pytest directly (without make) sees translations."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po_path in Path(__file__).resolve().parent.parent.glob("portal/translations/*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog, use_fuzzy=True)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    _compile_translations()
    application = create_app(
        {
            "PORTAL_ENV": "testing",
            "SECRET_KEY": TEST_SECRET_KEY,
            "SQLALCHEMY_DATABASE_URI": _database_url(tmp_path_factory),
            "PORTAL_BASE_URL": "http://portal.test",
            "RATELIMIT_ENABLED": True,
            "SERVER_NAME": None,
            # Uploaded letters of authority go to a temporary folder, never the repository.
            "PORTAL_UPLOAD_DIR": str(tmp_path_factory.mktemp("uploads")),
        }
    )
    _reset_schema(application)
    return application


def empty_all_tables(app) -> None:
    with app.app_context():
        db.session.remove()
        tables = [t for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                names = ", ".join(f'"{t.name}"' for t in tables)
                connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    connection.execute(table.delete())
            # A fresh database has the deadline policies the migrations seed; so does every test.
            from portal.dsr.policies import insert_default_policies

            insert_default_policies(connection)


@pytest.fixture(autouse=True)
def _clean_database(request):
    """Every test starts and ends with empty tables (only for tests that use the app)."""
    yield
    if "app" in request.fixturenames:
        app = request.getfixturevalue("app")
        empty_all_tables(app)
        from portal.extensions import limiter

        limiter.reset()


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


@pytest.fixture
def post_form(client):
    """POST a form the way a browser does: read the page first, send its CSRF token back."""

    def post(url: str, data: dict | None = None, *, page: str | None = None, **kwargs):
        html = client.get(page or url).get_data(as_text=True)
        payload = {"csrf_token": csrf_from(html), **(data or {})}
        return client.post(url, data=payload, **kwargs)

    return post


@pytest.fixture
def import_lines(app):
    """Import records (dicts) through the real importer, as the CLI does."""
    import json

    from portal.audit.services import Actor
    from portal.inventory.importer import import_bytes

    def load(*records: dict, dry_run: bool = False):
        data = "\n".join(json.dumps(r, ensure_ascii=False) for r in records).encode()
        with app.app_context():
            return import_bytes(data, actor=Actor("test"), dry_run=dry_run)

    return load
