"""Read-only queries behind "my data", every one scoped by the session's person id.

A person may hold 100,000 purchase and point lines, so nothing here reads all of a person's
items: counts, dates, sources, amounts and purposes come from the person's item summary, only
small categories are loaded whole, and relationships are loaded explicitly (they are
`raise_on_sql` on purpose).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from portal.extensions import db
from portal.inventory import summary
from portal.inventory.amounts import AMOUNT_KEYS
from portal.inventory.models import (
    Category,
    ConsentEvent,
    Item,
    Person,
    Provision,
)
from portal.inventory.summary import CategoryStats

AMOUNT_CATEGORIES = {Category(name) for name in AMOUNT_KEYS}


def person(person_id: int) -> Person | None:
    return db.session.get(Person, person_id)


def category_stats(person_id: int, *, only: Category | None = None) -> dict[Category, CategoryStats]:
    """Count, first and last collection, retention range, sources and amount total per
    category: from the person's item summary (a few rows, however many lines), which every
    write keeps up to date (`portal.inventory.summary`)."""
    return summary.category_stats(person_id, only=only)


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
    """Whole categories plus chosen lines, with sources and purposes loaded in one extra query.

    The categories' ids are looked up first through the (person, category) index, then the rows
    by id; only the person's own are kept. (Asked with the person's id in the same WHERE, SQLite
    walked all of a person's 100,000 index entries instead of fetching the few rows by id.)"""
    ids = set(extra_ids)
    if categories:
        ids.update(db.session.scalars(
            sa.select(Item.id).where(Item.person_id == person_id, Item.category.in_(categories))))
    if not ids:
        return []
    stmt = (
        sa.select(Item)
        .where(Item.id.in_(sorted(ids)))
        .options(joinedload(Item.source), selectinload(Item.purposes))
        .order_by(Item.collected_at.desc(), Item.id.desc())
    )
    return [item for item in db.session.scalars(stmt).unique() if item.person_id == person_id]


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
    """Which purposes the lines of large categories serve, from the person's item summary."""
    return summary.purpose_ids_by_category(person_id, categories)


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
