"""A raw dump of the database shows no email, name, phone or address in clear (issue #8, point 2).

One realistic journey goes through the real pages: a person is imported, proves her address by
mail, passes the extra check, asks for an address correction and an erasure, answers a question
from staff; staff search for her and act. Then the database is dumped the way an attacker with
the disk or a backup would see it (the SQLite file's bytes and `iterdump()`, or `pg_dump`), and
none of her identifying values may appear — in UTF-8 or as JSON escapes.
"""
from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from portal.dsr.models import DataRequest
from portal.extensions import db
from portal.inventory.models import Person
from tests.fixtures.agents import agent_form
from tests.customer.helpers import text_of
from tests.fixtures.customer_requests import form_fields
from tests.fixtures.pages import post_page_form

KEY = "C-777001"
EMAIL = "ruriko.torii.zz@example.jp"
NAME = "鳥居 瑠璃子"
KANA = "トリイ ルリコ"
PHONE = "070-4242-8686"
BIRTHDATE = "1979-11-23"
NUMBER = "M-77123456"
ADDRESS = "〒150-0001 東京都渋谷区神宮前9-9-9 テストビル"
NEW_ADDRESS = "〒150-0002 東京都渋谷区渋谷8-8-8 新テストビル702"
PRODUCT = "瑠璃色の万年筆"
MESSAGE = f"新しい住所は{NEW_ADDRESS}です。電話は{PHONE}までお願いします。"
QUESTION = "ご本人確認のため、お電話番号の下4桁を教えてください。"

# What must never be readable in a dump: every identifying value, and recognisable pieces of them.
SECRETS = [EMAIL, "ruriko.torii.zz", NAME, NAME.replace(" ", ""), "瑠璃子", KANA, KANA.replace(" ", ""), "ルリコ",
           PHONE, PHONE.replace("-", ""), "4242-8686", "42428686", ADDRESS, "神宮前9-9-9", "テストビル",
           NEW_ADDRESS, "渋谷8-8-8", "新テストビル702", NUMBER, "77123456", BIRTHDATE]


def _item(category: str, field: str, value, **extra) -> dict:
    return {"type": "item", "person": KEY, "category": category, "field": field, "value": value,
            "source": "web-signup", "collected_at": "2024-05-15T10:30:00+09:00", "purposes": ["orders"],
            "retain_until": "2031-03-31", **extra}


RECORDS = [
    {"type": "source", "key": "web-signup", "kind": "direct", "name": {"ja": "会員登録フォーム", "en": "Sign-up form"}},
    {"type": "purpose", "key": "orders", "channel": "none",
     "title": {"ja": "ご注文の商品をお届けするため", "en": "To deliver your orders"}},
    {"type": "person", "key": KEY, "email": EMAIL, "name": NAME, "name_kana": KANA, "phone": PHONE,
     "birthdate": BIRTHDATE, "customer_number": NUMBER},
    _item("identity", "name", NAME, key=f"{KEY}/identity.name"),
    _item("identity", "name_kana", KANA, key=f"{KEY}/identity.name_kana"),
    _item("contact", "email", EMAIL, key=f"{KEY}/contact.email"),
    _item("contact", "phone", PHONE, key=f"{KEY}/contact.phone"),
    _item("contact", "address", ADDRESS, key=f"{KEY}/contact.address"),
    _item("demographic", "birthdate", BIRTHDATE, key=f"{KEY}/demographic.birthdate"),
    *[_item("purchase", "line", {"sku": f"SKU-{n}", "product": PRODUCT, "price": 1200, "quantity": 2,
                                 "delivered_to": ADDRESS}) for n in range(3)],
]


def encodings(value: str) -> list[bytes]:
    """The forms a string takes in a dump: UTF-8, JSON with \\u escapes (either case), UTF-16."""
    escaped = json.dumps(value)[1:-1]
    forms = {value.encode(), escaped.encode(), escaped.upper().replace("\\U", "\\u").encode(),
             value.encode("utf-16-le")}
    if value.isascii():
        forms.add(value.lower().encode())
    return sorted(forms)


def leaks(dump: bytes) -> list[str]:
    return [f"{value!r} as {form!r}" for value in SECRETS for form in encodings(value) if form in dump]


