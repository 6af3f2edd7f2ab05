"""Erasure (消去): an item's value goes, a tombstone saying what, when and why stays.

The tombstone never holds the value: it answers "what did you hold about me, and when did
you erase it?" and lets staff prove the erasure, without keeping what was erased. Earlier
values (`ItemRevision`) hold personal values too, so they go with the item.

Items under a legal retention hold (`Item.legal_hold_until` today or later, e.g. records a
tax or contract law obliges the company to keep) are not erased; they are returned as kept
so the answer to the customer can name them and the reason.

Everything runs in the caller's transaction, in set-based SQL, so erasing 5,000 purchase
lines is a handful of statements, not 5,000 round trips.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.audit.services import Actor, record
from portal.common.db import UTCDateTime, str_enum
from portal.common.time import JST, utcnow
from portal.extensions import db
from portal.inventory.field_counts import by_field_name, count_by_field
from portal.inventory import summary
from portal.inventory.models import REGISTER_MIRRORS, Category, Item, ItemRevision, Person, item_purpose


class ItemTombstone(db.Model):
    """The trace of an erased item: what it was (category, field, source), never its value."""

    __tablename__ = "item_tombstone"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The erased row is gone, so these are plain columns, not foreign keys.
    item_id: Mapped[int] = mapped_column(index=True)
    # The company's key of the item (e.g. `C-000123/contact.address`), so a later import
    # that brings the same item back can be recognised.
    item_key: Mapped[str | None] = mapped_column(sa.String(160), index=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"), index=True)
    category: Mapped[Category] = mapped_column(str_enum(Category))
    field: Mapped[str] = mapped_column(sa.String(64))
    source_id: Mapped[int | None] = mapped_column(sa.ForeignKey("source.id"))
    request_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("data_request.id", ondelete="SET NULL"), index=True
    )
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_type: Mapped[str] = mapped_column(sa.String(16))
    actor_id: Mapped[str | None] = mapped_column(sa.String(64))


@dataclass(frozen=True)
class HeldItem:
    """An item kept despite the erasure, and why."""

    item_id: int
    category: Category
    field: str
    reason: str | None
    until: date


@dataclass
class ErasureResult:
    # (category, field) → how many items were erased.
    erased: Counter = field(default_factory=Counter)
    kept: list[HeldItem] = field(default_factory=list)
    # category → when its oldest erased item came in (a disclosure written before holds none of them).
    earliest: dict = field(default_factory=dict)

    @property
    def erased_count(self) -> int:
        return sum(self.erased.values())


def japan_today() -> date:
    """Holds run "until" a date in Japan, where the company keeps its records."""
    return utcnow().astimezone(JST).date()


def under_hold(today: date):
    """SQL condition: the item is under a legal retention hold on `today`."""
    return sa.and_(Item.legal_hold_until.is_not(None), Item.legal_hold_until >= today)


def _scope(person_id: int, *, item_ids, categories):
    conditions = [Item.person_id == person_id]
    if item_ids is not None:
        conditions.append(Item.id.in_(list(item_ids)))
    if categories is not None:
        conditions.append(Item.category.in_([Category(c) for c in categories]))
    return sa.and_(*conditions)


def erase_items(
    person_id: int,
    *,
    actor: Actor,
    request_id: int | None = None,
    item_ids=None,
    categories=None,
    today: date | None = None,
) -> ErasureResult:
    """Erase a person's items (all, or those with these ids / in these categories).

    Held items stay and are listed in the result. The caller commits; on an error it rolls
    back and nothing is erased.
    """
    today = today or japan_today()
    scope = _scope(person_id, item_ids=item_ids, categories=categories)
    erasable = sa.and_(scope, sa.not_(under_hold(today)))
    result = ErasureResult()
    result.kept = [
        HeldItem(row.id, row.category, row.field, row.legal_hold_reason, row.legal_hold_until)
        for row in db.session.execute(
            sa.select(Item.id, Item.category, Item.field, Item.legal_hold_reason, Item.legal_hold_until)
            .where(scope, under_hold(today)).order_by(Item.id)
        )
    ]
    result.erased.update(count_by_field(erasable))
    if result.erased_count:
        result.earliest = dict(db.session.execute(
            sa.select(Item.category, sa.func.min(Item.created_at)).where(erasable).group_by(Item.category)).all())
        tombstone_and_delete(erasable, actor=actor, request_id=request_id)
    record(
        "inventory.items_erased", actor=actor, target_type="person", target_id=person_id, person_id=person_id,
        details={
            "request_id": request_id, "erased": result.erased_count,
            "by_field": by_field_name(result.erased),
            "kept_item_ids": [held.item_id for held in result.kept],
        },
    )
    return result


def tombstone_and_delete(erasable, *, actor: Actor, request_id: int | None) -> int:
    """Delete the items matching `erasable` with their purposes and earlier values, leaving a
    tombstone each (so a later import does not bring them back); returns how many went.
    Erasure and retention disposal (`portal.retention.disposal`) both end an item here."""
    now = utcnow()
    db.session.execute(sa.insert(ItemTombstone).from_select(
        ["item_id", "item_key", "person_id", "category", "field", "source_id",
         "request_id", "erased_at", "actor_type", "actor_id"],
        sa.select(
            Item.id, Item.key, Item.person_id, Item.category, Item.field, Item.source_id,
            sa.literal(request_id, sa.Integer), sa.literal(now, UTCDateTime),
            sa.literal(actor.type, sa.String), sa.literal(None if actor.id is None else str(actor.id), sa.String),
        ).where(erasable),
    ))
    ids = sa.select(Item.id).where(erasable).scalar_subquery()
    changed = summary.touched(erasable)  # whose summaries (which categories) to recompute after
    # SQLite enforces no ON DELETE CASCADE unless asked to, so dependants go explicitly.
    db.session.execute(sa.delete(item_purpose).where(item_purpose.c.item_id.in_(ids)))
    db.session.execute(
        sa.delete(ItemRevision).where(ItemRevision.item_id.in_(ids)).execution_options(synchronize_session=False)
    )
    deleted = db.session.execute(sa.delete(Item).where(erasable).execution_options(synchronize_session="fetch")).rowcount
    summary.refresh_pairs(changed)
    return deleted


def tombstones(person_id: int) -> list[ItemTombstone]:
    """What was erased about a person, newest first (for staff and the person's own pages)."""
    return list(db.session.scalars(
        sa.select(ItemTombstone).where(ItemTombstone.person_id == person_id)
        .order_by(ItemTombstone.erased_at.desc(), ItemTombstone.id)
    ))


def set_legal_hold(item_ids, *, until: date | None, reason: str | None, actor: Actor) -> int:
    """Place (or, with `until=None`, lift) a legal retention hold on items; returns how many.

    The reason is shown to the customer whose erasure it blocks, so write it for them
    (e.g. "法人税法により7年間保存が義務付けられているため").
    """
    ids = list(item_ids)
    reason = (reason or "").strip() or None
    if until is not None and reason is None:
        raise ValueError("a legal hold needs a reason")
    rows = db.session.execute(sa.select(Item.id, Item.person_id).where(Item.id.in_(ids))).all()
    db.session.execute(
        sa.update(Item).where(Item.id.in_(ids))
        .values(legal_hold_until=until, legal_hold_reason=reason if until else None)
        .execution_options(synchronize_session="fetch")
    )
    for item_id, person_id in rows:
        record("inventory.legal_hold_set" if until else "inventory.legal_hold_lifted", actor=actor,
               target_type="item", target_id=item_id, person_id=person_id,
               details={"until": until.isoformat() if until else None})
    return len(rows)


#: The register columns a full erasure empties (their blind indexes follow through the ORM).
REGISTER_COLUMNS = ("email", "name", "name_kana", "phone", "birthdate", "customer_number")


def tombstone_person(person_id: int, *, actor: Actor, request_id: int | None = None,
                     reference: str | None = None, kept: list[HeldItem] = ()) -> list[str]:
    """Turn the register entry into a tombstone after a full erasure; returns the columns kept.

    What stays is the company's key, the erasure date and the request's reference — enough
    to honour the erasure (the suppression list and a later CRM import recognise the key)
    without holding who the person was. A register value stays only where an item kept
    under a legal hold mirrors it (a held contract names the person). Look-ups by email,
    phone, name or customer number no longer find the person: their indexes are emptied too.
    """
    held_columns = {REGISTER_MIRRORS[(held.category, held.field)] for held in kept
                    if (held.category, held.field) in REGISTER_MIRRORS}
    person = db.session.get(Person, person_id)
    cleared = [column for column in REGISTER_COLUMNS if column not in held_columns]
    for column in cleared:
        setattr(person, column, None)
    person.erased_at = utcnow()
    person.erasure_reference = reference
    # Records merged into this one (名寄せ) kept their own register values as aliases: they
    # describe the same person, so they become tombstones too (their data moved here already).
    aliases = list(db.session.scalars(sa.select(Person).where(Person.merged_into_id == person_id)))
    for alias in aliases:
        for column in REGISTER_COLUMNS:
            setattr(alias, column, None)
        alias.erased_at, alias.erasure_reference = person.erased_at, reference
    db.session.flush()
    record("inventory.person_tombstoned", actor=actor, target_type="person", target_id=person_id,
           person_id=person_id, details={"request_id": request_id, "cleared": cleared,
                                         "kept": sorted(held_columns), "aliases": [a.key for a in aliases]})
    return sorted(held_columns)


def erased_person_keys(keys) -> set[str]:
    """Which of these person keys are tombstones of a full erasure."""
    wanted, erased = list(dict.fromkeys(keys)), set()
    for start in range(0, len(wanted), 1000):
        erased.update(db.session.scalars(sa.select(Person.key).where(
            Person.key.in_(wanted[start:start + 1000]), Person.erased_at.is_not(None))))
    return erased
