"""A CRM export loaded again after a person's erasure must not bring the erased data back."""
from __future__ import annotations

import sqlalchemy as sa

from portal.audit.services import Actor
from portal.extensions import db
from portal.inventory.erasure import erase_items
from portal.inventory.models import Category, Item, Person
from tests.inventory.records import ITEM, PERSON, PURCHASE, PURPOSE, SOURCE

LATER_PURCHASE = {**PURCHASE, "value": {"sku": "B-2", "name": "ほうじ茶", "price": 180},
                  "collected_at": "2030-01-01T12:00:00+09:00"}
FILE = (SOURCE, PURPOSE, PERSON, ITEM, PURCHASE)


def hanako() -> int:
    return db.session.scalar(sa.select(Person.id).where(Person.with_email("hanako@example.jp")))


def items() -> list[tuple]:
    return sorted((i.category.value, i.field, i.key) for i in db.session.scalars(sa.select(Item)))


def erase(categories=None) -> None:
    erase_items(hanako(), actor=Actor("staff", 1), categories=categories)
    db.session.commit()


def test_an_erased_item_with_a_key_is_not_restored_by_the_next_import(app_ctx, import_lines):
    import_lines(*FILE)
    erase(categories=[Category.CONTACT])
    result = import_lines(*FILE)
    assert ("contact", "address", ITEM["key"]) not in items()
    assert "1 erased item lines not restored" in result.change_summary()


def test_erased_purchase_lines_stay_erased_but_later_purchases_load(app_ctx, import_lines):
    import_lines(*FILE)
    erase(categories=[Category.PURCHASE])
    result = import_lines(*FILE, LATER_PURCHASE)
    purchases = [i.value for i in db.session.scalars(sa.select(Item).where(Item.category == Category.PURCHASE))]
    assert purchases == [LATER_PURCHASE["value"]]  # the erased line stays gone, the new one arrives
    assert result.changes.not_restored == 1
    assert ("contact", "address", ITEM["key"]) in items()  # what was not erased is untouched


def test_an_erased_key_stays_erased_even_with_a_new_value_from_the_crm(app_ctx, import_lines):
    import_lines(*FILE)
    erase(categories=[Category.CONTACT])
    result = import_lines(*FILE[:3], {**ITEM, "value": "東京都港区サンプル2-2"})
    assert ("contact", "address", ITEM["key"]) not in items()
    assert result.changes.not_restored == 1
