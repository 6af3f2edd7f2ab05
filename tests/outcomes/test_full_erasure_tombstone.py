"""A full erasure erases the person: the register entry becomes a tombstone (key, erasure date,
request) that no look-up finds, no feed shows a value of, and no later import refills."""
from __future__ import annotations

import json

import sqlalchemy as sa

from portal.extensions import db
from portal.inventory.models import Person
from portal.mail.services import deliver_due
from tests.customer.records import HANAKO, HANAKO_VALUES, JIRO_VALUES, two_customers

REGISTER = ("email", "email_index", "name", "name_index", "name_kana", "name_kana_index", "phone", "phone_index",
            "birthdate", "customer_number", "customer_number_index")


def _values_in(text: str) -> list[str]:
    return [value for value in HANAKO_VALUES.values() if value in text]


def test_a_full_erasure_leaves_a_tombstone_that_no_lookup_feed_or_import_brings_back(
        app, client, hanako, read, file_case, login_as, act, api, make_token, import_lines, smtp_server):
    case = file_case(type="erasure", person_id=hanako, status="in_progress", email=HANAKO_VALUES["email"],
                     details={"scope": "all", "ground": "no_longer_needed"})
    login_as("agent")

    assert act(case, "complete", scope="all", confirmed="yes").status_code == 302

    person = read(lambda: {c: getattr(db.session.get(Person, hanako), c)
                           for c in (*REGISTER, "key", "erased_at", "erasure_reference")})
    assert person["key"] == HANAKO and person["erasure_reference"] == case.reference
    assert person["erased_at"] is not None
    assert {column: person[column] for column in REGISTER} == dict.fromkeys(REGISTER)
    # Nobody finds the person by what they were known by.
    for condition in (lambda: Person.with_email(HANAKO_VALUES["email"]), lambda: Person.with_phone(HANAKO_VALUES["phone"]),
                      lambda: Person.with_name(HANAKO_VALUES["name"]),
                      lambda: Person.with_customer_number(HANAKO_VALUES["number"])):
        assert read(lambda: db.session.scalar(sa.select(Person.id).where(condition()))) is None
    assert client.get(f"/staff/requests/{case.reference}").status_code == 200

    # The API's person read shows no erased value, and says when and by which request.
    token = make_token("requests:read,suppressions:read")
    body = api.get(f"/persons/{HANAKO}", token=token).get_json()
    person_record = next(r for r in body["records"] if r["type"] == "person")
    assert person_record["erasure_reference"] == case.reference
    assert _values_in(json.dumps(body, ensure_ascii=False)) == []

    # The suppression feed still names the key (every purpose), and no value.
    suppressions = api.get("/suppressions?purpose=newsletter-email", token=token).get_json()
    entries = [e for e in suppressions["items"] if e["person_key"] == HANAKO]
    assert "erasure" in {e["reason"] for e in entries} and {e["email"] for e in entries} == {None}
    csv_text = app.test_cli_runner().invoke(args=["export-suppressions", "--purpose", "dm-post"]).output
    assert f"{HANAKO},,erasure," in csv_text and _values_in(csv_text) == []

    # The answer arrives and says the registration is gone, naming no value.
    read(deliver_due)
    [mail] = smtp_server.to(HANAKO_VALUES["email"])
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert "お客様の登録情報を消去しました。" in text and "メールアドレスと当社の管理番号のみ" not in text
    assert _values_in(text.replace(HANAKO_VALUES["email"], "")) == []

    # Loading the old CRM export again does not refill the tombstone.
    result = import_lines(*two_customers())
    assert "1 erased persons not restored" in result.change_summary()
    assert read(lambda: db.session.get(Person, hanako).name) is None
    assert read(lambda: db.session.scalar(sa.select(Person.name).where(Person.key != HANAKO))) == JIRO_VALUES["name"]
