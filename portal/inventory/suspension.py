"""Suspension of use (利用停止): items flagged so they leave every use but the person's own view.

A suspended item stays held — the person asked us to stop using it, not to delete it — and
still shows in their own disclosure, marked. Whatever feeds other systems reads only usable
items (`usable_items`): not flagged, and not in a category an active suspension or erasure
restriction covers for every purpose (so an item imported after the decision is caught too).
"""
from __future__ import annotations

from collections import Counter

import sqlalchemy as sa

from portal.audit.services import Actor, record
from portal.common.time import utcnow
from portal.extensions import db
from portal.inventory.field_counts import by_field_name, count_by_field
from portal.inventory.models import Category, Item
from portal.inventory.restrictions import RestrictionKind, UseRestriction

#: Restriction kinds that take items out of every use.
USE_ENDING_KINDS = (RestrictionKind.SUSPENSION, RestrictionKind.ERASURE)


def suspend_items(person_id: int, *, actor: Actor, request_id: int | None = None, item_ids=None,
                  categories=None) -> Counter:
    """Flag a person's items (all, or these ids / categories); returns (category, field) → count.

    Items already suspended keep their first suspension (and are not counted again).
    """
    conditions = [Item.person_id == person_id, Item.suspended_at.is_(None)]
    if item_ids is not None:
        conditions.append(Item.id.in_(list(item_ids)))
    if categories is not None:
        conditions.append(Item.category.in_([Category(c) for c in categories]))
    scope = sa.and_(*conditions)
    counts = count_by_field(scope)
    if counts:
        db.session.execute(
            sa.update(Item).where(scope).values(suspended_at=utcnow(), suspended_request_id=request_id)
            .execution_options(synchronize_session="fetch")
        )
    record(
        "inventory.items_suspended", actor=actor, target_type="person", target_id=person_id, person_id=person_id,
        details={"request_id": request_id, "suspended": sum(counts.values()),
                 "by_field": by_field_name(counts)},
    )
    return counts


def usable_items(person_id: int):
    """SQL condition: the person's items that may be used (not suspended, not restricted)."""
    restricted = [row.category for row in db.session.execute(
        sa.select(UseRestriction.category).where(
            UseRestriction.person_id == person_id,
            UseRestriction.lifted_at.is_(None),
            UseRestriction.purpose_id.is_(None),
            UseRestriction.kind.in_(USE_ENDING_KINDS),
        )
    )]
    if None in restricted:  # a restriction on all of the person's data
        return sa.false()
    conditions = [Item.person_id == person_id, Item.suspended_at.is_(None)]
    if restricted:
        conditions.append(Item.category.not_in(restricted))
    return sa.and_(*conditions)
