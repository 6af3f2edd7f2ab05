"""Two staff on one request: the second gets "this request changed since you opened it", sees
what changed, keeps what they typed, and nothing is lost or applied twice."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.inventory.models import Item, ItemRevision
from portal.mail.models import OutboxMessage
from tests.fixtures.pages import csrf_from, in_english, text_of

STALE = "This request changed since you opened it"


def open_form(client, reference: str) -> dict:
    """What a browser holds after opening the page: the CSRF token, the version, the last event seen."""
    import re

    html = client.get(f"/staff/requests/{reference}").get_data(as_text=True)
    return {"csrf_token": csrf_from(html),
            "version": re.search(r'name="version" value="(\d+)"', html).group(1),
            "seen": re.search(r'name="seen" value="(\d+)"', html).group(1)}


@pytest.fixture
def two_agents(app, create_staff, login_staff):
    browsers = []
    for name in ("Agent Aoki", "Agent Baba"):
        browser = app.test_client()
        login_staff(browser, create_staff("agent", name=name))
        in_english(browser)
        browsers.append(browser)
    return browsers


def test_the_second_of_two_staff_is_told_what_changed_and_keeps_their_input(two_agents, file_case, case_state):
    first, second = two_agents
    case = file_case(residence="eu", status="in_progress")
    form_first, form_second = open_form(first, case.reference), open_form(second, case.reference)

    done = first.post(f"/staff/requests/{case.reference}/extend",
                      data={**form_first, "amount": "1", "reason": "資料の確認に時間が必要です"})
    assert done.status_code == 302
    late = second.post(f"/staff/requests/{case.reference}/reject",
                       data={**form_second, "reason": "重複した請求のため"})
    assert late.status_code == 409
    text = text_of(late)
    assert STALE in text and "Nothing from your form was saved." in text
    changes = late.get_data(as_text=True).split('id="stale-title"')[1].split("</section>")[0]
    assert "Deadline extended to" in changes and "Agent Aoki" in changes and "資料の確認に時間が必要です" in changes
    assert "重複した請求のため" in late.get_data(as_text=True), "the reason typed is still in the form"
    request, events = case_state(case.reference)
    assert request.status.value == "in_progress" and request.rejection_reason is None

    # Having seen the change, they can send it again: the re-rendered form carries the new version.
    again = second.post(f"/staff/requests/{case.reference}/reject",
                        data={**open_form(second, case.reference), "reason": "重複した請求のため"})
    assert again.status_code == 302 and case_state(case.reference)[0].status.value == "rejected"


def test_a_form_sent_twice_acts_once(client, login_as, file_case, case_state, app):
    login_as("agent")
    in_english(client)
    case = file_case(residence="eu")
    form = open_form(client, case.reference)
    url = f"/staff/requests/{case.reference}/message"
    assert client.post(url, data={**form, "body": "確認中です。"}).status_code == 302
    replay = client.post(url, data={**form, "body": "確認中です。"})
    assert replay.status_code == 409 and STALE in text_of(replay)
    _request, events = case_state(case.reference)
    assert [e.kind.value for e in events].count("message_to_requester") == 1
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 1
        db.session.remove()


def test_an_invalid_form_that_is_also_stale_says_it_is_stale(two_agents, file_case):
    first, second = two_agents
    case = file_case(status="in_progress")
    form_second = open_form(second, case.reference)
    first.post(f"/staff/requests/{case.reference}/note", data={**open_form(first, case.reference), "body": "メモ"})
    first.post(f"/staff/requests/{case.reference}/ask",
               data={**open_form(first, case.reference), "body": "書類をお送りください"})
    late = second.post(f"/staff/requests/{case.reference}/ask", data={**form_second, "body": ""})
    assert late.status_code == 409 and STALE in text_of(late)


def test_two_staff_completing_one_correction_at_once_on_postgresql_apply_it_once(
        app, two_agents, make_person, file_case, case_state, monkeypatch):
    """Two real connections: both read the request before either writes; one wins, one is told."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("needs PostgreSQL: SQLite lets one writer at a time, so the two cannot overlap")
    person_id = make_person(items={("contact", "address"): "東京都港区旧町1-1"})
    with app.app_context():
        item_id = db.session.scalar(sa.select(Item.id).where(Item.person_id == person_id))
        db.session.remove()
    case = file_case(type="correction", person_id=person_id, status="in_progress", details={"changes": [
        {"item_id": item_id, "category": "contact", "field": "address", "action": "change",
         "current": "東京都港区旧町1-1", "proposed": "東京都港区新町2-2"}]})
    forms = [open_form(browser, case.reference) for browser in two_agents]

    from portal.casework import action_views

    both_read = threading.Barrier(2, timeout=20)
    real_open_case = action_views.open_case

    def open_case_then_wait(reference):
        found = real_open_case(reference)
        found.version_id  # loaded in this request's own session and connection
        both_read.wait()
        return found

    monkeypatch.setattr(action_views, "open_case", open_case_then_wait)

    def complete(index: int):
        data = {**forms[index], "proposal-0": "accept", "answer": f"訂正しました（{index}）"}
        return two_agents[index].post(f"/staff/requests/{case.reference}/complete", data=data)

    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = sorted(r.status_code for r in pool.map(complete, range(2)))
    assert statuses == [302, 409]
    request, events = case_state(case.reference)
    assert request.status.value == "completed"
    kinds = [e.kind.value for e in events]
    assert kinds.count("applied") == 1 and kinds.count("message_to_requester") == 1
    with app.app_context():
        assert db.session.get(Item, item_id).value == "東京都港区新町2-2"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ItemRevision)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 1
        db.session.remove()
