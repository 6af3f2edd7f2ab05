"""Decisions over the API: a call-centre system completes what it filed with the decision the
staff page applies — same rules, same audit entries, same answer mail — and a stale version
gets 409 with nothing changed."""
from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.inventory.models import Item, Person
from tests.customer.records import HANAKO_VALUES
from tests.fixtures.audit import audit_entries


def _items(read, person_id, category=None):
    stmt = sa.select(sa.func.count()).select_from(Item).where(Item.person_id == person_id)
    if category:
        stmt = stmt.where(Item.category == category)
    return read(lambda: db.session.scalar(stmt))


def test_an_erasure_of_everything_is_completed_over_the_api_as_on_the_staff_page(
        app, api, make_token, hanako, read, file_case, smtp_server):
    token = make_token("requests:read,requests:write", role="agent")
    case = file_case(type="erasure", person_id=hanako, status="in_progress", email=HANAKO_VALUES["email"],
                     details={"scope": "chosen", "categories": ["purchase"], "ground": "no_longer_needed"})
    version = api.get(f"/requests/{case.reference}", token=token).get_json()["version"]

    stale = api.post(f"/requests/{case.reference}/decision", json={"scope": "all", "version": version - 1},
                     token=token)
    assert stale.status_code == 409 and stale.get_json()["type"].endswith("/conflict")
    assert _items(read, hanako) > 0 and smtp_server.messages == []

    response = api.post(f"/requests/{case.reference}/decision", token=token,
                        json={"scope": "all", "version": version, "answer": "お電話でのご依頼のとおり消去しました。",
                              "note": "コールセンター経由"})

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "completed" and body["version"] > version
    assert _items(read, hanako) == 0
    assert read(lambda: db.session.get(Person, hanako).erasure_reference) == case.reference
    [applied] = audit_entries(app, "dsr.decision_applied")
    assert (applied.actor_type, applied.actor_id) == ("staff", str(token.owner_id))
    assert applied.details["erased"] > 0
    [mail] = smtp_server.to(HANAKO_VALUES["email"])
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert case.reference in mail["Subject"] and "お電話でのご依頼のとおり消去しました。" in text
    assert "購入履歴" in text
    timeline = {event["kind"] for event in body["timeline"]} if "timeline" in body else set()
    assert not timeline or {"applied", "decision"} <= timeline

    again = api.post(f"/requests/{case.reference}/decision", json={"scope": "all"}, token=token)
    assert again.status_code in (409, 422)  # completed: nothing more to decide


def test_a_correction_is_decided_per_change_and_a_refusal_needs_a_reason(
        app, api, make_token, hanako, read, file_case, smtp_server):
    token = make_token("requests:write,requests:read", role="agent")
    address = read(lambda: db.session.scalar(sa.select(Item).where(Item.person_id == hanako, Item.field == "address")))
    phone = read(lambda: db.session.scalar(sa.select(Item).where(Item.person_id == hanako, Item.field == "phone")))
    changes = [{"item_id": address.id, "category": "contact", "field": "address", "action": "change",
                "current": address.value, "proposed": "東京都渋谷区サンプル4-5-6", "reason": "引っ越し"},
               {"item_id": phone.id, "category": "contact", "field": "phone", "action": "change",
                "current": phone.value, "proposed": "03-0000-0000", "reason": "番号変更"}]
    case = file_case(type="correction", person_id=hanako, status="in_progress", email=HANAKO_VALUES["email"],
                     details={"changes": changes})
    url = f"/requests/{case.reference}/decision"

    missing_reason = api.post(url, token=token, json={"verdicts": [{"index": 0, "accept": True},
                                                                   {"index": 1, "accept": False}]})
    assert missing_reason.status_code == 422
    assert read(lambda: db.session.get(Item, address.id).value) == address.value

    done = api.post(url, token=token, json={"verdicts": [
        {"index": 0, "accept": True}, {"index": 1, "accept": False, "reason": "ご登録の番号と確認できないため"}]})

    assert done.status_code == 200, done.get_json()
    assert read(lambda: db.session.get(Item, address.id).value) == "東京都渋谷区サンプル4-5-6"
    assert read(lambda: db.session.get(Item, phone.id).value) == phone.value
    [mail] = smtp_server.to(HANAKO_VALUES["email"])
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert "住所を変更しました。" in text and "ご登録の番号と確認できないため" in text


def test_the_decision_endpoint_needs_the_write_scope_and_is_in_the_openapi_document(
        api, make_token, hanako, file_case):
    case = file_case(type="erasure", person_id=hanako, status="in_progress", details={"scope": "all"})
    reader = make_token("requests:read", role="agent")
    assert api.post(f"/requests/{case.reference}/decision", json={"scope": "all"}, token=reader).status_code == 403
    document = api.get("/openapi.json").get_json()
    operation = document["paths"]["/requests/{reference}/decision"]["post"]
    assert operation["security"] == [{"bearer": ["requests:write"]}] or "requests:write" in str(operation)
    schema = document["components"]["schemas"]["Decision"]
    assert {"scope", "verdicts", "version", "recipients", "categories"} <= set(schema["properties"])
    assert api.post("/requests/MG-2026-999999/decision", json={}, token=make_token("requests:write")).status_code == 404
