"""Working a request: each action the status machine allows, and each refusal with its reason."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.dsr.queries import timeline
from portal.extensions import db
from portal.inventory.models import Item
from portal.mail.models import OutboxMessage
from tests.fixtures.pages import in_english, text_of

OLD_ADDRESS, NEW_ADDRESS = "東京都港区旧町1-1", "東京都港区新町2-2"


@pytest.fixture
def english_agent(client, login_as):
    account = login_as("agent")
    in_english(client)
    return account


@pytest.fixture
def mails(app):
    def read(to: str = "requester@example.jp") -> list[str]:
        with app.app_context():
            # Addresses are encrypted: compared after reading, not in SQL.
            kinds = [m.kind for m in db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id))
                     if m.to_address == to]
            db.session.remove()
        return kinds

    return read


def test_verifying_an_agents_request_starts_the_clock(client, english_agent, file_case, act, case_state, mails):
    case = file_case(status="received", is_agent=True, agent={"name": "代理 一郎"})
    response = act(case, "verify", note="委任状を確認しました。")
    assert response.status_code == 302
    request, events = case_state(case.reference)
    assert request.status.value == "verified" and request.due_at is not None
    assert [e.kind.value for e in events][-2:] == ["verified", "internal_note"]
    assert "The request is verified. The answer is due by" in text_of(client.get(response.location))
    assert mails() == ["dsr.verified"]


def test_starting_work_and_asking_the_requester_pauses_a_gdpr_clock(
        client, english_agent, file_case, act, case_state, mails):
    case = file_case(residence="eu")
    act(case, "start")
    request, _events = case_state(case.reference)
    assert request.status.value == "in_progress"
    response = act(case, "ask", body="ご本人確認書類をお送りください。")
    assert response.status_code == 302
    request, events = case_state(case.reference)
    assert request.status.value == "awaiting_requester" and request.is_paused
    assert "Clock paused" in text_of(client.get(f"/staff/requests/{case.reference}"))
    assert mails()[-1] == "dsr.message"


def test_asking_without_a_question_is_refused(client, english_agent, file_case, act, case_state):
    case = file_case()
    response = act(case, "ask", body="   ")
    assert response.status_code == 422
    assert "Write what you need from the requester." in text_of(response)
    assert case_state(case.reference)[0].status.value == "verified"


def test_a_reply_recorded_by_staff_ends_the_wait(client, english_agent, file_case, act, case_state):
    case = file_case(status="awaiting_requester")
    assert act(case, "reply", body="電話で回答がありました。").status_code == 302
    assert case_state(case.reference)[0].status.value == "in_progress"


def test_extending_needs_a_reason_stays_within_the_maximum_and_happens_once(
        client, english_agent, file_case, act, case_state, mails):
    case = file_case(residence="eu")
    beyond = act(case, "extend", amount="3", reason="調査に時間を要するため")
    assert beyond.status_code == 422 and "An extension can be at most 2 months." in text_of(beyond)
    no_reason = act(case, "extend", amount="1", reason="")
    assert no_reason.status_code == 422 and "An extension needs a reason. The requester will see it." in text_of(no_reason)
    before = case_state(case.reference)[0]
    assert before.extended_at is None

    response = act(case, "extend", amount="2", reason="調査に時間を要するため")
    assert response.status_code == 302
    request, events = case_state(case.reference)
    assert request.due_at > before.due_at and request.extension_reason == "調査に時間を要するため"
    assert events[-1].kind.value == "extended" and events[-1].visible_to_requester
    assert mails() == ["dsr.extended"]

    again = act(case, "extend", amount="1", reason="さらに時間が必要")
    assert again.status_code == 422
    assert "This request has already been extended; it can be extended only once." in text_of(again)
    assert case_state(case.reference)[0].due_at == request.due_at


def test_an_appi_request_cannot_be_extended(client, english_agent, file_case, act):
    case = file_case(residence="jp")
    response = act(case, "extend", amount="1", reason="理由")
    assert "The policy for this request allows no extension." in text_of(response)
    assert "Extend the deadline" not in text_of(client.get(f"/staff/requests/{case.reference}"))


def test_a_rejection_needs_a_reason_which_the_requester_then_sees(
        client, english_agent, file_case, act, case_state, mails, app):
    case = file_case(status="in_progress")
    refused = act(case, "reject", reason="")
    assert refused.status_code == 422
    assert "A rejection needs a reason. The requester will see it." in text_of(refused)
    assert case_state(case.reference)[0].status.value == "in_progress"

    assert act(case, "reject", reason="ご本人であることを確認できませんでした。").status_code == 302
    request, _events = case_state(case.reference)
    assert request.status.value == "rejected"
    with app.app_context():
        from portal.dsr.queries import get_by_reference

        seen = timeline(get_by_reference(case.reference), for_requester=True)
        assert seen[-1].body == "ご本人であることを確認できませんでした。"
        db.session.remove()
    assert mails() == ["dsr.rejected"]


def test_moves_the_status_machine_forbids_are_refused_with_a_clear_message(
        client, english_agent, file_case, act, case_state):
    done = file_case(status="completed")
    response = act(done, "reject", reason="理由")
    assert response.status_code == 422
    assert "A request that is “Completed” cannot become “Rejected”." in text_of(response)
    unverified = file_case(status="received")
    response = act(unverified, "start")
    assert "A request that is “Received” cannot become “In progress”." in text_of(response)
    assert case_state(unverified.reference)[0].status.value == "received"
    response = act(unverified, "complete")
    assert "cannot become “Completed”" in text_of(response)


def test_a_closed_request_takes_notes_but_no_messages(client, english_agent, file_case, act):
    done = file_case(status="completed")
    assert act(done, "note", body="記録のため").status_code == 302
    response = act(done, "message", body="追伸")
    assert response.status_code == 422 and "This request is closed and can no longer be changed." in text_of(response)


def test_empty_messages_and_notes_are_refused(client, english_agent, file_case, act):
    case = file_case()
    assert "A message cannot be empty." in text_of(act(case, "message", body=""))
    assert "A note cannot be empty." in text_of(act(case, "note", body=" "))


@pytest.fixture
def correction(make_person, file_case, app):
    """A correction asking to change an address, filed by the matched person."""
    person_id = make_person(items={("contact", "address"): OLD_ADDRESS})
    with app.app_context():
        item_id = db.session.scalar(sa.select(Item.id).where(Item.person_id == person_id))
        db.session.remove()
    case = file_case(type="correction", person_id=person_id, email="hanako@example.jp", details={"changes": [
        {"item_id": item_id, "category": "contact", "field": "address", "action": "change",
         "current": OLD_ADDRESS, "proposed": NEW_ADDRESS, "reason": "引っ越しました"}]})
    return case, item_id


def _value(app, item_id):
    with app.app_context():
        value = db.session.get(Item, item_id).value
        db.session.remove()
    return value


def test_completing_a_correction_applies_it_and_tells_the_requester(
        client, english_agent, correction, act, case_state, mails, app):
    case, item_id = correction
    page = text_of(client.get(f"/staff/requests/{case.reference}"))
    assert OLD_ADDRESS in page and NEW_ADDRESS in page and "Decide each proposed change" in page
    response = act(case, "complete", **{"proposal-0": "accept", "answer": "住所を訂正しました。", "note": "確認済み"})
    assert response.status_code == 302
    request, events = case_state(case.reference)
    assert request.status.value == "completed"
    assert _value(app, item_id) == NEW_ADDRESS
    assert {"applied", "message_to_requester", "decision", "internal_note"} <= {e.kind.value for e in events}
    assert mails("hanako@example.jp") == ["dsr.completed"]


def test_an_incomplete_decision_is_refused_and_nothing_is_applied(
        client, english_agent, correction, act, case_state, app):
    case, item_id = correction
    response = act(case, "complete", answer="途中")
    assert response.status_code == 422
    assert "Decide every proposed change: accept it, or refuse it with a reason." in text_of(response)
    assert "途中" in response.get_data(as_text=True), "what was typed is kept"
    assert case_state(case.reference)[0].status.value == "verified"
    assert _value(app, item_id) == OLD_ADDRESS
    refused = act(case, "complete", **{"proposal-0": "refuse"})
    assert "A refused change needs a reason. The requester will see it." in text_of(refused)


def test_a_form_without_its_version_or_with_nonsense_is_refused_plainly(client, english_agent, file_case, act,
                                                                       case_state):
    case = file_case(status="in_progress")
    for tampered in ({"version": ""}, {"version": "99999999999999999999"}, {"seen": "x" * 30}):
        response = act(case, "reject", reason="理由", **tampered)
        assert response.status_code == 422, tampered
        assert "This form is incomplete. Please reload the page." in text_of(response)
    assert act(case, "match", person_id="99999999999999999999").status_code == 422
    assert client.get("/staff/", query_string={"assignee": "99999999999999999999",
                                               "after": "1~2026-01-01T00:00:00+00:00~99999999999999"}).status_code == 200
    assert case_state(case.reference)[0].status.value == "in_progress"


def _held(app, person_id):
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(Item).where(Item.person_id == person_id))
        db.session.remove()
    return count


def test_an_erasure_is_applied_only_from_its_confirmation_step(
        app, client, english_agent, make_person, file_case, act, case_state):
    person_id = make_person(items={("contact", "address"): "東京都港区1-1", ("purchase", "order-1"): "お茶"})
    erasure = file_case(type="erasure", person_id=person_id)

    unscoped = act(erasure, "complete")
    assert unscoped.status_code == 422 and "Choose what the decision covers" in text_of(unscoped)

    asked = act(erasure, "complete", scope="all")
    assert asked.status_code == 200
    assert "Confirm the erasure" in text_of(asked) and "2 items will be erased" in text_of(asked)
    assert _held(app, person_id) == 2 and case_state(erasure.reference)[0].status.value == "verified"

    confirmed = act(erasure, "complete", scope="all", confirmed="yes")
    assert confirmed.status_code == 302
    assert _held(app, person_id) == 0 and case_state(erasure.reference)[0].status.value == "completed"
