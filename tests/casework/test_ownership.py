"""Case ownership is one rule: an agent may change a request only when it is unassigned or
theirs — the rule claiming follows — for every action on the request page and over the API.
A colleague's request can still be read (PORTAL_AGENTS_SEE_OTHERS_ASSIGNED), not changed."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.inventory.models import Item
from portal.mail.models import OutboxMessage
from tests.fixtures.casework import SEEN_INPUT, VERSION_INPUT
from tests.fixtures.pages import csrf_from, in_english, text_of

OLD_ADDRESS, NEW_ADDRESS = "東京都港区旧町1-1", "東京都港区新町2-2"

#: Every POST on a request's page → (the status in which it is offered, the form's fields).
#: "claim" (refused for a taken request since ever) and "assign" (managers only) have tests of their own.
ACTIONS = {
    "verify": ("received", {"note": "電話で確認"}),
    "start": ("verified", {}),
    "resume": ("awaiting_requester", {"note": "書類が届いた"}),
    "ask": ("in_progress", {"body": "書類をお送りください。"}),
    "extend": ("in_progress", {"amount": "1", "reason": "調査に時間を要するため"}),
    "reject": ("in_progress", {"reason": "本人確認ができませんでした。"}),
    "complete": ("in_progress", {"format": "json", "answer": "開示します。"}),
    "match": ("verified", {}),
    "message": ("in_progress", {"body": "ご連絡いたします。"}),
    "reply": ("in_progress", {"body": "電話で回答がありました。"}),
    "note": ("in_progress", {"body": "メモ"}),
}
#: "person-data" shows the full data (a read, governed by who may open the request).
#: The letters of a request answered by post follow the rule too (tests/postal/test_requests_by_post.py).
#: "resend" and "answered-otherwise" need an undelivered answer first: tests/outcomes/test_answers_delivered.py.
#: "fee" (paid / waived, only on requests with a fee) has its test in tests/fees.
#: "approve" and "send-back" (four eyes: managers only, never the preparer approving their own decision, and only
#: while a decision awaits approval) have their tests in tests/outcomes/test_four_eyes.py.
OWN_RULES = {"claim", "assign", "authority-document", "person-data", "code-letter", "letters/<int:letter_id>/posted",
             "resend", "answered-otherwise", "fee", "approve", "send-back"}


def test_every_action_route_on_a_request_is_covered_by_this_test(app):
    prefix = "/staff/requests/<reference>/"
    routes = {rule.rule[len(prefix):] for rule in app.url_map.iter_rules()
              if rule.rule.startswith(prefix) and "POST" in (rule.methods or ())}
    assert routes - OWN_RULES == set(ACTIONS), "a new action on a request must follow the ownership rule"


def _outbox_count(app) -> int:
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
        db.session.remove()
    return count


def _post(client, reference: str, action: str, version: int, seen: int, fields: dict):
    token = csrf_from(client.get("/staff/").get_data(as_text=True))
    return client.post(f"/staff/requests/{reference}/{action}",
                       data={"csrf_token": token, "version": str(version), "seen": str(seen), **fields})


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_an_agent_cannot_change_a_colleagues_request_but_the_colleague_can(
        app, client, login_as, login_staff, create_staff, make_person, file_case, case_state, action):
    status, fields = ACTIONS[action]
    person_id = make_person(items={("contact", "address"): OLD_ADDRESS})
    colleague = create_staff("agent", name="Colleague Kato")
    case = file_case(status=status, residence="eu", person_id=person_id, assignee_id=colleague.id)
    if action == "match":
        fields = {"person_id": str(make_person())}
    login_as("agent")
    in_english(client)
    before, events = case_state(case.reference)
    mails = _outbox_count(app)

    page = client.get(f"/staff/requests/{case.reference}")
    assert page.status_code == 200, "a colleague's request can still be read"
    assert "Colleague Kato has taken this request: you can read it" in text_of(page)
    assert f'action="/staff/requests/{case.reference}/{action}"' not in page.get_data(as_text=True)

    refused = _post(client, case.reference, action, before.version_id, events[-1].id, fields)
    assert refused.status_code == 422
    assert "Colleague Kato has already taken this request. Only they or a manager can change it" in text_of(refused)
    after, after_events = case_state(case.reference)
    assert (after.version_id, after.status, after.person_id, after.due_at) == (
        before.version_id, before.status, before.person_id, before.due_at)
    assert len(after_events) == len(events) and _outbox_count(app) == mails

    # The same form from the assignee goes through: the refusal above was the rule, not the form.
    own = app.test_client()
    login_staff(own, colleague)
    html = own.get(f"/staff/requests/{case.reference}").get_data(as_text=True)
    done = _post(own, case.reference, action, int(VERSION_INPUT.search(html).group(1)),
                 int(SEEN_INPUT.search(html).group(1)), fields)
    assert done.status_code == 302, text_of(done)[:400]
    assert case_state(case.reference)[0].version_id > before.version_id


def test_a_colleagues_correction_is_not_applied_and_nobody_is_told(
        app, client, login_as, create_staff, make_person, file_case, case_state):
    person_id = make_person(items={("contact", "address"): OLD_ADDRESS})
    with app.app_context():
        item_id = db.session.scalar(sa.select(Item.id).where(Item.person_id == person_id))
        db.session.remove()
    colleague = create_staff("agent")
    case = file_case(type="correction", person_id=person_id, email="hanako@example.jp", assignee_id=colleague.id,
                     details={"changes": [{"item_id": item_id, "category": "contact", "field": "address",
                                           "action": "change", "current": OLD_ADDRESS, "proposed": NEW_ADDRESS,
                                           "reason": "引っ越しました"}]})
    login_as("agent")
    request, events = case_state(case.reference)
    response = _post(client, case.reference, "complete", request.version_id, events[-1].id,
                     {"proposal-0": "accept", "answer": "住所を訂正しました。"})
    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(Item, item_id).value == OLD_ADDRESS
        db.session.remove()
    assert case_state(case.reference)[0].status.value == "verified"
    assert _outbox_count(app) == 0


def test_a_manager_may_act_on_an_agents_request(client, login_as, create_staff, file_case, case_state, act):
    agent = create_staff("agent")
    case = file_case(status="in_progress", assignee_id=agent.id)
    login_as("manager")
    response = act(case, "note", body="マネージャーのメモ")
    assert response.status_code == 302
    assert case_state(case.reference)[1][-1].body == "マネージャーのメモ"


def test_the_api_follows_the_same_rule(api, make_token, create_staff, file_case, case_state):
    colleague = create_staff("agent")
    case = file_case(status="in_progress", assignee_id=colleague.id)
    agent_token = make_token("requests:write,requests:read", role="agent")
    response = api.post(f"/requests/{case.reference}/messages", token=agent_token,
                        json={"kind": "internal_note", "body": "メモ"})
    assert response.status_code == 409, response.get_json()
    assert "has already taken this request" in response.get_json()["detail"]
    own = make_token("requests:write", role="agent", owner_id=colleague.id)
    assert api.post(f"/requests/{case.reference}/messages", token=own,
                    json={"kind": "internal_note", "body": "メモ"}).status_code == 201
