"""Factories for request tests: people, requests filed through the real services, dates in Japan time."""
from __future__ import annotations

import itertools
from datetime import datetime, timezone

import pytest

from portal.audit.services import Actor
from portal.common.time import JST
from portal.dsr import services
from portal.extensions import db
from portal.inventory.models import Person

STAFF = Actor("staff", 7)
OTHER_STAFF = Actor("staff", 8)


def jst(year: int, month: int, day: int, hour: int = 10, minute: int = 0, second: int = 0) -> datetime:
    """An aware UTC datetime from a Japan wall-clock time (how tests say "verified on 28 April")."""
    return datetime(year, month, day, hour, minute, second, tzinfo=JST).astimezone(timezone.utc)


@pytest.fixture
def make_person(app_ctx):
    counter = itertools.count(1)

    def make(email: str | None = None) -> Person:
        n = next(counter)
        person = Person(key=f"P{n:04d}", email=email or f"person{n}@example.jp", name=f"試験 {n}")
        db.session.add(person)
        db.session.commit()
        return person

    return make


@pytest.fixture
def file_request(app_ctx):
    """File a request through `create_request` and commit, as a view would; returns the request."""

    def file(**options):
        values = {
            "type": "disclosure",
            "person_id": None,
            "requester_email": "someone@example.jp",
            "channel": "web",
            "language": "ja",
            "residence": "jp",
            "actor": Actor("customer", None),
        }
        values.update(options)
        change = services.create_request(**values)
        db.session.commit()
        return change.request

    return file


@pytest.fixture
def verified_request(file_request):
    """A request verified at a given Japan time, under the residence's policy."""

    def make(when: datetime, *, residence: str = "jp", **options):
        return file_request(residence=residence, verified=True, received_at=when, **options)

    return make
