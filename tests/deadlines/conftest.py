"""Requests at chosen distances from their due date, staff to remind, and `tick` to run.

Requests are filed and moved through the real dsr services; "due in 3 days" means verified
11 days ago under the APPI default (14 calendar days), counted in Japan dates like the portal.
"""
from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.audit.services import Actor
from portal.common.time import utcnow
from portal.deadlines import reminders
from portal.dsr import services as dsr
from portal.dsr.models import DataRequest, EventKind, RequestEvent
from portal.extensions import db
from portal.mail.models import OutboxMessage
from tests.staff.conftest import create_staff  # noqa: F401

APPI_DAYS = 14
REQUESTER = "taro.requester@example.jp"
REQUESTER_NAME = "請求 太郎"


def run_at(app, now) -> str:
    """One pass of the reminders job at another moment (what tick would do then)."""
    with app.app_context():
        summary = str(reminders.run(now=now))
        db.session.commit()
        db.session.remove()
    return summary


@pytest.fixture
def make_request(app):
    """`make_request(due_in_days=3, assignee=account, residence="jp", status=None)` → reference."""
    counter = itertools.count(1)

    def make(*, due_in_days: int | None = None, verified_hours_ago: float | None = None, assignee=None,
             residence: str = "jp", status: str | None = None, type: str = "disclosure") -> str:
        if due_in_days is not None:
            verified_at = utcnow() - timedelta(days=APPI_DAYS - due_in_days)
        else:
            verified_at = utcnow() - timedelta(hours=verified_hours_ago)
        n = next(counter)
        with app.app_context():
            change = dsr.create_request(
                type=type, person_id=None, requester_email=f"{n}.{REQUESTER}", requester_name=REQUESTER_NAME,
                channel="web", language="ja", residence=residence, actor=Actor("customer", None),
                verified=True, received_at=verified_at)
            request = change.request
            staff = Actor("staff", 1)
            if assignee is not None:
                dsr.assign(request, assignee_id=assignee.id, actor=staff)
            if status in ("in_progress", "completed", "rejected", "withdrawn"):
                dsr.transition(request, "in_progress", actor=staff)
            if status == "completed":
                dsr.transition(request, "completed", actor=staff)
            elif status == "rejected":
                dsr.transition(request, "rejected", actor=staff, reason="理由")
            elif status == "withdrawn":
                dsr.transition(request, "withdrawn", actor=staff, on_behalf=True, note="電話で取り下げ")
            elif status == "awaiting_requester":
                dsr.ask_requester(request, body="ご本人確認の書類をお送りください。", actor=staff)
            db.session.commit()
            reference = request.reference
            db.session.remove()
        return reference

    return make


@pytest.fixture
def tick(runner):
    """Run `flask --app portal tick`; returns its `reminders:` line."""

    def run() -> str:
        result = runner.invoke(args=["tick"])
        assert result.exit_code == 0, result.output
        return next(line for line in result.output.splitlines() if line.startswith("reminders: "))

    return run


@pytest.fixture
def events(app):
    """`events(reference, kind)` → [(data, visible_to_requester)] of that kind, in order."""

    def read(reference: str, kind: EventKind) -> list[tuple[dict, bool]]:
        with app.app_context():
            rows = db.session.execute(
                sa.select(RequestEvent.data, RequestEvent.visible_to_requester)
                .join(DataRequest, DataRequest.id == RequestEvent.request_id)
                .where(DataRequest.reference == reference, RequestEvent.kind == kind)
                .order_by(RequestEvent.id)
            ).all()
            db.session.remove()
        return [tuple(row) for row in rows]

    return read


@pytest.fixture
def outbox(app):
    """`outbox(kind)` → [(to, subject, body_text)] queued so far."""

    def read(kind: str) -> list[tuple[str, str, str]]:
        with app.app_context():
            rows = db.session.execute(
                sa.select(OutboxMessage.to_address, OutboxMessage.subject, OutboxMessage.body_text)
                .where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
            ).all()
            db.session.remove()
        return [tuple(row) for row in rows]

    return read