def raw_dump(app) -> bytes:
    """Everything an attacker with the database's files or a backup gets."""
    with app.app_context():
        db.session.remove()
        url = db.engine.url
        db.engine.dispose()  # SQLite: every change checkpointed into the file
    if url.get_backend_name() == "postgresql":
        env = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
        command = ["pg_dump", "--no-owner", "-h", url.host or "127.0.0.1", "-p", str(url.port or 5432),
                   "-U", url.username or "postgres", url.database]
        return subprocess.run(command, env=env, check=True, capture_output=True).stdout
    path = Path(url.database)
    files = b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal"), Path(f"{path}-journal")) if p.exists())
    connection = sqlite3.connect(path)
    try:
        text = "\n".join(connection.iterdump())
    finally:
        connection.close()
    return files + b"\n" + text.encode()


def test_the_encodings_checked_would_catch_a_clear_value():
    """The check itself: a dump holding the name as JSON escapes is caught."""
    assert leaks(json.dumps({"name": NAME}).encode()) and leaks(NEW_ADDRESS.encode("utf-16-le"))
    assert leaks(b"nothing personal") == []


@pytest.fixture
def journey(app, client, import_lines, ask_for_mail, smtp_server, submit, login_as, act):  # noqa: F811
    """The whole journey; returns (customer browser, [references])."""
    import_lines(*RECORDS)

    # The customer proves her address with the code from the mail, then answers the extra check.
    browser = app.test_client()
    mail = ask_for_mail(EMAIL, browser=browser)
    assert post_page_form(browser, "/verify/code", {"code": mail.code}).status_code == 302
    response = post_page_form(browser, "/verify/step-up", {"check": "phone_last4", "answer": "8686"}, page="/verify/step-up")
    assert response.status_code == 302, text_of(response.get_data(as_text=True))[:500]

    def send(page: str, data: dict, *, url: str | None = None):
        html = browser.get(page).get_data(as_text=True)
        fields = form_fields(html)
        fields.update({name: [value] for name, value in data.items()})
        return browser.post(url or page, data=MultiDict([(k, v) for k, vs in fields.items() for v in vs]))

    # A correction proposing a new address (waits for staff).
    html = browser.get("/my/requests/new/correction").get_data(as_text=True)
    with app.app_context():
        address_id = db.session.scalar(sa.select(Person.id).where(Person.key == KEY))
        prefixes = re.findall(r'name="(changes-\d+)-item_id" type="hidden" value="(\d+)"', html)
        from portal.inventory.models import Item
        [prefix] = [p for p, item_id in prefixes if db.session.get(Item, int(item_id)).field == "address"]
    response = send("/my/requests/new/correction", {f"{prefix}-action": "change", f"{prefix}-proposed": NEW_ADDRESS,
                                                    f"{prefix}-reason": "引っ越しました"})
    assert response.status_code == 302, text_of(response.get_data(as_text=True))[:500]
    correction = response.headers["Location"].rsplit("/", 1)[1]

    # An erasure request.
    response = send("/my/requests/new/erasure", {"scope": "all", "ground": "no_longer_needed"})
    assert response.status_code == 302, text_of(response.get_data(as_text=True))[:500]
    erasure = response.headers["Location"].rsplit("/", 1)[1]

    # Staff find her, start the correction and ask a question; she answers with her details.
    login_as("agent")
    with app.app_context():
        request = db.session.scalar(sa.select(DataRequest).where(DataRequest.reference == correction))

        class Case:
            reference = correction
        assert request.person_id == address_id
    assert act(Case, "start").status_code == 302
    assert act(Case, "ask", body=QUESTION).status_code == 302
    response = send(f"/my/requests/{correction}", {"body": MESSAGE}, url=f"/my/requests/{correction}/reply")
    assert response.status_code == 302, text_of(response.get_data(as_text=True))[:500]
    assert client.get(f"/staff/requests/{correction}").status_code == 200
    # Staff accept the new address: the item changes and its old value goes to the history.
    response = act(Case, "complete", **{"proposal-0": "accept", "answer": "住所を変更しました。"})
    assert response.status_code == 302, text_of(response.get_data(as_text=True))[:500]
    with app.app_context():
        request = db.session.scalar(sa.select(DataRequest).where(DataRequest.reference == correction))
        assert request.status.value == "completed"
    return browser, [correction, erasure]


def test_a_raw_dump_shows_no_identifying_value_in_clear(app, journey):
    dump = raw_dump(app)
    assert len(dump) > 10_000, "the dump is suspiciously small"
    assert journey[1][0].encode() in dump  # the dump is real: the (non-personal) reference is there
    assert leaks(dump) == []


