"""Report fixtures: requests with a known history, written straight into the register.

`add_request(type=…, policy=…, received="2026-10-01 10:00", closed=…, status=…, due=…)` —
times are Japan times; the deadline and closing are facts of history here, so the figures
can be checked against numbers computed by hand.
"""
from __future__ import annotations

import itertools
from datetime import datetime

import pytest
import sqlalchemy as sa

from portal.common.time import JST
from portal.dsr.models import DataRequest, Policy
from portal.extensions import db
from tests.staff.conftest import audit_actions, create_staff, login_as, login_staff  # noqa: F401


def jst(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text).replace(tzinfo=JST) if text else None


@pytest.fixture
def add_request(app):
    numbers = itertools.count(1)

    def add(*, type="disclosure", policy="appi", received, closed=None, status=None, due=None,
            original_due=None, extended=None, paused_seconds=0, assignee_id=None, verified=None) -> str:
        n = next(numbers)
        with app.app_context():
            policy_id = db.session.scalar(sa.select(Policy.id).where(Policy.jurisdiction == policy,
                                                                     Policy.request_type.is_(None)))
            request = DataRequest(
                reference=f"MG-2026-{n:06d}", type=type, policy_id=policy_id, jurisdiction=policy,
                status=status or ("completed" if closed else "in_progress"), requester_email=f"r{n}@example.jp",
                channel="web", received_at=jst(received), verified_at=jst(verified or received), due_at=jst(due),
                original_due_at=jst(original_due or due), extended_at=jst(extended), paused_seconds=paused_seconds,
                closed_at=jst(closed), assignee_id=assignee_id, details={},
            )
            db.session.add(request)
            db.session.commit()
            db.session.remove()
        return f"MG-2026-{n:06d}"

    return add
