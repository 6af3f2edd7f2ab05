"""Legal holds from /staff/retention: the `legal-hold` command's rules, in a manager's form."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.inventory.erasure import japan_today
from portal.inventory.models import Item, Person
from tests.fixtures.pages import csrf_from, in_english, text_of


def _holds(app, person_id):
    with app.app_context():
        rows = db.session.execute(sa.select(Item.field, Item.legal_hold_until, Item.legal_hold_reason)
                                  .where(Item.person_id == person_id).order_by(Item.field)).all()
        db.session.remove()
    return [tuple(row) for row in rows]


def _post(client, **fields):
    html = client.get("/staff/retention").get_data(as_text=True)
    return client.post("/staff/retention/holds", data={"csrf_token": csrf_from(html), **fields})


def test_a_manager_places_extends_and_lifts_a_hold_with_the_commands_rules(app, client, login_as, make_person):
    in_english(client)
    login_as("manager")
    person_id = make_person(items={("purchase", "line"): "お茶", ("contact", "address"): "東京都"})
    with app.app_context():
        key = db.session.get(Person, person_id).key
        db.session.remove()
    until = japan_today() + timedelta(days=365)

    past = _post(client, action="place", category="purchase", person_key=key,
                 until=(japan_today() - timedelta(days=1)).isoformat(), reason="法人税法")
    assert past.status_code == 422 and "That day has passed" in text_of(past)
    no_reason = _post(client, action="place", category="purchase", person_key=key, until=until.isoformat())
    assert no_reason.status_code == 422 and "Give the reason" in text_of(no_reason)
    unknown = _post(client, action="place", category="purchase", person_key="NOBODY", until=until.isoformat(),
                    reason="法人税法")
    assert unknown.status_code == 422 and "No person has this key" in text_of(unknown)
    assert _holds(app, person_id) == [("address", None, None), ("line", None, None)]

    placed = _post(client, action="place", category="purchase", person_key=key, until=until.isoformat(),
                   reason="法人税法により7年間保存")
    assert placed.status_code == 302
    assert _holds(app, person_id) == [("address", None, None), ("line", until, "法人税法により7年間保存")]
    assert "A legal hold until" in text_of(client.get("/staff/retention"))

    longer = until + timedelta(days=30)
    assert _post(client, action="place", category="purchase", person_key=key, until=longer.isoformat(),
                 reason="延長").status_code == 302
    assert _holds(app, person_id)[1][1] == longer

    assert _post(client, action="lift", category="purchase", person_key=key).status_code == 302
    assert _holds(app, person_id) == [("address", None, None), ("line", None, None)]
    with app.app_context():
        actions = list(db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.person_id == person_id)
                                          .where(AuditEntry.action.like("inventory.legal_hold%"))
                                          .order_by(AuditEntry.id)))
        db.session.remove()
    assert actions == ["inventory.legal_hold_set", "inventory.legal_hold_set", "inventory.legal_hold_lifted"]


def test_agents_see_the_holds_but_no_form(client, login_as):
    in_english(client)
    login_as("agent")
    assert "Place, extend or lift a legal hold" not in text_of(client.get("/staff/retention"))
