"""`tick` reminds the assignee 3 and 1 days before a due date and escalates overdue and
unassigned requests to managers — each once, by real mail, naming no requester."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from portal.common.time import utcnow
from portal.deadlines.models import DeadlineNotice
from portal.dsr.models import EventKind
from portal.extensions import db
from tests.fixtures.deadlines import REQUESTER, REQUESTER_NAME, run_at

NOTHING = "reminders: 0 due-soon, 0 overdue escalations, 0 unassigned escalations"


def body(mail) -> str:
    return mail.get_body(preferencelist=("plain",)).get_content()


def test_a_request_due_in_3_days_gets_one_reminder_however_many_ticks(app, tick, make_request, create_staff,
                                                                        smtp_server, events):
    agent = create_staff("agent", with_2fa=False, name="担当 花子")
    reference = make_request(due_in_days=3, assignee=agent)

    assert tick() == "reminders: 1 due-soon, 0 overdue escalations, 0 unassigned escalations"
    assert tick() == NOTHING
    assert tick() == NOTHING

    [mail] = smtp_server.to(agent.email)
    assert reference in mail["Subject"] and "3日" in mail["Subject"]
    text = body(mail)
    assert "担当 花子" in text
    assert f"http://portal.test/staff/requests/{reference}" in text
    assert "保有個人データの開示" in text, "the request type, in Japanese"
    assert [data["threshold"] for data, _visible in events(reference, EventKind.REMINDER_SENT)] == [3]
    assert not any(visible for _data, visible in events(reference, EventKind.REMINDER_SENT)), \
        "the requester never sees reminders"


def test_the_1_day_reminder_follows_the_3_day_one(app, tick, make_request, create_staff, outbox, events):
    agent = create_staff("agent", with_2fa=False)
    reference = make_request(due_in_days=3, assignee=agent)
    tick()
    assert run_at(app, utcnow() + timedelta(days=1)) == NOTHING.replace("reminders: ", ""), "2 days left: no new one"
    assert run_at(app, utcnow() + timedelta(days=2)).startswith("1 due-soon")
    assert run_at(app, utcnow() + timedelta(days=2, hours=1)).startswith("0 due-soon")
    assert [data["threshold"] for data, _ in events(reference, EventKind.REMINDER_SENT)] == [3, 1]
    subjects = [subject for to, subject, _ in outbox("deadline_reminder")]
    assert len(subjects) == 2 and "1日" in subjects[1]


def test_a_request_found_one_day_before_gets_only_the_1_day_reminder(tick, make_request, create_staff, events):
    agent = create_staff("agent", with_2fa=False)
    tomorrow = make_request(due_in_days=1, assignee=agent)
    today = make_request(due_in_days=0, assignee=agent)
    assert tick().startswith("reminders: 2 due-soon")
    assert tick() == NOTHING
    for reference in (tomorrow, today):
        assert [data["threshold"] for data, _ in events(reference, EventKind.REMINDER_SENT)] == [1]


def test_requests_further_away_get_no_reminder(tick, make_request, create_staff):
    agent = create_staff("agent", with_2fa=False)
    make_request(due_in_days=4, assignee=agent)
    assert tick() == NOTHING


def test_an_overdue_request_is_escalated_once_to_every_active_manager(tick, make_request, create_staff,
                                                                      smtp_server, events):
    agent = create_staff("agent", with_2fa=False)
    first = create_staff("manager", with_2fa=False)
    second = create_staff("manager", with_2fa=False)
    gone = create_staff("manager", with_2fa=False, active=False)
    admin = create_staff("admin", with_2fa=False)
    reference = make_request(due_in_days=-1, assignee=agent)

    assert tick() == "reminders: 0 due-soon, 1 overdue escalation, 0 unassigned escalations"
    assert tick() == NOTHING

    for manager in (first, second):
        [mail] = smtp_server.to(manager.email)
        assert reference in mail["Subject"] and "期限超過" in mail["Subject"]
        assert f"http://portal.test/staff/requests/{reference}" in body(mail)
    assert smtp_server.to(gone.email) == [] and smtp_server.to(admin.email) == []
    assert smtp_server.to(agent.email) == [], "overdue: no due-soon reminder any more"
    [(data, visible)] = events(reference, EventKind.ESCALATED)
    assert data["reason"] == "overdue" and not visible


def test_a_request_unassigned_for_a_day_is_escalated_once(tick, make_request, create_staff, smtp_server, events):
    manager = create_staff("manager", with_2fa=False)
    waiting = make_request(verified_hours_ago=25)
    make_request(verified_hours_ago=23)

    assert tick() == "reminders: 0 due-soon, 0 overdue escalations, 1 unassigned escalation"
    assert tick() == NOTHING
    [mail] = smtp_server.to(manager.email)
    assert waiting in mail["Subject"] and "担当者未定" in mail["Subject"]
    assert [data["reason"] for data, _ in events(waiting, EventKind.ESCALATED)] == ["unassigned"]


def test_a_request_assigned_to_a_deactivated_account_counts_as_unassigned(tick, make_request, create_staff,
                                                                          smtp_server):
    create_staff("manager", with_2fa=False)
    left = create_staff("agent", with_2fa=False, active=False)
    make_request(due_in_days=3, assignee=left)
    assert tick() == "reminders: 0 due-soon, 0 overdue escalations, 1 unassigned escalation"
    assert smtp_server.to(left.email) == []


def test_without_managers_the_administrators_hear_of_escalations(tick, make_request, create_staff, smtp_server):
    admin = create_staff("admin", with_2fa=False)
    make_request(verified_hours_ago=30)
    tick()
    assert len(smtp_server.to(admin.email)) == 1


def test_an_escalation_waits_until_there_is_someone_to_tell(tick, make_request, create_staff, smtp_server):
    make_request(verified_hours_ago=30)
    assert tick() == NOTHING
    manager = create_staff("manager", with_2fa=False)
    assert tick().endswith("1 unassigned escalation")
    assert len(smtp_server.to(manager.email)) == 1


def test_closed_requests_get_neither_reminders_nor_escalations(app, tick, make_request, create_staff, smtp_server):
    agent = create_staff("agent", with_2fa=False)
    create_staff("manager", with_2fa=False)
    for status in ("completed", "rejected", "withdrawn"):
        make_request(due_in_days=3, assignee=agent, status=status)
        make_request(due_in_days=-2, assignee=agent, status=status)
        make_request(due_in_days=-2, status=status)
    assert tick() == NOTHING
    assert smtp_server.messages == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(DeadlineNotice)) == 0


def test_a_paused_clock_is_neither_due_soon_nor_overdue(tick, make_request, create_staff):
    """GDPR stops the clock while we wait for the requester; APPI does not."""
    agent = create_staff("agent", with_2fa=False)
    create_staff("manager", with_2fa=False)
    make_request(due_in_days=-1, assignee=agent, residence="eu", status="awaiting_requester")
    assert tick() == NOTHING
    make_request(due_in_days=3, assignee=agent, residence="jp", status="awaiting_requester")
    assert tick().startswith("reminders: 1 due-soon")


def test_the_mails_name_the_request_but_never_the_requester(tick, make_request, create_staff, smtp_server):
    agent = create_staff("agent", with_2fa=False)
    create_staff("manager", with_2fa=False)
    make_request(due_in_days=3, assignee=agent)
    make_request(due_in_days=-1, assignee=agent)
    make_request(verified_hours_ago=30)
    tick()
    assert len(smtp_server.messages) == 3
    for mail in smtp_server.messages:
        whole = mail["Subject"] + body(mail) + mail.get_body(preferencelist=("html",)).get_content()
        assert REQUESTER not in whole and REQUESTER_NAME not in whole
        assert "@" not in whole, "no e-mail address at all in what staff read"
