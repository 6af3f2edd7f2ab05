"""名寄せ: duplicates found by the blind indexes, merged with their history, undone.

Two records of 山田 花子 — the shop's point card (C-000123, hanako@example.jp) and the online
account (W-9001, hanako.online@example.jp, same phone written differently) — as a retailer
really holds them.
"""
from __future__ import annotations

import csv
import io
import re

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEntry
from portal.dsr.models import DataRequest
from portal.extensions import db
from portal.inventory.models import ConsentEvent, Item, Person, Provision
from portal.merging.models import PersonMerge
from tests.fixtures.merging import ONLINE, ONLINE_ORDER
from tests.fixtures.pages import csrf_from
from tests.fixtures.pages import post_page_form
from tests.inventory.records import ITEM, PURCHASE, PURPOSE, SOURCE


def _person(key):
    return db.session.scalar(sa.select(Person).where(Person.key == key))


def _counts(person_id):
    return {
        "items": db.session.scalar(sa.select(sa.func.count()).select_from(Item).where(Item.person_id == person_id)),
        "consents": db.session.scalar(
            sa.select(sa.func.count()).select_from(ConsentEvent).where(ConsentEvent.person_id == person_id)),
        "provisions": db.session.scalar(
            sa.select(sa.func.count()).select_from(Provision).where(Provision.person_id == person_id)),
    }


def _merge_through_pages(client, merged="W-9001", into="C-000123"):
    page = client.get(f"/staff/duplicates/merge?merged={merged}&into={into}&evidence=same_phone")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    return client.post("/staff/duplicates/merge", data={
        "csrf_token": csrf_from(html), "merged": merged, "into": into, "evidence": "same_phone"})


def test_candidates_are_found_by_phone_and_by_name_with_birth_date(app_ctx, two_records):
    from portal.merging.candidates import Evidence, find_candidates

    [candidate] = find_candidates()
    assert (candidate.first.key, candidate.second.key) == ("C-000123", "W-9001")
    assert candidate.evidence == [Evidence.SAME_PHONE, Evidence.SAME_NAME_AND_BIRTHDATE]


def test_same_name_and_postal_code_is_evidence_too(app_ctx, import_lines):
    from portal.merging.candidates import Evidence, find_candidates

    import_lines(SOURCE, PURPOSE,
                 {"type": "person", "key": "A-1", "email": "a1@example.jp", "name": "田中 一郎"},
                 {"type": "person", "key": "A-2", "email": "a2@example.jp", "name": "田中一郎"},
                 {**ITEM, "key": "A-1/address", "person": "A-1", "value": "〒150-0001 東京都渋谷区サンプル1-1"},
                 {**ITEM, "key": "A-2/address", "person": "A-2", "value": "〒１５０－０００１ 東京都渋谷区サンプル１"})
    [candidate] = find_candidates()
    assert candidate.evidence == [Evidence.SAME_NAME_AND_POSTAL_CODE]


