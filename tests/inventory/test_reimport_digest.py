"""Re-imports recognise unchanged lines by the digest the importer kept, without decrypting them —
and never let that shortcut hide a change: a line changed since by a correction, or stored before
digests existed, is compared in full, exactly as before."""
from __future__ import annotations

import sqlalchemy as sa

from portal.audit.services import Actor
from portal.extensions import db
from portal.inventory.changes import change_item_value
from portal.inventory.models import Item
from tests.inventory.records import ITEM, PURCHASE, VALID_FILE

SECOND_PURCHASE = {**PURCHASE, "value": {"sku": "B-2", "name": "煎茶", "price": 300},
                   "collected_at": "2024-07-01T12:00:00"}
FILE = [*VALID_FILE, SECOND_PURCHASE]


def _items() -> dict[str, tuple]:
    """Each item (keyed by key or SKU) → (value, whether it carries a digest), as stored now."""
    db.session.expire_all()  # the imports ran in sessions of their own
    rows = db.session.scalars(sa.select(Item).order_by(Item.id)).all()
    return {item.key or item.value["sku"]: (item.value, item.content_digest is not None) for item in rows}


def _updated_items(result) -> int:
    return result.changes.updated["item"] + result.changes.created["item"]


def test_a_reimport_of_an_unchanged_file_changes_nothing_and_every_line_keeps_its_digest(import_lines, app_ctx):
    import_lines(*FILE)
    before = _items()
    assert all(has_digest for _value, has_digest in before.values())
    raw = db.session.execute(sa.text("SELECT id, value, content_digest FROM item ORDER BY id")).all()
    result = import_lines(*FILE)
    assert _updated_items(result) == 0
    # Not rewritten: a rewrite would re-encrypt the value (a new nonce, other ciphertext).
    assert db.session.execute(sa.text("SELECT id, value, content_digest FROM item ORDER BY id")).all() == raw


def test_a_line_corrected_since_the_import_is_compared_in_full_and_the_file_wins_as_before(import_lines, app_ctx):
    import_lines(*FILE)
    address = db.session.scalar(sa.select(Item).where(Item.key == ITEM["key"]))
    line = db.session.scalar(sa.select(Item).where(Item.key.is_(None)).order_by(Item.id).limit(1))
    change_item_value(address, "東京都千代田区訂正1-1", actor=Actor("test"))
    change_item_value(line, {**line.value, "price": 999}, actor=Actor("test"))
    db.session.commit()
    assert not _items()[ITEM["key"]][1]  # the correction cleared its digest

    result = import_lines(*FILE)
    assert result.changes.updated["item"] == 1  # the keyed address goes back to the file's value
    items = _items()
    assert items[ITEM["key"]] == (ITEM["value"], True)
    # The corrected purchase line no longer matches the file's line, which is added again (as before).
    assert result.changes.created["item"] == 1
    prices = db.session.scalars(sa.select(Item.value).where(Item.key.is_(None))).all()
    assert sorted(value["price"] for value in prices) == [150, 300, 999]


def test_lines_stored_before_digests_are_compared_in_full_once_then_recognised(import_lines, app_ctx):
    import_lines(*FILE)
    db.session.execute(sa.update(Item).values(content_digest=None))  # as migration 0044 leaves them
    db.session.commit()
    result = import_lines(*FILE)
    assert _updated_items(result) == 0
    assert all(has_digest for _value, has_digest in _items().values())  # given the file's digest
    assert _updated_items(import_lines(*FILE)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Item)) == 3
