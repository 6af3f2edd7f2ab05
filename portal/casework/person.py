"""The person a request is about, as the request page shows them.

By default: who they are (name, key, address) and how much is held per category, plus the
items the request concerns (for a correction: what we hold now next to what they proposed).
Every value of every item is shown only after a deliberate, audited "show full data".
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from portal.customer import queries as held
from portal.inventory.labels import CATEGORY_ORDER, field_name, staff_category_name
from portal.dsr.models import DataRequest, RequestType
from portal.extensions import db
from portal.inventory.models import Category, Item, Person

#: Lines shown per category when the full data is opened (purchases may run to thousands).
FULL_DATA_PER_CATEGORY = 50
#: People listed for a search when matching a request.
MATCH_RESULTS = 20


@dataclass
class CategoryCount:
    category: Category
    name: str
    count: int


@dataclass
class ConcernedItem:
    """One change a correction asks for, with what we hold now (the item may have changed)."""

    action: str  # change | add | delete
    category: str
    field: str
    at_request: Any  # the value when the request was made (the customer saw it)
    held_now: Any
    proposed: Any
    reason: str | None
    item_id: int | None
    exists: bool


@dataclass
class PersonSummary:
    person: Person
    counts: list[CategoryCount] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(c.count for c in self.counts)


def summary(person_id: int | None) -> PersonSummary | None:
    if person_id is None:
        return None
    person = db.session.get(Person, person_id)
    if person is None:
        return None
    stats = held.category_stats(person_id)
    counts = [CategoryCount(category, staff_category_name(category), stats[category].count)
              for category in sorted(stats, key=_category_rank)]
    return PersonSummary(person, counts)


def _category_rank(category: Category) -> int:
    return CATEGORY_ORDER.index(category) if category in CATEGORY_ORDER else len(CATEGORY_ORDER)


def concerned_items(request: DataRequest) -> list[ConcernedItem]:
    """The changes a correction asks for (`details.changes`), with today's value of each item."""
    if request.type is not RequestType.CORRECTION:
        return []
    changes = [c for c in (request.details or {}).get("changes") or [] if isinstance(c, dict)]
    ids = [c["item_id"] for c in changes if isinstance(c.get("item_id"), int)]
    items = {}
    if ids and request.person_id is not None:
        # Only the person's own items: a request never shows anyone else's data.
        items = {item.id: item for item in db.session.scalars(
            sa.select(Item).where(Item.id.in_(ids), Item.person_id == request.person_id))}
    result = []
    for change in changes:
        item = items.get(change.get("item_id"))
        result.append(ConcernedItem(
            action=str(change.get("action") or "change"), category=str(change.get("category") or ""),
            field=field_name(str(change.get("field") or ""), change.get("category") or None), at_request=change.get("current"),
            held_now=item.value if item else None, proposed=change.get("proposed"),
            reason=change.get("reason"), item_id=change.get("item_id"), exists=item is not None))
    return result


@dataclass
class FullCategory:
    name: str
    count: int
    items: list[Item]


def full_data(person_id: int) -> list[FullCategory]:
    """Every category with its newest lines (up to FULL_DATA_PER_CATEGORY each), sources loaded."""
    stats = held.category_stats(person_id)
    result = []
    for category in sorted(stats, key=_category_rank):
        ids = held.newest_item_ids(person_id, category, FULL_DATA_PER_CATEGORY)
        items = held.items(person_id, categories=[], extra_ids=ids)
        result.append(FullCategory(staff_category_name(category), stats[category].count, items))
    return result


def search_people(text: str) -> tuple[str, list[Person]]:
    """People to match a request to: by address, key or customer number (exact), else by name."""
    text = (text or "").strip()[:200]
    if not text:
        return "", []
    if "@" in text:
        kind, condition = "email", Person.with_email(text)
    else:
        # Names and phones are encrypted: whole values (spaces, case and dashes aside) or the family name.
        kind, condition = "key_or_name", Person.with_any_identifier(text)
    people = db.session.scalars(sa.select(Person).where(condition).order_by(Person.id).limit(MATCH_RESULTS))
    return kind, list(people)


def candidates(request: DataRequest) -> list[dict[str, Any]]:
    """People the filing suggested (`details.person_candidates`), with their register entries."""
    suggested = [c for c in (request.details or {}).get("person_candidates") or []
                 if isinstance(c, dict) and isinstance(c.get("person_id"), int)]
    if not suggested:
        return []
    people = {p.id: p for p in db.session.scalars(
        sa.select(Person).where(Person.id.in_([c["person_id"] for c in suggested])))}
    return [{**c, "person": people[c["person_id"]]} for c in suggested if c["person_id"] in people]
