"""Each person's items summed up per category: kept up to date by every write, read by "my data".

A person may hold 100,000 purchase lines. Counting them, their dates, sources, retention,
amounts and purposes on every view of "my data" was a pass over 100,000 index entries and
another over their purposes; `ItemSummary` and `item_purpose_summary` hold the result instead.

A summary is never adjusted by arithmetic: the (person, category) pairs a write touched are
recomputed from the items, in the write's transaction, so a summary is always what a fresh
count would say (`recompute` is that count, and the tests compare the two).

- ORM writes (`Item(...)` added, a value or purposes changed, an item deleted: corrections,
  email changes, staff additions) are noted by the session's flush and recomputed just before
  the commit; nothing to call.
- Bulk statements, which the ORM does not see (the importer, erasure and retention disposal,
  merging two persons and undoing it), call `refresh` with the persons (and categories) they wrote.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.inventory.models import Category, Item, ItemSummary, Person, item_purpose, item_purpose_summary

BATCH = 500  # persons per statement
#: Sums of other rows, not records of their own: a merge of two persons recomputes them, never moves them.
SUMMARY_TABLES = ("item_summary", "item_purpose_summary")
_PENDING = "item_summary_pending"  # session.info: {(person_id, category or None for all)}
# The summary's columns, in the order `_grouped` counts them (and `CategoryStats.add` takes them).
_COUNTED = ("person_id", "category", "source_id", "count", "first_at", "last_at", "retain_from", "retain_to",
            "amount_total")


@dataclass
class CategoryStats:
    """A category of a person's items at a glance: what "my data" and the staff's person view show."""

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


# --- reading ---

def category_stats(person_id: int, *, only: Category | None = None) -> dict[Category, CategoryStats]:
    """The person's categories at a glance, from the summary (a few rows, whatever the count)."""
    stmt = (
        sa.select(*(getattr(ItemSummary, name) for name in _COUNTED[1:]))
        .where(ItemSummary.person_id == person_id, *([ItemSummary.category == only] if only else []))
        .order_by(ItemSummary.category, ItemSummary.source_id)
    )
    return _stats(db.session.execute(stmt))


def purpose_ids_by_category(person_id: int, categories: list[Category]) -> dict[Category, set[int]]:
    """Which purposes the lines of each category serve, from the summary."""
    result: dict[Category, set[int]] = {category: set() for category in categories}
    if not categories:
        return result
    stmt = sa.select(item_purpose_summary.c.category, item_purpose_summary.c.purpose_id).where(
        item_purpose_summary.c.person_id == person_id, item_purpose_summary.c.category.in_(categories))
    for category, purpose_id in db.session.execute(stmt):
        result[category].add(purpose_id)
    return result


def _stats(rows) -> dict[Category, CategoryStats]:
    stats: dict[Category, CategoryStats] = {}
    for category, *row in rows:
        stats.setdefault(Category(category), CategoryStats(Category(category))).add(*row)
    return stats


# --- what a fresh count says (the summary's definition) ---

def _scope(table_person, table_category, person_ids: list[int] | None,
           categories: Iterable[Category] | None) -> list:
    """Conditions for these persons (None: everyone) and categories (None: all)."""
    conditions = [] if person_ids is None else [table_person.in_(person_ids)]
    if categories is not None:
        conditions.append(table_category.in_(list(categories)))
    return conditions


def _grouped(person_ids: list[int] | None, categories: Iterable[Category] | None) -> sa.Select:
    return (
        sa.select(Item.person_id, Item.category, Item.source_id, sa.func.count(),
                  sa.func.min(Item.collected_at), sa.func.max(Item.collected_at),
                  sa.func.min(Item.retain_until), sa.func.max(Item.retain_until), sa.func.sum(Item.amount))
        .where(*_scope(Item.person_id, Item.category, person_ids, categories))
        .group_by(Item.person_id, Item.category, Item.source_id)
    )


def _purposes(person_ids: list[int] | None, categories: Iterable[Category] | None) -> sa.Select:
    return (
        sa.select(Item.person_id, Item.category, item_purpose.c.purpose_id)
        .join(item_purpose, item_purpose.c.item_id == Item.id)
        .where(*_scope(Item.person_id, Item.category, person_ids, categories))
        .distinct()
    )


def recompute(person_id: int) -> tuple[dict[Category, CategoryStats], dict[Category, set[int]]]:
    """The person's categories and their purposes counted afresh from the items (no summary)."""
    stats = _stats(row[1:] for row in db.session.execute(_grouped([person_id], None)))
    purposes: dict[Category, set[int]] = defaultdict(set)
    for _, category, purpose_id in db.session.execute(_purposes([person_id], None)):
        purposes[Category(category)].add(purpose_id)
    return stats, dict(purposes)


