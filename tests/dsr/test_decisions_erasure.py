"""Erasure decisions: values go, tombstones stay, legal holds are kept and named, erasing
everything ends every use and leaves only what is needed to honour it."""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from portal.audit.services import Actor
from portal.dsr.decisions import Decision
from portal.extensions import db
from portal.inventory.consents import current_states
from portal.inventory.erasure import ItemTombstone, japan_today, set_legal_hold
from portal.inventory.models import ConsentState, Item, Person, Purpose
from portal.inventory.restrictions import RestrictionKind, active_restrictions
from portal.inventory.suppression import suppressed_for_purpose
from portal.inventory.suspension import usable_items
from tests.customer.records import HANAKO, HANAKO_VALUES, JIRO_VALUES
from tests.fixtures.decisions import item_of, items_of, applied_event

TERMS_REASON = "会員規約への同意の記録を契約終了後も保存する義務があるため"


def _tombstones(person_id: int) -> list[ItemTombstone]:
    return list(db.session.scalars(sa.select(ItemTombstone).where(ItemTombstone.person_id == person_id)))


def test_erasure_of_a_category_removes_its_items_and_keeps_tombstones_without_values(people, file_about, decide):
    hanako = people["hanako"]
    purchase_ids = [item.id for item in items_of(hanako, "purchase")]
    request = file_about(hanako, "erasure", {"scope": "chosen", "categories": ["purchase"], "ground": "no_longer_needed"})

    decide(request, Decision())

    assert items_of(hanako, "purchase") == []
    assert len(items_of(hanako, "contact")) == 3  # the rest stays
    tombstones = _tombstones(hanako)
    assert sorted(t.item_id for t in tombstones) == purchase_ids
    assert {(t.category.value, t.field, t.request_id) for t in tombstones} == {("purchase", "line", request.id)}
    assert HANAKO_VALUES["product"] not in str([[getattr(t, c.name) for c in ItemTombstone.__table__.c] for t in tombstones])
    event = applied_event(request)
    assert event.body == "購入履歴 8件を消去しました。"
    assert event.data["erased"] == {"purchase.line": 8} and event.data["erased_count"] == 8
    assert [(r.kind, r.category.value) for r in active_restrictions(hanako)] == [(RestrictionKind.ERASURE, "purchase")]
    assert len(items_of(people["jiro"], "purchase")) == 8  # someone else's data is untouched


def test_staff_may_narrow_an_erasure_to_single_items(people, file_about, decide):
    hanako = people["hanako"]
    first, second, *others = [item.id for item in items_of(hanako, "purchase")]
    request = file_about(hanako, "erasure", {"scope": "all", "ground": "no_longer_needed"})

    decide(request, Decision(everything=False, categories=(), item_ids=(first, second)))

    assert [i.id for i in items_of(hanako, "purchase")] == others
    assert applied_event(request).body == "購入履歴 2件を消去しました。"


def test_erasure_of_everything_keeps_items_under_legal_hold_and_names_them(people, file_about, decide):
    hanako = people["hanako"]
    terms = Item(person_id=hanako, category="membership", field="terms_agreement", value="2024年版 会員規約に同意")
    db.session.add(terms)
    db.session.flush()
    set_legal_hold([terms.id], until=date(2031, 3, 31), reason=TERMS_REASON, actor=Actor("staff", 7))
    db.session.commit()
    request = file_about(hanako, "erasure", {"scope": "all", "ground": "no_longer_needed"})

    decide(request, Decision())

    assert [(i.id, i.value) for i in items_of(hanako)] == [(terms.id, "2024年版 会員規約に同意")]
    person = db.session.get(Person, hanako)
    # The held terms name no register field: the register entry goes all the same.
    assert (person.key, person.name, person.email, person.erasure_reference) == (HANAKO, None, None, request.reference)
    body = applied_event(request).body
    assert "購入履歴 8件を消去しました。" in body
    assert "お客様の基本情報の氏名、氏名（フリガナ）を消去しました。" in body
    assert ("法令上の保存義務があるため、次の項目は消去せずに保存しています: その他の項目（Terms agreement）（"
            + TERMS_REASON + "、2031年3月31日まで）") in body
    assert applied_event(request).data["kept_item_ids"] == [terms.id]


def test_erasure_of_everything_withdraws_consents_and_puts_the_person_on_every_suppression_list(
        people, file_about, decide):
    hanako = people["hanako"]
    dm_post = db.session.scalar(sa.select(Purpose).where(Purpose.key == "dm-post"))
    assert current_states(hanako)[dm_post.id] is ConsentState.GRANTED
    request = file_about(hanako, "erasure", {"scope": "all", "ground": "no_longer_needed"})

    decide(request, Decision())

    assert set(current_states(hanako).values()) == {ConsentState.WITHDRAWN}
    for purpose_key in ("orders", "newsletter-email", "dm-post", "points"):
        reasons = {row.reason.value for row in suppressed_for_purpose(purpose_key) if row.person_key == HANAKO}
        assert "erasure" in reasons, purpose_key
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Item).where(usable_items(hanako))) == 0
    assert "同意" in applied_event(request).body


def test_erasure_of_everything_leaves_a_tombstone_with_key_erasure_date_and_request_only(people, file_about, decide):
    hanako = people["hanako"]
    request = file_about(hanako, "erasure", {"scope": "all", "ground": "no_longer_needed"})

    decide(request, Decision())

    assert items_of(hanako) == []
    person = db.session.get(Person, hanako)
    assert (person.key, person.erasure_reference) == (HANAKO, request.reference) and person.erased_at is not None
    assert (person.email, person.name, person.name_kana, person.phone, person.birthdate,
            person.customer_number) == (None,) * 6
    assert (person.email_index, person.phone_index, person.name_index) == (None,) * 3
    assert len(_tombstones(hanako)) == 16
    assert db.session.get(Person, people["jiro"]).name == JIRO_VALUES["name"]
    assert applied_event(request).data["register_cleared"] is True


def test_a_hold_that_ended_no_longer_keeps_the_item(people, file_about, decide):
    hanako = people["hanako"]
    member_number = item_of(hanako, "membership", "member_number")
    set_legal_hold([member_number.id], until=japan_today() - timedelta(days=1), reason=TERMS_REASON,
                   actor=Actor("staff", 7))
    db.session.commit()
    request = file_about(hanako, "erasure", {"scope": "chosen", "categories": ["membership"], "ground": "leak"})

    decide(request, Decision())

    assert item_of(hanako, "membership", "member_number") is None
    assert "保存" not in applied_event(request).body


def test_a_register_value_a_legal_hold_keeps_stays_on_the_tombstone(people, file_about, decide):
    hanako = people["hanako"]
    name = item_of(hanako, "identity", "name")
    set_legal_hold([name.id], until=date(2031, 3, 31), reason=TERMS_REASON, actor=Actor("staff", 7))
    db.session.commit()
    request = file_about(hanako, "erasure", {"scope": "all", "ground": "no_longer_needed"})

    decide(request, Decision())

    person = db.session.get(Person, hanako)
    assert (person.name, person.email, person.phone) == (HANAKO_VALUES["name"], None, None)
    assert "法令上保存が必要なもの（上記）を除いて消去しました" in applied_event(request).body