def test_staff_merge_moves_everything_and_the_customer_sees_both_records(
        app, client, two_records, login_as, ask_for_mail, smtp_server):
    login_as("manager")
    listing = client.get("/staff/duplicates").get_data(as_text=True)
    assert "W-9001" in listing and "C-000123" in listing and "同じ電話番号" in listing
    preview = client.get("/staff/duplicates/merge?merged=W-9001&into=C-000123").get_data(as_text=True)
    for label, count in (("データ項目", 1), ("同意の履歴", 1), ("提供の記録", 1)):
        assert re.search(rf"{label}[^<]*: {count}<", preview), label

    response = _merge_through_pages(client)
    assert response.status_code == 302

    with app.app_context():
        survivor, alias = _person("C-000123"), _person("W-9001")
        assert alias.merged_into_id == survivor.id
        assert _counts(alias.id) == {"items": 0, "consents": 0, "provisions": 0}
        assert _counts(survivor.id) == {"items": 3, "consents": 2, "provisions": 2}
        merge = db.session.scalar(sa.select(PersonMerge))
        assert merge.evidence == ["same_phone"] and not merge.is_undone
        audited = db.session.scalars(sa.select(AuditEntry.person_id).where(AuditEntry.action == "person.merged"))
        assert sorted(audited) == sorted([survivor.id, alias.id])
        db.session.remove()

    # The customer verifies with the merged record's address and sees both records' items.
    customer = app.test_client()
    mail = ask_for_mail("hanako.online@example.jp", browser=customer)
    assert post_page_form(customer, "/verify/code", {"code": mail.code}).status_code == 302
    # The step-up asks about the survivor's data: the person the old address now leads to.
    assert post_page_form(customer, "/verify/step-up", {"check": "birthdate", "answer": "1985-04-01"},
                page="/verify/step-up").status_code == 302
    my_data = customer.get("/my/data?category=purchase").get_data(as_text=True)
    for product in ("緑茶", "ほうじ茶"):  # the shop's line and the online order, both shown
        assert product in my_data, product


def test_an_import_of_the_merged_key_updates_the_survivor(app, client, two_records, login_as, import_lines):
    login_as("manager")
    _merge_through_pages(client)
    import_lines({**ONLINE_ORDER, "key": "W-9001/order-2", "value": {"sku": "C-1", "name": "煎茶", "price": 900}},
                 ONLINE)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 3  # no re-created duplicate
        survivor = _person("C-000123")
        assert _counts(survivor.id)["items"] == 4
        assert _person("W-9001").merged_into_id == survivor.id
        db.session.remove()


def test_undo_moves_back_what_moved_and_keeps_what_came_later(app, client, two_records, login_as, import_lines):
    login_as("manager")
    _merge_through_pages(client)
    import_lines({**PURCHASE, "key": "C-000123/after-merge", "collected_at": "2026-01-01T10:00:00"})
    with app.app_context():
        merge_id = db.session.scalar(sa.select(PersonMerge.id))
        db.session.remove()
    html = client.get("/staff/duplicates").get_data(as_text=True)
    response = client.post(f"/staff/duplicates/merges/{merge_id}/undo", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 302
    with app.app_context():
        survivor, restored = _person("C-000123"), _person("W-9001")
        assert restored.merged_into_id is None
        assert _counts(restored.id) == {"items": 1, "consents": 1, "provisions": 1}
        assert _counts(survivor.id) == {"items": 3, "consents": 1, "provisions": 1}
        assert db.session.scalar(sa.select(PersonMerge)).is_undone
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "person.merge_undone")) == 2
        db.session.remove()
    # An undone merge cannot be undone twice.
    again = client.post(f"/staff/duplicates/merges/{merge_id}/undo", data={"csrf_token": csrf_from(html)},
                        follow_redirects=True).get_data(as_text=True)
    assert "この名寄せはすでに取り消されています" in again


def test_agents_cannot_merge(client, two_records, login_as):
    login_as("agent")
    assert client.get("/staff/duplicates").status_code == 403


def _snapshot():
    return (db.session.scalar(sa.select(sa.func.count()).select_from(PersonMerge)),
            sorted(db.session.execute(sa.select(Item.id, Item.person_id)).all()))


def test_api_merges_and_refuses_what_must_not_be_merged(app, api, make_token, two_records):
    token = make_token("inventory:write")
    with app.app_context():
        before = _snapshot()
        db.session.remove()
    for body, key, status in [({"into": "W-9001"}, "W-9001", 409),          # into itself
                              ({"into": "NOPE"}, "W-9001", 422),            # unknown survivor
                              ({"into": "C-000123"}, "NOPE", 404)]:         # unknown record
        response = api.post(f"/persons/{key}/merge", json=body, token=token)
        assert response.status_code == status, response.get_json()
    with app.app_context():
        assert _snapshot() == before
        db.session.remove()

    response = api.post("/persons/W-9001/merge", json={"into": "C-000123", "evidence": ["same phone"]}, token=token)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["survivor_key"] == "C-000123" and body["moved"]["item.person_id"] == 1

    # W-9001 is now an alias of C-000123: a merge that names it reaches the survivor, and the
    # survivor cannot be merged into its own alias.
    refused = api.post("/persons/C-000123/merge", json={"into": "W-9001"}, token=token)
    assert refused.status_code == 409
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PersonMerge)) == 1
        db.session.remove()


