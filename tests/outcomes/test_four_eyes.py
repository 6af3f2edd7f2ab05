"""Four eyes (issue #16 item 7): where the policy asks for it, an erasure or a rejection prepared by
one staff member is applied only once a manager — not the one who prepared it — approves it. Until
then nothing changes in the data and the requester hears nothing; sent back, nothing is applied and
the preparer reads why. Approval, sending back and the applied decision are on the timeline and in
the audit log, with who did each."""
from __future__ import annotations

import sqlalchemy as sa

from portal.audit.services import Actor
from portal.dsr.models import DecisionApproval, DataRequest, Jurisdiction, Policy
from portal.dsr.policies import update_policy
from portal.extensions import db
from portal.inventory.models import Item, Person
from portal.mail.services import deliver_due
from portal.staff.models import StaffUser
from tests.customer.records import HANAKO_VALUES
from tests.fixtures.audit import audit_entries
from tests.fixtures.casework import SEEN_INPUT, VERSION_INPUT, event_kinds
from tests.fixtures.pages import csrf_from, in_english, post_page_form, text_of

APPI_AS_IS = {"response_period": "14", "response_unit": "calendar_days", "clock_starts": "received",
              "extension_period": "", "extension_unit": "calendar_days",
              "acknowledge_period": "", "acknowledge_unit": "calendar_days"}


def _four_eyes(app, on: bool = True) -> None:
    with app.app_context():
        policy = db.session.scalar(sa.select(Policy).where(Policy.jurisdiction == Jurisdiction.APPI,
                                                           Policy.request_type.is_(None)))
        update_policy(policy, changes={"four_eyes": on}, actor=Actor("test"))
        db.session.commit()
        db.session.remove()


def _items(read, person_id) -> int:
    return read(lambda: db.session.scalar(sa.select(sa.func.count()).select_from(Item).where(Item.person_id == person_id)))


def _approvals(read) -> list[tuple[str, str]]:
    return read(lambda: [(a.kind.value, a.state.value) for a in db.session.scalars(
        sa.select(DecisionApproval).order_by(DecisionApproval.id))])


def _post(client, case, action: str, **fields):
    """Post an action as the request page offers it now (its token, version and last event seen)."""
    page = f"/staff/requests/{case.reference}"
    html = client.get(page).get_data(as_text=True)
    data = {"csrf_token": csrf_from(html), "version": VERSION_INPUT.search(html).group(1),
            "seen": SEEN_INPUT.search(html).group(1), **fields}
    return client.post(f"{page}/{action}", data=data)


def _erasure(file_case, hanako, **options):
    return file_case(type="erasure", person_id=hanako, status="in_progress", email=HANAKO_VALUES["email"],
                     details={"scope": "all", "ground": "no_longer_needed"}, **options)


def _mails_to_hanako(read, smtp_server):
    read(deliver_due)
    return smtp_server.to(HANAKO_VALUES["email"])


def test_without_four_eyes_an_erasure_is_applied_at_once_as_before(app, client, hanako, read, file_case, login_as,
                                                                    smtp_server):
    case = _erasure(file_case, hanako)
    login_as("agent")
    in_english(client)
    page = text_of(client.get(f"/staff/requests/{case.reference}"))
    assert "Check and complete the request" in page and "submit for approval" not in page.lower()

    assert _post(client, case, "complete", scope="all", confirmed="yes").status_code == 302

    assert _items(read, hanako) == 0 and _approvals(read) == []
    assert read(lambda: db.session.get(Person, hanako).erasure_reference) == case.reference
    assert len(_mails_to_hanako(read, smtp_server)) == 1


