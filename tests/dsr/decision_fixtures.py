"""Fixtures for decision tests: 山田 花子 and 佐藤 次郎 with their data, requests about them
filed and put in progress through the real services, and a staff decision committed as the
staff request page would commit it.

Import the fixtures into a test module: `from tests.dsr.decision_fixtures import *`.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.audit.services import Actor
from portal.common.time import utcnow
from portal.dsr import services
from portal.dsr.decisions import complete_with_decision
from portal.dsr.decisions.packages import DisclosurePackage
from portal.dsr.models import DataRequest, EventKind, RequestEvent
from portal.dsr.status import RequestStatus
from portal.extensions import db
from portal.inventory.models import Item, Person
from tests.customer.records import HANAKO, JIRO, two_customers

__all__ = ["package_dir", "people", "file_about", "decide", "STAFF", "item_of", "items_of", "applied_event", "person_id_of",
           "package_of"]

STAFF = Actor("staff", 7)


def person_id_of(key: str) -> int:
    return db.session.scalar(sa.select(Person.id).where(Person.key == key))


@pytest.fixture(autouse=True)
def package_dir(app, tmp_path, monkeypatch):
    """Packages of these tests go to a folder of their own, not the instance folder."""
    folder = tmp_path / "disclosures"
    monkeypatch.setitem(app.config, "PORTAL_DISCLOSURE_DIR", str(folder))
    return folder


@pytest.fixture
def people(app_ctx, import_lines):
    """Hanako's and Jiro's person ids, each with a register entry, items, consents and a provision."""
    import_lines(*two_customers())
    return {"hanako": person_id_of(HANAKO), "jiro": person_id_of(JIRO)}


@pytest.fixture
def file_about(app_ctx):
    """`file_about(person_id, type, details, language="ja")`: a web request by the person, in progress."""

    def file(person_id: int, type: str, details: dict, *, language: str = "ja",
             status: RequestStatus = RequestStatus.IN_PROGRESS) -> DataRequest:
        person = db.session.get(Person, person_id)
        change = services.create_request(
            type=type, person_id=person_id, requester_email=person.email, requester_name=person.name,
            channel="web", language=language, residence="jp", details=details,
            actor=Actor("customer", person_id), verified=True, received_at=utcnow() - timedelta(hours=1),
        )
        request = change.request
        if status is RequestStatus.IN_PROGRESS:
            services.transition(request, RequestStatus.IN_PROGRESS, actor=STAFF)
        db.session.commit()
        return request

    return file


@pytest.fixture
def decide(app_ctx):
    """Apply a decision and commit, as the staff request page does; returns the change."""

    def apply(request: DataRequest, decision, **options):
        change = complete_with_decision(request, actor=STAFF, decision=decision, **options)
        db.session.commit()
        return change

    return apply


def item_of(person_id: int, category: str, field: str) -> Item | None:
    return db.session.scalar(sa.select(Item).where(Item.person_id == person_id, Item.category == category,
                                                   Item.field == field))


def items_of(person_id: int, category: str | None = None) -> list[Item]:
    stmt = sa.select(Item).where(Item.person_id == person_id)
    if category:
        stmt = stmt.where(Item.category == category)
    return list(db.session.scalars(stmt.order_by(Item.id)))


def applied_event(request: DataRequest) -> RequestEvent:
    return db.session.scalar(sa.select(RequestEvent).where(RequestEvent.request_id == request.id,
                                                           RequestEvent.kind == EventKind.APPLIED))


def package_of(request: DataRequest) -> DisclosurePackage | None:
    """The disclosure package a decision stored for the request."""
    return db.session.scalar(sa.select(DisclosurePackage).where(DisclosurePackage.request_id == request.id))
