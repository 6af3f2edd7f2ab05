"""Migration 0017 on a database that already holds deadline notices.

A database of its own is built up to 0016, a reminder and an unassigned escalation are
recorded the way the portal stored them then (no due date), and after the upgrade to head
they count as sent for the request's current due date: nothing goes out twice, and an
extension brings the reminder back before the new deadline.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from portal.audit.services import Actor
from portal.deadlines import reminders
from portal.deadlines.models import DeadlineNotice, NoticeKind
from portal.dsr import services as dsr
from portal.dsr.calendar import end_of_japan_day, japan_date
from portal.dsr.models import DataRequest, Policy
from portal.extensions import db
from portal.staff.models import StaffUser
from portal.startup import MIGRATIONS_DIR
from tests.fixtures.migrations import app_at_revision

NOTHING = "0 due-soon, 0 overdue escalations, 0 unassigned escalations"
NOW = datetime(2026, 3, 2, 3, 0, tzinfo=timezone.utc)


@pytest.fixture
def old_app(empty_database):
    """A portal on a database of its own, its schema at revision 0016 (notices without a due date)."""
    with app_at_revision(empty_database, "0016") as application:
        yield application


def _request(policy: int, n: int, *, due_at: datetime, assignee: int | None) -> int:
    """A request row as the portal wrote it at 0016: only the columns that existed then (the
    model has gained some since), each through the model's own column type (encryption, UTC)."""
    existing = {column["name"] for column in sa.inspect(db.engine).get_columns("data_request")}
    values = {
        "reference": f"MG-2026-00001{n}", "type": "disclosure", "policy_id": policy, "jurisdiction": "gdpr",
        "status": "in_progress", "requester_email": f"{n}.requester@example.jp", "channel": "web",
        "language": "ja", "residence": "eu", "is_agent": False, "details": {}, "paused_seconds": 0,
        "received_at": NOW - timedelta(days=10), "verified_at": NOW - timedelta(days=10), "due_at": due_at,
        "original_due_at": due_at, "assignee_id": assignee, "version_id": 1, "created_at": NOW, "updated_at": NOW,
    }
    model = DataRequest.__table__
    old_table = sa.table("data_request", *(sa.column(name, model.c[name].type) for name in values if name in existing))
    db.session.execute(sa.insert(old_table).values({k: v for k, v in values.items() if k in existing}))
    return db.session.scalar(sa.select(model.c.id).where(model.c.reference == values["reference"]))


def _staff(role: str) -> int:
    """A staff account as the portal stored it at 0016: only the columns that existed then."""
    existing = {column["name"] for column in sa.inspect(db.engine).get_columns("staff_user")}
    values = {"email": f"{role}@staff.example.jp", "name": role, "role": role, "password_hash": "x",
              "failed_login_count": 0, "active": True, "session_version": 1, "created_at": NOW}
    model = StaffUser.__table__
    old_table = sa.table("staff_user", *(sa.column(name, model.c[name].type) for name in values if name in existing))
    db.session.execute(sa.insert(old_table).values({k: v for k, v in values.items() if k in existing}))
    return db.session.scalar(sa.select(model.c.id).where(model.c.email == values["email"]))


def test_notices_sent_before_the_upgrade_count_for_the_current_due_date(old_app):
    with old_app.app_context():
        staff = []
        for role in ("agent", "manager"):
            staff.append(_staff(role))
        policy = db.session.scalar(sa.select(Policy.id).where(Policy.jurisdiction == "gdpr"))
        due = end_of_japan_day(japan_date(NOW) + timedelta(days=3))
        reminded = _request(policy, 1, due_at=due, assignee=staff[0])
        unassigned = _request(policy, 2, due_at=due + timedelta(days=90), assignee=None)
        for request_id, kind in ((reminded, "due_in_3_days"), (unassigned, "unassigned")):
            db.session.execute(sa.text("INSERT INTO deadline_notice (request_id, kind, sent_at)"
                                       " VALUES (:r, :k, :at)"),
                               {"r": request_id, "k": kind, "at": NOW.replace(tzinfo=None)})
        db.session.commit()

        upgrade(directory=MIGRATIONS_DIR)

        notices = dict(db.session.execute(sa.select(DeadlineNotice.kind, DeadlineNotice.due_at)).all())
        assert notices == {NoticeKind.DUE_IN_3_DAYS: due, NoticeKind.UNASSIGNED: None}
        assert str(reminders.run(now=NOW)) == NOTHING, "nothing sent twice after the upgrade"

        request = db.session.get(DataRequest, reminded)
        dsr.extend_deadline(request, reason="Many systems to search", amount=1, actor=Actor("staff", staff[0]),
                            now=NOW)
        db.session.commit()
        new_due = db.session.get(DataRequest, reminded).due_at
        assert str(reminders.run(now=NOW)) == NOTHING
        assert str(reminders.run(now=new_due - timedelta(days=4))) == NOTHING
        assert str(reminders.run(now=new_due - timedelta(days=3))).startswith("1 due-soon, 0 overdue")
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(DeadlineNotice)) == 3