def test_an_erasure_waits_for_a_manager_and_is_applied_only_when_approved(
        app, client, hanako, read, file_case, create_staff, login_staff, smtp_server, case_state):
    admin, agent, manager = create_staff("admin"), create_staff("agent", name="Agent Sato"), create_staff(
        "manager", name="Manager Ito")
    # The admin turns four eyes on for APPI on the policies page.
    admin_browser = app.test_client()
    login_staff(admin_browser, admin)
    in_english(admin_browser)
    form = text_of(admin_browser.get("/staff/policies/appi/default"))
    assert "A manager approves every erasure and rejection before it is applied (four eyes)" in form
    saved = post_page_form(admin_browser, "/staff/policies/appi/default", {**APPI_AS_IS, "four_eyes": "y"})
    assert saved.status_code == 302
    assert "erasures and rejections approved by a manager" in text_of(admin_browser.get("/staff/policies"))
    case = _erasure(file_case, hanako)
    items_before = _items(read, hanako)

    # The agent decides: the confirmation says a manager approves it; submitting changes no data.
    login_staff(client, agent)
    in_english(client)
    assert "Check and submit for approval" in text_of(client.get(f"/staff/requests/{case.reference}"))
    confirm = _post(client, case, "complete", scope="all", answer="ご依頼のとおり消去いたしました。")
    assert confirm.status_code == 200
    assert "nothing is erased until a manager other than you approves it" in text_of(confirm)
    assert "Submit the erasure for approval" in text_of(confirm)
    submitted = _post(client, case, "complete", scope="all", answer="ご依頼のとおり消去いたしました。",
                      confirmed="yes")
    assert submitted.status_code == 302
    assert "The decision is submitted for approval." in text_of(client.get(submitted.location))

    assert _items(read, hanako) == items_before > 0
    person = read(lambda: db.session.get(Person, hanako))
    assert person.erased_at is None and person.email == HANAKO_VALUES["email"]
    assert read(lambda: db.session.scalar(sa.select(DataRequest.status).where(DataRequest.id == case.id))).value == \
        "in_progress"
    assert _approvals(read) == [("erasure", "pending")]
    assert _mails_to_hanako(read, smtp_server) == []
    page = text_of(client.get(f"/staff/requests/{case.reference}"))
    assert "Awaiting approval by a manager" in page and "Approve and erase now" not in page
    queue = text_of(client.get("/staff/?approval=1"))
    assert case.reference in queue and "Awaiting approval by a manager" in queue

    # The manager sees what will change and approves: applied as the normal path applies it.
    manager_browser = app.test_client()
    login_staff(manager_browser, manager)
    in_english(manager_browser)
    view = text_of(manager_browser.get(f"/staff/requests/{case.reference}"))
    assert "Approve or send back the decision" in view and "Agent Sato prepared this decision" in view
    assert "Erasure of everything" in view and "will be erased" in view and "Purchase" in view
    assert "ご依頼のとおり消去いたしました。" in view
    approved = _post(manager_browser, case, "approve")
    assert approved.status_code == 302, text_of(approved)[:300]

    assert _items(read, hanako) == 0
    assert read(lambda: db.session.get(Person, hanako).erasure_reference) == case.reference
    assert _approvals(read) == [("erasure", "approved")]
    [mail] = _mails_to_hanako(read, smtp_server)
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert case.reference in mail["Subject"] and "ご依頼のとおり消去いたしました。" in text
    assert "お客様の登録情報を消去しました" in text

    # Timeline and audit log say who prepared, who approved, and what was applied.
    kinds = event_kinds(case_state(case.reference)[1])
    assert kinds.index("approval_requested") < kinds.index("approved") < kinds.index("applied") < kinds.index(
        "decision")
    [submitted_entry] = audit_entries(app, "dsr.decision.submitted_for_approval")
    [approved_entry] = audit_entries(app, "dsr.decision.approved")
    [applied_entry] = audit_entries(app, "dsr.decision_applied")
    assert (submitted_entry.actor_type, submitted_entry.actor_id) == ("staff", str(agent.id))
    assert submitted_entry.details["everything"] is True
    assert (approved_entry.actor_id, approved_entry.details["prepared_by"]) == (str(manager.id), str(agent.id))
    assert applied_entry.actor_id == str(manager.id) and applied_entry.details["erased"] > 0
    timeline_text = text_of(manager_browser.get(f"/staff/requests/{case.reference}"))
    assert "Erasure submitted for approval by a manager" in timeline_text
    assert "Approved by a manager: the decision is applied" in timeline_text


