"""Casework fixtures: people with items, requests filed and moved through the real services.

`file_case(...)` → a `Case` (plain data: reference, id, person_id), usable outside any app
context. `case_state(reference)` reads the request back fresh from the database.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from portal.audit.services import Actor
from portal.common.time import utcnow
from portal.dsr import services as dsr
from portal.dsr.models import DataRequest, RequestEvent
from portal.dsr.queries import get_by_reference, timeline
from portal.extensions import db
from portal.inventory.models import Category, Item, Person
from tests.conftest import csrf_from
from tests.staff.conftest import audit_actions, create_staff, login_as, login_staff  # noqa: F401  (fixtures)

SYSTEM = Actor("test")


@dataclass
class Case:
    reference: str
    id: int
    person_id: int | None
    version: int  # what a form opened now would carry


@pytest.fixture
def make_person(app):
    numbers = itertools.count(1)

    def make(*, name: str | None = None, email: str | None = None, items: dict | None = None) -> int:
        """A person with `items` ({(category, field): value}); returns the person's id."""
        n = next(numbers)
        with app.app_context():
            person = Person(key=f"C-{n:05d}", email=email or f"person{n}@example.jp", name=name or f"試験 太郎{n}",
                            name_kana="シケン タロウ")
            db.session.add(person)
            db.session.flush()
            for (category, field), value in (items or {}).items():
                db.session.add(Item(person_id=person.id, category=Category(category), field=field, value=value,
                                    collected_at=utcnow() - timedelta(days=30)))
            db.session.commit()
            person_id = person.id
            db.session.remove()
        return person_id

    return make


@pytest.fixture
def file_case(app):
    """File a request and move it to `status` through the services, as staff would."""

    def file(*, type: str = "disclosure", person_id: int | None = None, status: str = "verified",
             residence: str = "jp", email: str | None = None, received_at: datetime | None = None,
             assignee_id: int | None = None, **options) -> Case:
        with app.app_context():
            change = dsr.create_request(
                type=type, person_id=person_id, requester_email=email or "requester@example.jp", channel="web",
                language="ja", residence=residence, actor=Actor("customer", None), received_at=received_at,
                verified=status != "received" and not options.get("is_agent"), **options)
            request = change.request
            if options.get("is_agent") and status != "received":
                dsr.verify_request(request, actor=SYSTEM, verified_at=received_at)
            if status in ("in_progress", "awaiting_requester", "completed", "rejected"):
                dsr.transition(request, "in_progress", actor=SYSTEM)
            if status == "awaiting_requester":
                dsr.ask_requester(request, body="書類をお送りください。", actor=SYSTEM)
            if status == "completed":
                dsr.transition(request, "completed", actor=SYSTEM)
            if status == "rejected":
                dsr.transition(request, "rejected", actor=SYSTEM, reason="本人確認ができませんでした。")
            if assignee_id is not None:
                dsr.assign(request, assignee_id=assignee_id, actor=SYSTEM)
            db.session.commit()
            case = Case(request.reference, request.id, request.person_id, request.version_id)
            db.session.remove()
        return case

    return file


@pytest.fixture
def case_state(app):
    """`case_state(reference)` → (request, events) read fresh; attributes stay loaded."""

    def read(reference: str):
        with app.app_context():
            request = get_by_reference(reference)
            events = timeline(request)
            db.session.expunge_all()
            db.session.remove()
        return request, events

    return read


@pytest.fixture
def set_due(app):
    """Move a request's due date (what days passing would do), without touching its version."""

    def move(reference: str, due_at: datetime | None) -> None:
        with app.app_context():
            db.session.execute(sa.update(DataRequest).where(DataRequest.reference == reference)
                               .values(due_at=due_at).execution_options(synchronize_session=False))
            db.session.commit()
            db.session.remove()

    return move


def event_kinds(events: list[RequestEvent]) -> list[str]:
    return [event.kind.value for event in events]


VERSION_INPUT = re.compile(r'name="version" value="(\d+)"')
SEEN_INPUT = re.compile(r'name="seen" value="(\d+)"')


@pytest.fixture
def act(client):
    """`act(case, "reject", reason=…)`: post an action's form as the request page offers it now
    (its CSRF token, version and last event seen); `version=` sends an older one instead."""

    def post(case, action: str, *, version: int | None = None, **fields):
        page = f"/staff/requests/{case.reference}"
        html = client.get(page).get_data(as_text=True)
        data = {"csrf_token": csrf_from(html), "version": VERSION_INPUT.search(html).group(1),
                "seen": SEEN_INPUT.search(html).group(1), **fields}
        if version is not None:
            data["version"] = str(version)
        return client.post(f"{page}/{action}", data=data)

    return post
