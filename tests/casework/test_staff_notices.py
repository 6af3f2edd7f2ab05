"""Staff are told (issue #16 item 6): the assignee gets a mail when a colleague assigns a request to
them and when the requester writes on an open request of theirs — through the outbox, in their
language, naming the request (reference, type, due date, link) and nothing about the requester.
Each staff member can turn either mail off on their account page; taking a request oneself sends
nothing."""
from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.mail.services import deliver_due
from portal.staff.models import StaffUser
from tests.fixtures.pages import in_english, post_page_form, text_of

REQUESTER_EMAIL, REQUESTER_NAME = "hanako@example.jp", "山田 花子"


def _deliver(app):
    with app.app_context():
        deliver_due()
        db.session.remove()


def _text(mail) -> str:
    return mail.get_body(preferencelist=("plain",)).get_content()


def _case(file_case, make_person, **options):
    person = make_person(name=REQUESTER_NAME, email=REQUESTER_EMAIL)
    return file_case(type="erasure", person_id=person, email=REQUESTER_EMAIL, requester_name=REQUESTER_NAME,
                     **options)


def _no_personal_data(mail) -> None:
    text = _text(mail) + mail["Subject"] + mail.get_body(preferencelist=("html",)).get_content()
    for value in (REQUESTER_EMAIL, REQUESTER_NAME, "山田", "花子"):
        assert value not in text, f"the staff mail names the requester: {value}"


def test_a_manager_assigning_a_request_mails_the_agent_with_the_link(
        app, client, login_as, create_staff, file_case, make_person, act, smtp_server):
    agent = create_staff("agent", name="Agent Sato")
    login_as("manager", name="Manager Ito")
    case = _case(file_case, make_person)

    assert act(case, "assign", assignee=str(agent.id)).status_code == 302
    _deliver(app)

    [mail] = smtp_server.to(agent.email)
    text = _text(mail)
    assert case.reference in mail["Subject"] and "担当に割り当てられました" in mail["Subject"]
    assert "Manager Ito" in text and case.reference in text and "消去" in text
    assert f"http://portal.test/staff/requests/{case.reference}" in text
    assert "回答期限" in text or "期限" in text
    _no_personal_data(mail)


def test_the_mail_is_in_the_staff_members_language(
        app, client, login_as, create_staff, login_staff, file_case, make_person, act, smtp_server):
    agent = create_staff("agent")
    own = app.test_client()
    login_staff(own, agent)
    in_english(own)
    saved = post_page_form(own, "/staff/account/notifications", {"notify_on_assignment": "y", "notify_on_reply": "y",
                                                                  "language": "en"}, page="/staff/account")
    assert saved.status_code == 302
    login_as("manager", name="Manager Ito")
    case = _case(file_case, make_person)
    act(case, "assign", assignee=str(agent.id))
    _deliver(app)
    [mail] = smtp_server.to(agent.email)
    assert mail["Subject"] == f"[{case.reference}] Assigned to you: Erasure"
    assert "Manager Ito has assigned a request to you." in _text(mail)


def test_claiming_a_request_oneself_sends_no_mail(app, client, login_as, file_case, make_person, act, smtp_server):
    agent = login_as("agent")
    case = _case(file_case, make_person)
    assert act(case, "claim").status_code == 302
    _deliver(app)
    assert smtp_server.to(agent.email) == []


def test_a_staff_member_who_turned_the_mails_off_gets_none(
        app, client, login_as, create_staff, login_staff, file_case, make_person, act, smtp_server, audit_actions):
    agent = create_staff("agent")
    own = app.test_client()
    login_staff(own, agent)
    in_english(own)
    page = text_of(own.get("/staff/account"))
    assert "Mail me when a colleague assigns a request to me" in page
    assert "Mail me when a requester writes on an open request assigned to me" in page
    # Both boxes unticked: a browser sends neither field.
    saved = post_page_form(own, "/staff/account/notifications", {"language": "ja"}, page="/staff/account")
    assert saved.status_code == 302
    assert "Your mail settings are saved." in text_of(own.get(saved.location))
    with app.app_context():
        user = db.session.get(StaffUser, agent.id)
        assert (user.notify_on_assignment, user.notify_on_reply) == (False, False)
        db.session.remove()
    [(action, actor_type, actor_id, details)] = [a for a in audit_actions("staff.notification")]
    assert actor_id == str(agent.id) and details["changes"]["notify_on_assignment"] == [True, False]

    login_as("manager")
    case = _case(file_case, make_person)
    assert act(case, "assign", assignee=str(agent.id)).status_code == 302
    _deliver(app)
    assert smtp_server.to(agent.email) == []


def test_a_requester_reply_mails_the_assignee(app, client, hanako, submit, create_staff, file_case, smtp_server):
    """`hanako` is 山田 花子 logged in as a customer in `client`; her request is assigned to an agent."""
    agent = create_staff("agent")
    case = file_case(type="disclosure", person_id=hanako, email="hanako@example.jp", status="awaiting_requester",
                     assignee_id=agent.id)
    page = f"/my/requests/{case.reference}"

    response = submit(page, {"body": "郵便番号は105-0000です。"}, url=f"{page}/reply")

    assert response.status_code == 302
    _deliver(app)
    [mail] = smtp_server.to(agent.email)
    text = _text(mail)
    assert case.reference in mail["Subject"] and case.reference in text
    assert f"http://portal.test/staff/requests/{case.reference}" in text
    assert "105-0000" not in text, "what the requester wrote stays behind the log-in"
    _no_personal_data(mail)