def test_sent_back_nothing_is_applied_and_the_agent_reads_why(
        app, client, hanako, read, file_case, create_staff, login_staff, smtp_server):
    _four_eyes(app)
    agent, manager = create_staff("agent"), create_staff("manager", name="Manager Ito")
    case = _erasure(file_case, hanako)
    items_before = _items(read, hanako)
    login_staff(client, agent)
    in_english(client)
    assert _post(client, case, "complete", scope="all", confirmed="yes").status_code == 302

    manager_browser = app.test_client()
    login_staff(manager_browser, manager)
    in_english(manager_browser)
    empty = _post(manager_browser, case, "send-back", reason="")
    assert empty.status_code == 422 and "Say why the decision is sent back." in text_of(empty)
    sent = _post(manager_browser, case, "send-back", reason="購入履歴は税法上の保存期間中です。範囲を確認してください。")
    assert sent.status_code == 302

    assert _items(read, hanako) == items_before
    assert read(lambda: db.session.get(Person, hanako).erased_at) is None
    assert _approvals(read) == [("erasure", "sent_back")]
    assert _mails_to_hanako(read, smtp_server) == []
    page = text_of(client.get(f"/staff/requests/{case.reference}"))
    assert "Manager Ito sent the decision back" in page and "Nothing was applied." in page
    assert "購入履歴は税法上の保存期間中です。範囲を確認してください。" in page
    assert "Check and submit for approval" in page  # decide again
    assert "Awaiting approval by a manager" not in page
    [entry] = audit_entries(app, "dsr.decision.sent_back")
    assert (entry.actor_id, entry.details["prepared_by"]) == (str(manager.id), str(agent.id))
    # Approving what was sent back is not possible: nothing waits any more.
    late = _post(manager_browser, case, "approve")
    assert late.status_code == 422 and _items(read, hanako) == items_before


def test_a_manager_cannot_approve_a_decision_they_prepared(
        app, client, hanako, read, file_case, create_staff, login_staff, smtp_server):
    _four_eyes(app)
    preparer, other = create_staff("manager", name="Manager Ito"), create_staff("manager", name="Manager Mori")
    case = _erasure(file_case, hanako)
    items_before = _items(read, hanako)
    login_staff(client, preparer)
    in_english(client)
    assert _post(client, case, "complete", scope="all", confirmed="yes").status_code == 302

    page = client.get(f"/staff/requests/{case.reference}").get_data(as_text=True)
    assert f"/staff/requests/{case.reference}/approve" not in page
    assert "You prepared this decision, so another manager must approve it." in text_of(client.get(
        f"/staff/requests/{case.reference}"))
    refused = _post(client, case, "approve")
    assert refused.status_code == 422
    assert "You prepared this decision, so another manager must approve it." in text_of(refused)
    assert _items(read, hanako) == items_before and _approvals(read) == [("erasure", "pending")]
    assert _mails_to_hanako(read, smtp_server) == []

    other_browser = app.test_client()
    login_staff(other_browser, other)
    assert _post(other_browser, case, "approve").status_code == 302
    assert _items(read, hanako) == 0


def test_a_rejection_waits_for_approval_and_the_requester_reads_the_reason_once_approved(
        app, client, hanako, read, file_case, create_staff, login_staff, smtp_server):
    _four_eyes(app)
    agent, manager = create_staff("agent"), create_staff("manager")
    case = file_case(type="disclosure", person_id=hanako, status="in_progress", email=HANAKO_VALUES["email"])
    login_staff(client, agent)
    in_english(client)
    assert "Submit the rejection for approval" in text_of(client.get(f"/staff/requests/{case.reference}"))
    assert _post(client, case, "reject", reason="ご本人様であることを確認できませんでした。").status_code == 302

    state = read(lambda: db.session.scalar(sa.select(DataRequest.status).where(DataRequest.id == case.id)))
    assert state.value == "in_progress" and _approvals(read) == [("rejection", "pending")]
    assert _mails_to_hanako(read, smtp_server) == []

    manager_browser = app.test_client()
    login_staff(manager_browser, manager)
    in_english(manager_browser)
    view = text_of(manager_browser.get(f"/staff/requests/{case.reference}"))
    assert "Rejection of the request" in view and "ご本人様であることを確認できませんでした。" in view
    assert _post(manager_browser, case, "approve").status_code == 302

    state = read(lambda: db.session.scalar(sa.select(DataRequest.status).where(DataRequest.id == case.id)))
    assert state.value == "rejected"
    [mail] = _mails_to_hanako(read, smtp_server)
    assert "ご本人様であることを確認できませんでした。" in mail.get_body(preferencelist=("plain",)).get_content()
    [entry] = audit_entries(app, "dsr.decision.approved")
    assert entry.details["kind"] == "rejection" and entry.details["prepared_by"] == str(agent.id)


