"""Fixtures for the end-to-end outcome tests (issue #14): Hanako imported through the real
importer, and a helper to read the database between requests."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.inventory.models import Person
from tests.customer.records import HANAKO, two_customers


@pytest.fixture
def hanako(app, import_lines) -> int:
    """山田 花子 and 佐藤 次郎 loaded by the importer; Hanako's person id."""
    import_lines(*two_customers())
    with app.app_context():
        person_id = db.session.scalar(sa.select(Person.id).where(Person.key == HANAKO))
        db.session.remove()
    return person_id


@pytest.fixture
def read(app):
    """`read(fn)`: call fn() inside an app context and hand back its result."""

    def call(fn):
        with app.app_context():
            try:
                return fn()
            finally:
                db.session.remove()

    return call


@pytest.fixture(autouse=True)
def _own_package_dir(package_dir):
    """Disclosure packages of these tests go to a folder of their own."""
