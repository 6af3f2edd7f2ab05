"""Counting items per (category, field): what erasure and suspension report, without values."""
from __future__ import annotations

from collections import Counter

import sqlalchemy as sa

from portal.extensions import db
from portal.inventory.models import Item


def count_by_field(condition) -> Counter:
    """(category, field) → how many items match `condition`, counted in SQL."""
    rows = db.session.execute(
        sa.select(Item.category, Item.field, sa.func.count().label("count"))
        .where(condition).group_by(Item.category, Item.field)
    )
    return Counter({(row.category, row.field): row.count for row in rows})


def by_field_name(counts: Counter) -> dict[str, int]:
    """`{"purchase.line": 5000}`: the counts keyed as the import format names fields."""
    return {f"{category.value}.{name}": count for (category, name), count in sorted(counts.items())}
