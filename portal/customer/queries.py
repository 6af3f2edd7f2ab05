"""Read-only queries behind "my data", every one scoped by the session's person id.

A person may hold thousands of purchase and point lines, so nothing here loads all of a
person's items: counts and dates are aggregated in SQL, only small categories are loaded
whole, and relationships are loaded explicitly (they are `raise_on_sql` on purpose).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from portal.extensions import db
from portal.inventory.models import (
    Category,
    ConsentEvent,
    Item,
    Person,
    Provision,
    Purpose,
    Source,
    item_purpose,
)

# Keys of a structured value that hold its amount, by category; the first present one counts.
AMOUNT_KEYS = {
    Category.PURCHASE: ("amount", "total"),
    Category.POINTS: ("points", "amount"),
}
# A purchase line without an amount is priced as price × quantity.
PRICE_KEYS, QUANTITY_KEYS = ("price", "unit_price"), ("quantity", "qty")


@dataclass(frozen=True)
class CategoryStats:
    category: Category
    count: int
    first_at: datetime | None
    last_at: datetime | None
    retain_from: date | None
    retain_to: date | None


def person(person_id: int) -> Person | None:
    return db.session.get(Person, person_id)


def category_stats(person_id: int) -> dict[Category, CategoryStats]:
    """Count, first and last collection time and retention range, per category, in one query."""
    stmt = (
        sa.select(
            Item.category,
            sa.func.count(),
            sa.func.min(Item.collected_at),
            sa.func.max(Item.collected_at),
            sa.func.min(Item.retain_until),
            sa.func.max(Item.retain_until),
        )
        .where(Item.person_id == person_id)
        .group_by(Item.category)
    )
    return {row[0]: CategoryStats(*row) for row in db.session.execute(stmt)}


def _json_number(key: str):
    """The value's `key` when it is a JSON number, else NULL (text like "1,200" never breaks a sum)."""
    if db.session.get_bind().dialect.name == "postgresql":
        element = Item.value.op("->")(key)
        return sa.case(
            (sa.func.json_typeof(element) == "number", sa.cast(Item.value.op("->>")(key), sa.Numeric)),
        )
    path = f"$.{key}"
    return sa.case(
        (sa.func.json_type(Item.value, path).in_(("integer", "real")), sa.func.json_extract(Item.value, path)),
    )


def _amount(category: Category):
    keys = AMOUNT_KEYS[category]
    terms = [_json_number(key) for key in keys]
    if category is Category.PURCHASE:
        quantity = sa.func.coalesce(*[_json_number(key) for key in QUANTITY_KEYS], 1)
        terms.append(sa.func.coalesce(*[_json_number(key) for key in PRICE_KEYS]) * quantity)
    return sa.func.coalesce(*terms)


def amount_total(person_id: int, category: Category) -> Decimal | int | float | None:
    """The sum of the lines' amounts, or None when no line carries one."""
    if category not in AMOUNT_KEYS:
        return None
    stmt = sa.select(sa.func.sum(_amount(category))).where(
        Item.person_id == person_id, Item.category == category
    )
    return db.session.scalar(stmt)


def newest_item_ids(person_id: int, category: Category, limit: int, offset: int = 0) -> list[int]:
    """Ids of a category's newest lines; walks the (person, category, collected_at) index."""
    stmt = (
        sa.select(Item.id)
        .where(Item.person_id == person_id, Item.category == category)
        .order_by(Item.collected_at.desc(), Item.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(db.session.scalars(stmt))


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


def sources_and_purposes_of(person_id: int, categories: list[Category]) -> dict[Category, tuple[list[Source], list[Purpose]]]:
    """Which sources and purposes the lines of large categories have, without loading the lines."""
    if not categories:
        return {}
    scope = (Item.person_id == person_id, Item.category.in_(categories))
    source_rows = db.session.execute(
        sa.select(Item.category, Source).join(Source, Item.source_id == Source.id).where(*scope).distinct()
    ).all()
    purpose_rows = db.session.execute(
        sa.select(Item.category, Purpose)
        .join(item_purpose, item_purpose.c.item_id == Item.id)
        .join(Purpose, Purpose.id == item_purpose.c.purpose_id)
        .where(*scope)
        .distinct()
    ).all()
    result: dict[Category, tuple[list[Source], list[Purpose]]] = {c: ([], []) for c in categories}
    for category, source in source_rows:
        result[category][0].append(source)
    for category, purpose in purpose_rows:
        result[category][1].append(purpose)
    for sources, purposes in result.values():
        sources.sort(key=lambda s: s.id)
        purposes.sort(key=lambda p: p.id)
    return result


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
