"""Migration 0045 fills the item summaries from the items already held, so "my data" shows the
same figures right after the upgrade as a fresh count of the items."""
from __future__ import annotations

from datetime import date, datetime, timezone

import sqlalchemy as sa
from flask_migrate import upgrade

from portal.extensions import db
from portal.inventory import summary
from portal.inventory.models import Category, Item, Person, Purpose, Source, item_purpose
from portal.startup import MIGRATIONS_DIR
from tests.fixtures.migrations import app_at_revision


def test_the_upgrade_sums_up_the_items_held_before_it(empty_database):
    with app_at_revision(empty_database, "0044_lead") as old_app, old_app.app_context():
        person = Person(key="C-1", email="old@example.jp")
        source = Source(key="store", kind="purchase", name_ja="店舗", name_en="Store")
        purposes = [Purpose(key="orders", title_ja="注文", title_en="Orders"),
                    Purpose(key="points", title_ja="ポイント", title_en="Points")]
        db.session.add_all([person, source, *purposes])
        db.session.commit()
        rows = [{"person_id": person.id, "category": "purchase", "field": "line",
                 "value": {"product": "茶", "quantity": 1, "total": 100 * n}, "amount": 100 * n,
                 "source_id": source.id if n % 2 else None,
                 "collected_at": datetime(2025, 1, n, tzinfo=timezone.utc), "retain_until": date(2030 + n, 1, 1)}
                for n in range(1, 6)]
        rows.append({"person_id": person.id, "category": "contact", "field": "email", "value": "old@example.jp",
                     "amount": None, "source_id": None, "collected_at": None, "retain_until": None})
        db.session.execute(sa.insert(Item.__table__), rows)  # as the importer writes: no ORM objects
        ids = db.session.scalars(sa.select(Item.id).order_by(Item.id)).all()
        db.session.execute(sa.insert(item_purpose), [{"item_id": i, "purpose_id": purposes[0].id} for i in ids]
                           + [{"item_id": ids[0], "purpose_id": purposes[1].id}])
        db.session.commit()

        upgrade(directory=MIGRATIONS_DIR, revision="heads")

        person_id = person.id
        stats = summary.category_stats(person_id)
        assert summary.drift() == set()
        assert (stats, summary.purpose_ids_by_category(person_id, [Category.PURCHASE, Category.CONTACT])) == (
            summary.recompute(person_id)[0],
            {Category.PURCHASE: {purposes[0].id, purposes[1].id}, Category.CONTACT: {purposes[0].id}})
        purchase = stats[Category.PURCHASE]
        assert (purchase.count, purchase.amount_total, purchase.source_ids) == (5, 1500, {source.id})
        assert (purchase.first_at, purchase.last_at) == (datetime(2025, 1, 1, tzinfo=timezone.utc),
                                                          datetime(2025, 1, 5, tzinfo=timezone.utc))
        assert (purchase.retain_from, purchase.retain_to) == (date(2031, 1, 1), date(2035, 1, 1))
        assert stats[Category.CONTACT].count == 1 and stats[Category.CONTACT].amount_total is None
