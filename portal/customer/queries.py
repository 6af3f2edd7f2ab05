"""Read-only queries behind "my data", every one scoped by the session's person id.

A person may hold thousands of purchase and point lines, so nothing here loads all of a
person's items: counts and dates are aggregated in SQL, only small categories are loaded
whole, and relationships are loaded explicitly (they are `raise_on_sql` on purpose).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from portal.extensions import db
from portal.inventory.amounts import AMOUNT_KEYS
from portal.inventory.models import (
    Category,
    ConsentEvent,
    Item,
    Person,
    Provision,
    item_purpose,
)

AMOUNT_CATEGORIES = {Category(name) for name in AMOUNT_KEYS}


@dataclass
class CategoryStats:
    category: Category
    count: int = 0
    first_at: datetime | None = None
    last_at: datetime | None = None
    retain_from: date | None = None
    retain_to: date | None = None
    source_ids: set[int] = field(default_factory=set)
    amount_total: int | float | None = None  # the lines' amounts summed; None when no line has one

    def add(self, source_id, count, first_at, last_at, retain_from, retain_to, amount_total) -> None:
        self.count += count
        if amount_total is not None:
            self.amount_total = (self.amount_total or 0) + amount_total
        self.first_at = _earliest(self.first_at, first_at)
        self.last_at = _latest(self.last_at, last_at)
        self.retain_from = _earliest(self.retain_from, retain_from)
        self.retain_to = _latest(self.retain_to, retain_to)
        if source_id is not None:
            self.source_ids.add(source_id)


def _earliest(a, b):
    return b if a is None else a if b is None else min(a, b)


def _latest(a, b):
    return b if a is None else a if b is None else max(a, b)


def person(person_id: int) -> Person | None:
    return db.session.get(Person, person_id)


def category_stats(person_id: int, *, only: Category | None = None) -> dict[Category, CategoryStats]:
    """Count, first and last collection, retention range, sources and amount total per
    category, in one pass over the index (no row is read).

    Grouping by source as well costs nothing extra (the entries are read anyway) and saves a
    second pass over thousands of lines to learn where a large category came from.
    """
    stmt = (
        sa.select(
            Item.category,
            Item.source_id,
            sa.func.count(),
            sa.func.min(Item.collected_at),
            sa.func.max(Item.collected_at),
            sa.func.min(Item.retain_until),
            sa.func.max(Item.retain_until),
            sa.func.sum(Item.amount),
        )
        .where(Item.person_id == person_id, *([Item.category == only] if only else []))
        .group_by(Item.category, Item.source_id)
    )
    stats: dict[Category, CategoryStats] = {}
    for category, *row in db.session.execute(stmt):
        stats.setdefault(category, CategoryStats(category)).add(*row)
    return stats


def _collected_between(since: datetime | None, before: datetime | None) -> list:
    return [*([Item.collected_at >= since] if since else []), *([Item.collected_at < before] if before else [])]


def newest_item_ids(person_id: int, category: Category, limit: int, offset: int = 0, *,
                    since: datetime | None = None, before: datetime | None = None) -> list[int]:
    """Ids of a category's newest lines (collected in [since, before) when given); walks the
    (person, category, collected_at) index."""
    stmt = (
        sa.select(Item.id)
        .where(Item.person_id == person_id, Item.category == category, *_collected_between(since, before))
        .order_by(Item.collected_at.desc(), Item.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(db.session.scalars(stmt))


def count_lines(person_id: int, category: Category, *, since: datetime | None, before: datetime | None) -> int:
    """How many of a category's lines were collected in [since, before)."""
    stmt = sa.select(sa.func.count()).select_from(Item).where(
        Item.person_id == person_id, Item.category == category, *_collected_between(since, before))
    return db.session.scalar(stmt) or 0


def items(person_id: int, *, categories: list[Category], extra_ids: list[int] = ()) -> list[Item]:
    """Whole categories plus chosen lines, with sources and purposes loaded in one extra query."""
    conditions = []
    if categories:
        conditions.append(Item.category.in_(categories))
    if extra_ids:
        conditions.append(Item.id.in_(list(extra_ids)))
    if not conditions:
        return []
    stmt = (
        sa.select(Item)
        .where(Item.person_id == person_id, sa.or_(*conditions))
        .options(joinedload(Item.source), selectinload(Item.purposes))
        .order_by(Item.collected_at.desc(), Item.id.desc())
    )
    return list(db.session.scalars(stmt).unique())


def line_values(person_id: int, category: Category) -> list[tuple[datetime | None, Any]]:
    """(collected at, value) of every line of a category, oldest first: plain rows, no objects."""
    stmt = (
        sa.select(Item.collected_at, Item.value)
        .where(Item.person_id == person_id, Item.category == category)
        .order_by(Item.collected_at, Item.id)
        .execution_options(yield_per=1000)
    )
    return [tuple(row) for row in db.session.execute(stmt)]


def purpose_ids_by_category(person_id: int, categories: list[Category]) -> dict[Category, set[int]]:
    """Which purposes the lines of large categories serve, without loading the lines."""
    result: dict[Category, set[int]] = {category: set() for category in categories}
    if not categories:
        return result
    stmt = (
        sa.select(Item.category, item_purpose.c.purpose_id)
        .join(item_purpose, item_purpose.c.item_id == Item.id)
        .where(Item.person_id == person_id, Item.category.in_(categories))
        .distinct()
    )
    for category, purpose_id in db.session.execute(stmt):
        result[category].add(purpose_id)
    return result


def by_id(model, ids: set[int]) -> dict[int, Any]:
    """Sources or purposes (small tables) by id, in one query."""
    if not ids:
        return {}
    return {row.id: row for row in db.session.scalars(sa.select(model).where(model.id.in_(sorted(ids))))}


def consent_events(person_id: int) -> list[ConsentEvent]:
    """The whole consent history, oldest first (the latest per purpose is the current state)."""
    stmt = (
        sa.select(ConsentEvent)
        .where(ConsentEvent.person_id == person_id)
        .options(joinedload(ConsentEvent.purpose), joinedload(ConsentEvent.source))
        .order_by(ConsentEvent.purpose_id, ConsentEvent.at, ConsentEvent.id)
    )
    return list(db.session.scalars(stmt))


def provisions(person_id: int) -> list[Provision]:
    stmt = (
        sa.select(Provision)
        .where(Provision.person_id == person_id)
        .order_by(Provision.provided_at.desc(), Provision.id.desc())
    )
    return list(db.session.scalars(stmt))
