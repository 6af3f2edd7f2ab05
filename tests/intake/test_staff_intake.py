"""Staff intake (/staff/requests/new): refusals change nothing; the identity check decides the clock."""
from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from portal.common.time import utcnow
from portal.dsr.calendar import japan_date
from portal.dsr.models import DataRequest
from portal.extensions import db
from portal.mail.models import OutboxMessage
from tests.fixtures.pages import csrf_from, in_english, text_of

TOKEN = re.compile(r'name="token" type="hidden" value="([0-9a-f]+)"')


def _file(client, **fields):
    html = client.get("/staff/requests/new").get_data(as_text=True)
    token = TOKEN.search(html).group(1)
    data = {"csrf_token": csrf_from(html), "token": token, "do": "file", "type": "disclosure", "policy": "appi",
            "channel": "phone", "received_on": japan_date(utcnow()).isoformat(), "language": "ja", **fields}
    return client.post("/staff/requests/new", data=data)


def _requests(app):
    with app.app_context():
        rows = list(db.session.scalars(sa.select(DataRequest)))
        db.session.expunge_all()
        db.session.remove()
    return rows


def test_refusals_file_nothing(app, client, login_as):
    in_english(client)
    login_as("agent")
    future = _file(client, received_on=(japan_date(utcnow()) + timedelta(days=1)).isoformat(),
                   requester_email="a@example.jp", identity="not_yet")
    assert future.status_code == 422 and "cannot be in the future" in text_of(future)
    no_reason = _file(client, requester_email="a@example.jp", identity="not_needed")
    assert no_reason.status_code == 422 and "Say why no identity documents were needed" in text_of(no_reason)
    no_documents = _file(client, requester_email="a@example.jp", identity="documents")
    assert no_documents.status_code == 422 and "Tick the documents you saw" in text_of(no_documents)
    no_address = _file(client, identity="not_yet")
    assert no_address.status_code == 422 and "e-mail address" in text_of(no_address)
    assert _requests(app) == []


def test_an_unchecked_identity_files_the_request_waiting_for_verification_and_mails_the_receipt(
        app, client, login_as):
    login_as("agent")
    response = _file(client, requester_email="caller@example.jp", requester_name="電話 太郎", identity="not_yet",
                     policy="ccpa", type="erasure")
    assert response.status_code == 302
    (request,) = _requests(app)
    assert request.status.value == "received" and request.channel.value == "phone"  # (the clock runs from receipt)
    assert request.jurisdiction.value == "ccpa" and request.acknowledged_at is not None  # CCPA: receipt confirmed
    with app.app_context():
        assert [m.to_address for m in db.session.scalars(sa.select(OutboxMessage))] == ["caller@example.jp"]
        db.session.remove()


def test_the_same_form_sent_twice_files_once(app, client, login_as, make_person):
    login_as("agent")
    html = client.get("/staff/requests/new").get_data(as_text=True)
    assert 'name="token"' in html
    person_id = make_person(email="known@example.jp")
    data = {"csrf_token": csrf_from(html), "do": "file", "type": "disclosure", "policy": "appi", "channel": "counter",
            "received_on": japan_date(utcnow()).isoformat(), "language": "ja", "identity": "not_needed",
            "identity_note": "会員証で確認", "person_id": str(person_id),
            "token": TOKEN.search(html).group(1)}
    assert client.post("/staff/requests/new", data=data).status_code == 302
    assert client.post("/staff/requests/new", data=data).status_code == 302
    (request,) = _requests(app)
    assert request.person_id == person_id and request.requester_email == "known@example.jp"
    assert request.status.value == "verified"