# --- keeping it ---

def refresh(person_ids: Iterable[int], categories: Iterable[Category] | None = None, *,
            session: Session | None = None) -> None:
    """Recompute the persons' summaries (only `categories`, when given) from their items, in the
    caller's transaction. Call it after a bulk statement that added, changed or removed items."""
    session = session or db.session
    ids = sorted({person_id for person_id in person_ids if person_id is not None})
    wanted = None if categories is None else sorted({Category(c) for c in categories})
    if wanted == []:
        return
    summary, purposes = ItemSummary.__table__, item_purpose_summary
    for start in range(0, len(ids), BATCH):
        batch = ids[start:start + BATCH]
        # One refresh of a person at a time (PostgreSQL; SQLite writes one at a time anyway), so
        # two transactions never interleave their delete and insert and each counts the other's
        # committed items.
        session.execute(sa.select(Person.id).where(Person.id.in_(batch)).order_by(Person.id).with_for_update())
        session.execute(sa.delete(summary).where(*_scope(summary.c.person_id, summary.c.category, batch, wanted)))
        session.execute(sa.insert(summary).from_select(list(_COUNTED), _grouped(batch, wanted)))
        session.execute(sa.delete(purposes).where(*_scope(purposes.c.person_id, purposes.c.category, batch, wanted)))
        session.execute(sa.insert(purposes).from_select(["person_id", "category", "purpose_id"],
                                                        _purposes(batch, wanted)))


def touched(condition) -> list[tuple[int, Category]]:
    """The (person, category) pairs of the items matching `condition`: read them before a bulk
    update or delete of those items, and pass them to `refresh_pairs` after it."""
    return [tuple(row) for row in db.session.execute(
        sa.select(Item.person_id, Item.category).where(condition).distinct())]


def refresh_pairs(pairs: Iterable[tuple[int, Category | None]], *, session: Session | None = None) -> None:
    """Recompute the summaries of these (person, category) pairs (category None: all the person's)."""
    by_person: dict[int, set | None] = {}
    for person_id, category in pairs:
        if person_id is None:
            continue
        if category is None or (person_id in by_person and by_person[person_id] is None):
            by_person[person_id] = None
        else:
            by_person.setdefault(person_id, set()).add(Category(category))
    by_categories: dict[frozenset | None, list[int]] = defaultdict(list)
    for person_id, categories in by_person.items():
        by_categories[None if categories is None else frozenset(categories)].append(person_id)
    for categories, person_ids in by_categories.items():
        refresh(person_ids, categories, session=session)


def note(session: Session, person_id: int | None, category: Category | None) -> None:
    """Note that the person's items (of `category`; None: any) changed: recomputed before the commit."""
    if person_id is not None:
        session.info.setdefault(_PENDING, set()).add((person_id, category))


def flush_pending(session: Session | None = None) -> None:
    """Recompute every summary noted so far in this transaction (the commit does it too)."""
    session = session or db.session
    pending = session.info.pop(_PENDING, None)
    if pending:
        refresh_pairs(pending, session=session)


@sa.event.listens_for(Session, "before_flush")
def _note_item_changes(session: Session, _context, _instances) -> None:
    """Items the unit of work adds, changes or deletes: their (person, category), before and after."""
    for item in (*session.new, *session.dirty, *session.deleted):
        if not isinstance(item, Item):
            continue
        state = sa.inspect(item)
        for old in state.attrs["person_id"].history.deleted or ():
            note(session, old, None)
        for old in state.attrs["category"].history.deleted or ():
            note(session, item.person_id, old)
        note(session, item.person_id, item.category)


@sa.event.listens_for(Session, "before_commit")
def _refresh_before_commit(session: Session) -> None:
    session.flush()  # what the unit of work still holds is noted by its flush
    flush_pending(session)


@sa.event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def drift() -> set[int]:
    """Persons whose summary differs from a fresh count of their items (none, unless a write
    forgot its refresh): the tests check it after every test; `refresh` mends a person."""
    summary, purposes = ItemSummary.__table__, item_purpose_summary

    def rows(stmt) -> set[tuple]:
        return {tuple(round(value, 6) if isinstance(value, float) else value for value in row)
                for row in db.session.execute(stmt)}

    kept = sa.select(*(summary.c[name] for name in _COUNTED))
    kept_purposes = sa.select(purposes.c.person_id, purposes.c.category, purposes.c.purpose_id)
    differ = rows(_grouped(None, None)) ^ rows(kept)
    differ |= rows(_purposes(None, None)) ^ rows(kept_purposes)
    return {row[0] for row in differ}
