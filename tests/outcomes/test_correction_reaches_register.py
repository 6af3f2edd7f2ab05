"""An accepted correction of a register field changes the register entry and its blind
indexes in the decision's transaction: staff find the person by the new value only."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from portal.encryption.blind import email_index, name_index, number_index, phone_index
from portal.dsr.models import DataRequest
from portal.extensions import db
from portal.inventory.models import Item, Person
from portal.mail.services import deliver_due
from tests.fixtures.pages import text_of

OLD = {"name": "山口 麻衣", "name_kana": "ヤマグチ マイ", "email": "mai@example.jp", "phone": "090-1111-2222",
       "birthdate": "1990-01-02", "member_number": "M-1000"}
NEW = {"name": "山口 舞", "name_kana": "ヤマグチ マイ（舞）", "email": "mai.yamaguchi@example.jp",
       "phone": "080-3333-4444", "birthdate": "1991-02-03", "member_number": "M-2000"}
FIELDS = {"name": "identity", "name_kana": "identity", "email": "contact", "phone": "contact",
          "birthdate": "identity", "member_number": "membership"}


def _register(app, person_id):
    with app.app_context():
        person = db.session.get(Person, person_id)
        values = {column: getattr(person, column) for column in
                  ("name", "name_index", "name_kana", "name_kana_index", "email", "email_index", "phone",
                   "phone_index", "birthdate", "customer_number", "customer_number_index")}
        db.session.remove()
    return values


def test_accepted_corrections_update_the_register_and_staff_find_the_new_name_only(
        app, client, login_as, make_person, file_case, act, smtp_server):
    person_id = make_person(name=OLD["name"], email=OLD["email"],
                            items={(FIELDS[f], f): OLD[f] for f in FIELDS})
    with app.app_context():
        person = db.session.get(Person, person_id)
        person.name_kana, person.phone = OLD["name_kana"], OLD["phone"]
        person.birthdate, person.customer_number = date(1990, 1, 2), OLD["member_number"]
        items = {i.field: i.id for i in db.session.scalars(sa.select(Item).where(Item.person_id == person_id))}
        db.session.commit()
        db.session.remove()
    changes = [{"item_id": items[f], "category": FIELDS[f], "field": f, "action": "change", "current": OLD[f],
                "proposed": NEW[f], "reason": "誤り"} for f in FIELDS]
    case = file_case(type="correction", person_id=person_id, status="in_progress", email=OLD["email"],
                     requester_name=OLD["name"], details={"changes": changes})
    other = file_case(type="disclosure", person_id=person_id, email=OLD["email"], requester_name=OLD["name"])
    login_as("agent")

    response = act(case, "complete", **{f"proposal-{i}": "accept" for i in range(len(changes))})
    assert response.status_code == 302

    register = _register(app, person_id)
    with app.app_context():
        assert register["name"] == NEW["name"] and register["name_index"] == name_index(NEW["name"])
        assert register["name_kana"] == NEW["name_kana"]
        assert register["name_kana_index"] == name_index(NEW["name_kana"])
        assert register["email"] == NEW["email"] and register["email_index"] == email_index(NEW["email"])
        assert register["phone"] == NEW["phone"] and register["phone_index"] == phone_index(NEW["phone"])
        assert register["birthdate"] == date(1991, 2, 3)
        assert register["customer_number"] == "M-2000"
        assert register["customer_number_index"] == number_index("M-2000")
        # Her other open request is answered at the new address; this one answers where it was asked from.
        assert db.session.get(DataRequest, other.id).requester_email == NEW["email"]
        assert db.session.get(DataRequest, case.id).requester_email == OLD["email"]

    # Staff search by the whole name: the new one finds the request, the old one no longer does.
    found = text_of(client.get("/staff/?status=any&q=" + NEW["name"]))
    assert case.reference in found
    assert case.reference not in text_of(client.get("/staff/?status=any&q=山口麻衣"))
    page = text_of(client.get(f"/staff/requests/{case.reference}"))
    assert NEW["name"] in page

    with app.app_context():
        deliver_due()
        db.session.remove()
    [mail] = smtp_server.to(OLD["email"])
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert "氏名を変更しました。" in text and NEW["name"] not in text  # the mail names fields, never values


def test_a_correction_to_an_unreadable_birth_date_is_refused_and_changes_nothing(
        app, client, login_as, make_person, file_case, act):
    person_id = make_person(name=OLD["name"], items={("identity", "birthdate"): OLD["birthdate"]})
    with app.app_context():
        db.session.get(Person, person_id).birthdate = date(1990, 1, 2)
        item_id = db.session.scalar(sa.select(Item.id).where(Item.person_id == person_id))
        db.session.commit()
        db.session.remove()
    case = file_case(type="correction", person_id=person_id, status="in_progress", details={"changes": [
        {"item_id": item_id, "category": "identity", "field": "birthdate", "action": "change",
         "current": OLD["birthdate"], "proposed": "平成三年", "reason": None}]})
    login_as("agent")

    response = act(case, "complete", **{"proposal-0": "accept"})

    assert response.status_code == 422
    assert _register(app, person_id)["birthdate"] == date(1990, 1, 2)
    with app.app_context():
        assert db.session.get(Item, item_id).value == OLD["birthdate"]
        db.session.remove()