def test_the_customer_still_sees_her_values_decrypted(app, journey):
    browser, [correction, erasure] = journey
    page = text_of(browser.get("/my/data").get_data(as_text=True))
    for value in (NAME, KANA, EMAIL, PHONE, NEW_ADDRESS):
        assert value in page, f"{value} is not shown on /my/data"
    page = text_of(browser.get(f"/my/requests/{correction}").get_data(as_text=True))
    assert NEW_ADDRESS in page and ADDRESS in page and MESSAGE in page and QUESTION in page
    assert erasure in text_of(browser.get("/my/requests").get_data(as_text=True))


def test_staff_find_her_requests_by_email_and_by_whole_name(app, client, journey):
    _browser, references = journey
    for query in (EMAIL, EMAIL.upper(), NAME, NAME.replace(" ", "　"), KANA.replace(" ", "")):
        page = client.get("/staff/", query_string={"q": query, "status": "any"}).get_data(as_text=True)
        assert all(reference in page for reference in references), f"search for {query!r} misses a request"
    page = client.get("/staff/", query_string={"q": "瑠璃子", "status": "any"}).get_data(as_text=True)
    assert not any(reference in page for reference in references)  # no partial matches: whole names only
    page = client.get(f"/staff/requests/{references[0]}").get_data(as_text=True)
    assert NEW_ADDRESS in text_of(page) and MESSAGE in text_of(page)


def test_a_staff_reason_quoting_her_details_is_not_in_clear_either(app, journey, act):  # noqa: F811
    _browser, [_correction, erasure] = journey

    class Case:
        reference = erasure
    assert act(Case, "start").status_code == 302
    reason = f"{NAME}様のご登録住所（{ADDRESS}）への請求書は7年間保存する義務があるため"
    assert act(Case, "reject", reason=reason).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(DataRequest.rejection_reason).where(DataRequest.reference == erasure)) == reason
    assert leaks(raw_dump(app)) == []


AGENT = {"agent_name": "鳥居 琥珀", "agent_phone": "070-9191-3737", "agent_address": "〒150-0001 東京都渋谷区神宮前9-9-9 テストビル",
         "subject_name": NAME, "subject_kana": KANA, "subject_emails": EMAIL, "subject_phone": PHONE,
         "subject_birthdate": BIRTHDATE, "subject_address": ADDRESS}


def test_an_agents_request_leaves_no_identifying_value_in_clear(app, client, verify_address, submit_agent_form,  # noqa: F811
                                                                upload_dir):
    """A parent files for her: the agent's and the subject's details are ciphertext too."""
    verify_address("kohaku.torii.zz@example.jp")
    response, _sent = submit_agent_form(agent_form(**AGENT), file=(None, "委任状.pdf"))
    assert response.status_code == 302 and response.location == "/agents/request/filed"
    with app.app_context():
        request = db.session.scalar(sa.select(DataRequest))
        assert request.agent["name"] == "鳥居 琥珀" and request.subject["name"] == NAME  # readable through the app
    dump = raw_dump(app)
    assert leaks(dump) == []
    for value in ("鳥居 琥珀", "琥珀", "kohaku.torii.zz", "9191-3737"):
        assert not any(form in dump for form in encodings(value)), value


def test_the_name_of_an_uploaded_letter_is_not_in_clear(app, client, verify_address, submit_agent_form,  # noqa: F811
                                                        upload_dir):
    verify_address("kohaku.torii.zz@example.jp")
    response, _sent = submit_agent_form(agent_form(**AGENT), file=(None, f"委任状（{NAME.replace(' ', '')}）.pdf"))
    assert response.status_code == 302
    assert leaks(raw_dump(app)) == []


def test_a_request_filed_through_the_api_leaves_no_identifying_value_in_clear(app, api, token, receiver, webhook):  # noqa: F811
    """The API path: the request, its message, the stored reply to a retried call and the webhook's payload."""
    webhook("request.received")
    body = {"type": "disclosure", "channel": "phone", "policy": "appi", "requester": {"email": EMAIL, "name": NAME}}
    response = api.post("/requests", token=token, json=body, headers={"Idempotency-Key": "call-dump-1"})
    assert response.status_code == 201, response.get_json()
    reference = response.get_json()["reference"]
    assert api.post(f"/requests/{reference}/messages", token=token, json={"kind": "from_requester", "body": MESSAGE}).status_code == 201
    again = api.post("/requests", token=token, json=body, headers={"Idempotency-Key": "call-dump-1"})
    assert again.get_json()["reference"] == reference  # answered from the (encrypted) stored reply
    with app.app_context():
        from portal.api.models import ApiIdempotencyRecord
        from portal.webhooks.models import WebhookDelivery

        assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiIdempotencyRecord)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookDelivery)) == 1
    dump = raw_dump(app)
    assert reference.encode() in dump and leaks(dump) == []
