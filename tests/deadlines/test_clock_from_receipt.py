"""The clock starts when the request arrives (APPI Art. 39: two weeks; CCPA §7021: 10
business days to confirm receipt, 45 days to answer): a request still waiting for the
identity check is due, overdue, in the dashboard's tiles, in deadline order in the queue and
reminded like any other — and a late CCPA confirmation of receipt is marked."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask_migrate import upgrade

from portal.audit.services import Actor
from portal.common.time import utcnow
from portal.dsr import services as dsr
from portal.dsr.calendar import end_of_japan_day, japan_date
from portal.dsr.models import DataRequest
from portal.extensions import db
from portal.startup import MIGRATIONS_DIR
from tests.fixtures.migrations import app_at_revision
from tests.fixtures.pages import in_english, text_of


def file_unverified(app, *, days_ago: float, residence: str = "jp", email: str = "taro@example.jp",
                    acknowledged: bool = True) -> str:
    received_at = utcnow() - timedelta(days=days_ago)
    with app.app_context():
        change = dsr.create_request(type="disclosure", person_id=None, requester_email=email, channel="post",
                                    language="ja", residence=residence, actor=Actor("staff", None),
                                    received_at=received_at)
        if acknowledged:
            dsr.acknowledge(change.request, actor=Actor.system(), now=received_at)
        db.session.commit()
        reference = change.request.reference
        db.session.remove()
    return reference


def read(app, reference: str) -> DataRequest:
    with app.app_context():
        request = db.session.scalar(sa.select(DataRequest).where(DataRequest.reference == reference))
        db.session.expunge(request)
        db.session.remove()
    return request


def test_an_unverified_appi_request_is_due_two_weeks_after_it_arrived(app):
    reference = file_unverified(app, days_ago=3)
    request = read(app, reference)
    assert request.status.value == "received" and request.verified_at is None
    assert request.due_at == end_of_japan_day(japan_date(request.received_at) + timedelta(days=14))
    # Verifying later keeps the date: the two weeks ran from receipt.
    with app.app_context():
        dsr.verify_request(db.session.get(DataRequest, request.id), actor=Actor.system())
        db.session.commit()
        db.session.remove()
    assert read(app, reference).due_at == request.due_at


def test_an_unverified_request_is_overdue_in_the_queue_the_dashboard_and_the_reminders(
        app, client, login_as, create_staff, make_request, tick, smtp_server):
    manager = login_as("manager")
    in_english(client)
    late = file_unverified(app, days_ago=20)  # two weeks passed before anyone checked who asked
    newer = make_request(due_in_days=5)  # verified, due in 5 days

    queue = text_of(client.get("/staff/"))
    assert late in queue and "overdue" in queue
    assert queue.index(late) < queue.index(newer), "ordered by due date with the verified ones"
    overdue_tile = client.get("/staff/?overdue=1").get_data(as_text=True)
    assert late in overdue_tile and newer not in overdue_tile

    dashboard = client.get("/staff/reports").get_data(as_text=True)
    tile = dashboard[dashboard.index("Overdue"):dashboard.index("Due today")]
    assert ">1<" in tile.replace(" ", "") or "1</a>" in tile

    assert tick().startswith("reminders: 0 due-soon, 1 overdue escalation, 1 unassigned escalation")
    [escalation] = [m for m in smtp_server.to(manager.email) if late in m["Subject"]][:1]
    assert late in escalation.get_body(preferencelist=("plain",)).get_content()


def test_an_unverified_request_due_soon_gets_its_reminder(app, create_staff, tick, smtp_server):
    agent = create_staff("agent", with_2fa=False)
    reference = file_unverified(app, days_ago=11)
    with app.app_context():
        dsr.assign(db.session.scalar(sa.select(DataRequest).where(DataRequest.reference == reference)),
                   assignee_id=agent.id, actor=Actor.system())
        db.session.commit()
        db.session.remove()
    assert tick().startswith("reminders: 1 due-soon")
    [mail] = smtp_server.to(agent.email)
    assert reference in mail["Subject"]


def test_a_late_ccpa_confirmation_of_receipt_is_marked_on_the_page_queue_and_dashboard(app, client, login_as):
    login_as("manager")
    in_english(client)
    reference = file_unverified(app, days_ago=20, residence="us-ca", acknowledged=False)
    request = read(app, reference)
    assert request.acknowledge_due_at is not None and request.acknowledge_due_at < utcnow()
    assert request.due_at - request.received_at > timedelta(days=44)
    assert "Receipt not confirmed in time" in text_of(client.get(f"/staff/requests/{reference}"))
    assert "Receipt not confirmed in time" in text_of(client.get("/staff/"))
    assert "Receipt confirmed late (CCPA)" in text_of(client.get("/staff/reports"))
    on_time = text_of(client.get(f"/staff/requests/{file_unverified(app, days_ago=20, residence='us-ca', email='ok@example.jp')}"))
    assert "Receipt not confirmed in time" not in on_time and "Receipt confirmed late" not in on_time


def _old_request(*, received_at) -> int:
    """An unverified request as the portal stored it at 0034 — only the columns that existed then
    (the models have gained some since), each through the model's own column type."""
    existing = {column["name"] for column in sa.inspect(db.engine).get_columns("data_request")}
    policy = db.session.scalar(sa.text("SELECT id FROM policy WHERE jurisdiction = 'appi' AND request_type IS NULL"))
    values = {"reference": "MG-2026-000001", "type": "disclosure", "policy_id": policy, "jurisdiction": "appi",
              "status": "received", "requester_email": "old@example.jp", "channel": "web", "language": "ja",
              "residence": "jp", "is_agent": False, "details": {}, "paused_seconds": 0, "received_at": received_at,
              "version_id": 1, "created_at": received_at, "updated_at": received_at}
    model = DataRequest.__table__
    old_table = sa.table("data_request", *(sa.column(name, model.c[name].type) for name in values if name in existing))
    db.session.execute(sa.insert(old_table).values({k: v for k, v in values.items() if k in existing}))
    return db.session.scalar(sa.select(model.c.id).where(model.c.reference == values["reference"]))


def test_the_upgrade_gives_waiting_requests_their_due_dates(empty_database):
    with app_at_revision(empty_database, "0034") as old_app, old_app.app_context():
        db.session.execute(sa.text("UPDATE policy SET clock_starts = 'verified' WHERE jurisdiction = 'appi'"))
        request_id = _old_request(received_at=utcnow() - timedelta(days=20))
        db.session.commit()
        upgrade(directory=MIGRATIONS_DIR, revision="heads")
        db.session.expire_all()
        request = db.session.get(DataRequest, request_id)
        assert request.due_at == end_of_japan_day(japan_date(request.received_at) + timedelta(days=14))
        assert request.original_due_at == request.due_at