def test_over_the_api_an_erasure_or_rejection_is_stored_for_approval_with_202(
        app, api, make_token, hanako, read, file_case, create_staff, login_staff, smtp_server):
    _four_eyes(app)
    token = make_token("requests:read,requests:write", role="agent")
    case = _erasure(file_case, hanako)
    items_before = _items(read, hanako)

    response = api.post(f"/requests/{case.reference}/decision", token=token,
                        json={"scope": "all", "answer": "お電話でのご依頼のとおり消去しました。"})

    assert response.status_code == 202, response.get_json()
    body = response.get_json()
    assert body["status"] == "awaiting_approval" and body["reference"] == case.reference
    assert body["approval"]["kind"] == "erasure" and body["approval"]["state"] == "pending"
    assert body["approval"]["prepared_by"] == token.owner_id
    assert body["request"]["status"] == "in_progress"
    assert _items(read, hanako) == items_before and _mails_to_hanako(read, smtp_server) == []
    again = api.post(f"/requests/{case.reference}/decision", token=token, json={"scope": "all"})
    assert again.status_code == 409 and _items(read, hanako) == items_before
    reject = api.post(f"/requests/{case.reference}/transitions", token=token,
                      json={"to": "rejected", "reason": "理由"})
    assert reject.status_code == 409

    operation = api.get("/openapi.json").get_json()["paths"]["/requests/{reference}/decision"]["post"]
    assert operation["responses"]["202"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/PendingApproval")
    assert "four_eyes" in operation["description"]

    manager = create_staff("manager")
    browser = app.test_client()
    login_staff(browser, manager)
    assert _post(browser, case, "approve").status_code == 302
    assert _items(read, hanako) == 0
    [mail] = _mails_to_hanako(read, smtp_server)
    assert "お電話でのご依頼のとおり消去しました。" in mail.get_body(preferencelist=("plain",)).get_content()


def test_over_the_api_a_rejection_is_stored_for_approval(app, api, make_token, hanako, read, file_case, smtp_server):
    _four_eyes(app)
    token = make_token("requests:read,requests:write", role="manager")
    case = file_case(type="disclosure", person_id=hanako, status="in_progress", email=HANAKO_VALUES["email"])

    response = api.post(f"/requests/{case.reference}/transitions", token=token,
                        json={"to": "rejected", "reason": "ご本人様であることを確認できませんでした。"})

    assert response.status_code == 202, response.get_json()
    assert response.get_json()["approval"]["kind"] == "rejection"
    assert read(lambda: db.session.get(DataRequest, case.id).status.value) == "in_progress"
    assert _mails_to_hanako(read, smtp_server) == []


def test_the_managers_are_mailed_when_a_decision_awaits_their_approval(
        app, client, hanako, read, file_case, create_staff, login_staff, smtp_server):
    """Not the one who prepared it, nor a manager who turned the mail off; the mail names the
    request, never the requester."""
    _four_eyes(app)
    agent = create_staff("agent", name="Agent Sato")
    manager, quiet, admin = create_staff("manager", name="Manager Ito"), create_staff("manager"), create_staff("admin")
    read(lambda: (setattr(db.session.get(StaffUser, quiet.id), "notify_on_assignment", False), db.session.commit()))
    case = _erasure(file_case, hanako)
    login_staff(client, agent)
    assert _post(client, case, "complete", scope="all", confirmed="yes").status_code == 302
    read(deliver_due)

    assert smtp_server.to(agent.email) == [] and smtp_server.to(quiet.email) == []
    for approver in (manager, admin):
        [mail] = smtp_server.to(approver.email)
        text = mail.get_body(preferencelist=("plain",)).get_content()
        assert case.reference in mail["Subject"] and "承認待ち" in mail["Subject"]
        assert "Agent Sato" in text and "消去" in text and f"/staff/requests/{case.reference}" in text
        for value in (HANAKO_VALUES["email"], HANAKO_VALUES["name"]):
            assert value not in text + mail["Subject"]

    # A manager preparing a rejection is not mailed about it; the other managers are.
    smtp_server.messages.clear()
    other = _erasure(file_case, hanako)
    manager_browser = app.test_client()
    login_staff(manager_browser, manager)
    _post(manager_browser, other, "reject", reason="本人確認ができなかったため")
    read(deliver_due)
    assert smtp_server.to(manager.email) == []
    [mail] = smtp_server.to(admin.email)
    assert "請求の拒否" in mail.get_body(preferencelist=("plain",)).get_content()
