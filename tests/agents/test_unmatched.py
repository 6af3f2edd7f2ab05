"""A verified address that matches nobody can still file: the request is verified (the address
is proven) but has no person until staff match it."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.audit.services import Actor
from portal.dsr import services as dsr
from portal.dsr.models import DataRequest
from portal.dsr.status import RequestStatus
from portal.extensions import db
from tests.fixtures.agents import idempotency_key_from
from tests.fixtures.pages import csrf_from, in_english
from tests.customer.helpers import text_of
from tests.inventory.records import PERSON

URL = "/my/requests/new/without-match"


def unmatched_form(**overrides) -> dict:
    data = {"subject_name": "山田 花子", "subject_kana": "ヤマダ ハナコ", "subject_emails": "hanako@example.jp",
            "subject_phone": "090-1234-5678", "subject_birthdate": "", "subject_address": "東京都港区サンプル1-1",
            "subject_customer_number": "", "request_types": ["disclosure"], "description": "",
            "residence": "jp", "confirm": "y"}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def submit(client):
    def post(data: dict | None = None):
        html = client.get(URL).get_data(as_text=True)
        sent = {"csrf_token": csrf_from(html), "idempotency_key": idempotency_key_from(html),
                **(data if data is not None else unmatched_form())}
        return client.post(URL, data=sent), sent

    return post


@pytest.fixture
def hanako_under_old_address(import_lines):
    """The company knows 山田 花子 by her old address only."""
    import_lines(PERSON)


def requests_in(app) -> list[DataRequest]:
    with app.app_context():
        found = db.session.scalars(sa.select(DataRequest).order_by(DataRequest.id)).all()
        db.session.expunge_all()
        db.session.remove()
    return found


def test_the_no_data_page_leads_to_the_form(client, verify_address):
    verify_address("new.address@example.jp", next="/my/data")
    page = client.get("/my/data").get_data(as_text=True)
    assert f'href="{URL}"' in page or 'href="/my/requests/new"' in page
    form = client.get(URL)
    assert form.status_code == 200 and "new.address@example.jp" in form.get_data(as_text=True)


def test_an_unmatched_requester_files_with_their_details(app, client, smtp_server, verify_address, submit,
                                                          hanako_under_old_address):
    verify_address("new.address@example.jp", next=URL)
    mails = len(smtp_server.messages)
    response, _sent = submit(unmatched_form(request_types=["disclosure", "suspension"]))
    assert response.status_code == 302 and response.location == "/agents/request/filed"
    requests = requests_in(app)
    assert [r.type.value for r in requests] == ["disclosure", "suspension"]
    for request in requests:
        assert request.person_id is None and not request.is_agent
        assert request.status is RequestStatus.VERIFIED and request.verified_at is not None and request.due_at
        assert request.details["unmatched"] is True
        assert request.requester_email == "new.address@example.jp"
        assert request.subject["name"] == "山田 花子" and request.subject["phone"] == "090-1234-5678"
    [candidate] = requests[0].details["person_candidates"]
    assert candidate["matched_on"] == ["email"] and "phone" in candidate["agrees"]
    # One receipt per request, to the proven address, each naming its reference.
    receipts = smtp_server.messages[mails:]
    assert sorted(re.search(r"MG-\d{4}-\d+", m["Subject"]).group(0) for m in receipts) == sorted(
        r.reference for r in requests)
    assert {m["To"] for m in receipts} == {"new.address@example.jp"}
    page = text_of(client.get("/agents/request/filed").get_data(as_text=True))
    assert all(r.reference in page for r in requests)


def test_staff_can_then_match_the_request_to_the_person(app, client, verify_address, submit, hanako_under_old_address):
    verify_address("new.address@example.jp", next=URL)
    submit()
    [request] = requests_in(app)
    with app.app_context():
        request = db.session.get(DataRequest, request.id)
        dsr.match_person(request, request.details["person_candidates"][0]["person_id"], actor=Actor("staff", "1"))
        db.session.commit()
        assert request.person_id is not None
        db.session.remove()


def test_a_double_submit_files_once(app, client, verify_address, submit):
    verify_address("new.address@example.jp", next=URL)
    first, sent = submit()
    again = client.post(URL, data=sent)
    assert again.status_code == 302 and again.location == first.location
    assert len(requests_in(app)) == 1


def test_another_requester_cannot_replay_someone_elses_key(app, client, verify_address, submit):
    verify_address("new.address@example.jp", next=URL)
    _first, sent = submit()
    other = app.test_client()
    verify_address("someone.else@example.jp", next=URL, browser=other)
    html = other.get(URL).get_data(as_text=True)
    other.post(URL, data={**sent, "csrf_token": csrf_from(html)})
    assert sorted(r.requester_email for r in requests_in(app)) == ["new.address@example.jp", "someone.else@example.jp"]


def test_a_known_customer_is_sent_to_the_ordinary_forms(client, verify_address, hanako_under_old_address):
    verify_address("hanako@example.jp", next="/my/data")
    response = client.get(URL)
    assert response.status_code == 302 and response.location.startswith("/my/")


def test_messages_are_in_japanese_and_in_english(client, verify_address, submit):
    verify_address("new.address@example.jp", next=URL)
    response, _sent = submit(unmatched_form(subject_name="", request_types=[], subject_emails="",
                                            subject_phone="", subject_address=""))
    page = text_of(response.get_data(as_text=True))
    assert response.status_code == 400 and "氏名を入力してください" in page
    in_english(client)
    response, _sent = submit(unmatched_form(subject_name="", request_types=[], subject_emails="",
                                            subject_phone="", subject_address=""))
    page = text_of(response.get_data(as_text=True))
    assert "Please enter the full name." in page and "Please choose at least one request." in page
    assert "Please give at least one of" in page


def test_the_form_is_only_for_verified_requesters(client):
    response = client.get(URL)
    assert response.status_code == 302 and response.location.startswith("/verify")


def test_the_form_needs_a_csrf_token(app, client, verify_address):
    verify_address("new.address@example.jp", next=URL)
    response = client.post(URL, data={**unmatched_form(), "idempotency_key": "k" * 32})
    assert response.status_code == 400 and requests_in(app) == []


def test_posting_is_rate_limited_per_ip_address(app, client, verify_address, submit):
    verify_address("new.address@example.jp", next=URL)
    app.config["PORTAL_REQUEST_FORM_LIMIT_PER_IP"] = "2 per hour"
    try:
        statuses = [submit(unmatched_form(subject_name=""))[0].status_code for _ in range(3)]
    finally:
        del app.config["PORTAL_REQUEST_FORM_LIMIT_PER_IP"]
    assert statuses == [400, 400, 429]
