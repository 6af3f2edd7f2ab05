"""Reminders follow the current deadline: when an extension or a resumed pause moves the due
date, the reminders go out again before the new one — once, and not before their time."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from portal.audit.services import Actor
from portal.deadlines.models import DeadlineNotice, NoticeKind
from portal.dsr import services as dsr
from portal.dsr.models import DataRequest, EventKind
from portal.dsr.workflow import iso
from portal.extensions import db
from tests.fixtures.deadlines import run_at

STAFF = Actor("staff", 1)
REQUESTER = Actor("customer", None)
NOTHING = "0 due-soon, 0 overdue escalations, 0 unassigned escalations"


def due_at(app, reference: str):
    with app.app_context():
        due = db.session.scalar(sa.select(DataRequest.due_at).where(DataRequest.reference == reference))
        db.session.remove()
    return due


def change(app, reference: str, action) -> None:
    """Apply a dsr service to the request, as staff or the requester would, and commit."""
    with app.app_context():
        action(db.session.scalar(sa.select(DataRequest).where(DataRequest.reference == reference)))
        db.session.commit()
        db.session.remove()


def reminded(events, reference: str) -> list[tuple[int, str]]:
    return [(data["threshold"], data["due_at"]) for data, _ in events(reference, EventKind.REMINDER_SENT)]


def test_an_extended_request_is_reminded_again_3_days_before_the_new_deadline_and_not_before(
        app, make_request, create_staff, outbox, events):
    agent = create_staff("agent", with_2fa=False)
    reference = make_request(verified_hours_ago=1, assignee=agent, residence="eu")  # GDPR: a month, extensible
    first_due = due_at(app, reference)
    three_days_before = first_due - timedelta(days=3)
    assert run_at(app, three_days_before).startswith("1 due-soon")

    change(app, reference, lambda r: dsr.extend_deadline(r, reason="Many systems to search", amount=1,
                                                          actor=STAFF, now=three_days_before))
    new_due = due_at(app, reference)
    assert new_due > first_due + timedelta(days=27)

    assert run_at(app, three_days_before) == NOTHING, "the new deadline is a month away"
    assert run_at(app, first_due - timedelta(days=1)) == NOTHING, "no 1-day reminder for the old deadline"
    assert run_at(app, new_due - timedelta(days=4)) == NOTHING, "4 days left: not yet"
    assert run_at(app, new_due - timedelta(days=3)).startswith("1 due-soon")
    assert run_at(app, new_due - timedelta(days=3, hours=-2)) == NOTHING, "once for the new deadline"
    assert run_at(app, new_due - timedelta(days=1)).startswith("1 due-soon")

    assert [threshold for threshold, _ in reminded(events, reference)] == [3, 3, 1]
    assert [due for _, due in reminded(events, reference)] == [iso(first_due), iso(new_due), iso(new_due)]
    assert len(outbox("deadline_reminder")) == 3


def test_a_request_whose_deadline_did_not_move_is_not_reminded_twice(app, make_request, create_staff, outbox):
    agent = create_staff("agent", with_2fa=False)
    extended = make_request(verified_hours_ago=1, assignee=agent, residence="eu")
    steady = make_request(verified_hours_ago=1, assignee=agent, residence="eu")
    due = due_at(app, steady)
    assert due == due_at(app, extended)
    assert run_at(app, due - timedelta(days=3)).startswith("2 due-soon")
    change(app, extended, lambda r: dsr.extend_deadline(r, reason="Many systems to search", amount=2,
                                                        actor=STAFF, now=due - timedelta(days=3)))
    for moment in (due - timedelta(days=3), due - timedelta(days=2, hours=12), due - timedelta(days=2)):
        assert run_at(app, moment) == NOTHING
    assert run_at(app, due - timedelta(days=1)).startswith("1 due-soon"), "the steady one's 1-day reminder only"
    assert run_at(app, due - timedelta(hours=1)) == NOTHING
    assert sum(steady in subject for _to, subject, _ in outbox("deadline_reminder")) == 2
    assert sum(extended in subject for _to, subject, _ in outbox("deadline_reminder")) == 1


def test_a_resumed_pause_moves_the_reminders_with_the_deadline(app, make_request, create_staff, outbox, events):
    """GDPR stops the clock while we wait for the requester; their reply moves the due date."""
    agent = create_staff("agent", with_2fa=False)
    reference = make_request(verified_hours_ago=1, assignee=agent, residence="eu")
    first_due = due_at(app, reference)
    asked = first_due - timedelta(days=3)
    assert run_at(app, asked).startswith("1 due-soon")
    change(app, reference, lambda r: dsr.ask_requester(r, body="ご本人確認の書類をお送りください。",
                                                        actor=STAFF, now=asked))
    assert run_at(app, first_due - timedelta(days=1)) == NOTHING, "paused: neither due soon nor overdue"
    replied = asked + timedelta(days=10)
    change(app, reference, lambda r: dsr.add_message(r, body="送りました", to_requester=False,
                                                      actor=REQUESTER, now=replied))
    new_due = due_at(app, reference)
    assert new_due == first_due + timedelta(days=10), "ten days paused, ten days later"

    # The reply leaves 3 days again, now before the new deadline: the reminder goes out anew.
    assert run_at(app, replied).startswith("1 due-soon")
    assert run_at(app, replied + timedelta(hours=1)) == NOTHING
    assert run_at(app, new_due - timedelta(days=1)).startswith("1 due-soon")
    assert reminded(events, reference) == [(3, iso(first_due)), (3, iso(new_due)), (1, iso(new_due))]
    assert len(outbox("deadline_reminder")) == 3


def test_an_overdue_escalation_is_sent_again_only_when_a_resumed_pause_moved_the_deadline(
        app, make_request, create_staff, outbox):
    agent = create_staff("agent", with_2fa=False)
    create_staff("manager", with_2fa=False)
    reference = make_request(verified_hours_ago=1, assignee=agent, residence="eu")
    first_due = due_at(app, reference)
    late = first_due + timedelta(hours=1)
    assert run_at(app, late).endswith("1 overdue escalation, 0 unassigned escalations")
    assert run_at(app, late + timedelta(hours=1)) == NOTHING
    change(app, reference, lambda r: dsr.ask_requester(r, body="ご本人確認の書類をお送りください。", actor=STAFF,
                                                        now=late))
    change(app, reference, lambda r: dsr.add_message(r, body="送りました", to_requester=False,
                                                      actor=REQUESTER, now=late + timedelta(days=5)))
    new_due = due_at(app, reference)
    assert new_due > late + timedelta(days=3)
    assert run_at(app, new_due + timedelta(hours=1)).endswith("1 overdue escalation, 0 unassigned escalations")
    assert run_at(app, new_due + timedelta(hours=2)) == NOTHING
    assert len(outbox("deadline_escalation")) == 2
    with app.app_context():
        rows = db.session.execute(sa.select(DeadlineNotice.kind, DeadlineNotice.due_at)
                                  .where(DeadlineNotice.kind == NoticeKind.OVERDUE)).all()
        db.session.remove()
    assert sorted(due for _, due in rows) == [first_due, new_due], "each notice remembers its due date"


def test_the_unassigned_escalation_stays_once_per_request_when_the_deadline_moves(app, make_request,
                                                                                 create_staff, outbox):
    create_staff("manager", with_2fa=False)
    reference = make_request(verified_hours_ago=30, residence="eu")
    now = due_at(app, reference) - timedelta(days=20)
    assert run_at(app, now).endswith("1 unassigned escalation")
    change(app, reference, lambda r: dsr.extend_deadline(r, reason="Many systems to search", amount=1,
                                                        actor=STAFF, now=now))
    assert run_at(app, now) == NOTHING
    assert len(outbox("deadline_escalation")) == 1