def test_both_sides_with_open_requests_are_not_merged(app, api, make_token, two_records):
    from portal.audit.services import Actor
    from portal.dsr.services import create_request

    with app.app_context():
        for key in ("C-000123", "W-9001"):
            person = _person(key)
            create_request(type="disclosure", person_id=person.id, requester_email=person.email, channel="web",
                           language="ja", residence="jp", verified=True, actor=Actor("test"))
        db.session.commit()
        references = sorted(db.session.scalars(sa.select(DataRequest.reference)))
        before = _snapshot()
        db.session.remove()
    response = api.post("/persons/W-9001/merge", json={"into": "C-000123"}, token=make_token("inventory:write"))
    assert response.status_code == 409
    assert all(reference in response.get_json()["detail"] for reference in references)
    with app.app_context():
        assert _snapshot() == before
        db.session.remove()


def test_the_merge_operation_is_in_the_openapi_document(client):
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/persons/{key}/merge"]["post"]
    assert "inventory:write" in str(operation)


def test_find_duplicates_cli_writes_the_candidates_as_csv(app, runner, two_records):
    result = runner.invoke(args=["find-duplicates"])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["first_key", "second_key", "evidence"]
    assert rows[1] == ["C-000123", "W-9001", "same_phone;same_name_and_birthdate"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "person.duplicates_exported")) == 1
        db.session.remove()


def test_a_full_erasure_of_the_survivor_erases_the_merged_record_too(app, api, make_token, two_records):
    from portal.audit.services import Actor
    from portal.inventory.erasure import tombstone_person

    assert api.post("/persons/W-9001/merge", json={"into": "C-000123"},
                    token=make_token("inventory:write")).status_code == 200
    with app.app_context():
        tombstone_person(_person("C-000123").id, actor=Actor("test"), reference="MG-2026-000042")
        db.session.commit()
        alias = _person("W-9001")
        assert alias.erased_at is not None and alias.erasure_reference == "MG-2026-000042"
        assert (alias.email, alias.name, alias.phone, alias.birthdate) == (None, None, None, None)
        # The old address finds nobody any more.
        assert db.session.scalar(sa.select(Person.id).where(Person.with_email("hanako.online@example.jp"))) is None
        merge = db.session.scalar(sa.select(PersonMerge))
        db.session.remove()
    from portal.merging.services import MergeRefused, undo_merge

    with app.app_context():
        with pytest.raises(MergeRefused):
            undo_merge(db.session.get(PersonMerge, merge.id), actor=Actor("test"))
        db.session.rollback()
        db.session.remove()


def test_a_tombstone_is_never_merged_into_or_away(app, api, make_token, two_records):
    from portal.audit.services import Actor
    from portal.inventory.erasure import tombstone_person

    with app.app_context():
        tombstone_person(_person("C-000999").id, actor=Actor("test"), reference="MG-2026-000077")
        db.session.commit()
        before = _snapshot()
        db.session.remove()
    token = make_token("inventory:write")
    for merged, into in (("W-9001", "C-000999"), ("C-000999", "C-000123")):
        response = api.post(f"/persons/{merged}/merge", json={"into": into}, token=token)
        assert response.status_code == 409 and "erased" in response.get_json()["detail"]
    with app.app_context():
        assert _snapshot() == before
        db.session.remove()
