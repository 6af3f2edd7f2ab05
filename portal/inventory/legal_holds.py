"""Legal retention holds on many items at once (the `legal-hold` command).

Chooses items by category, optionally field and person (never by value: values are
encrypted), and places or lifts the hold through `erasure.set_legal_hold`, which audits
every item. Works in batches of ids, each committed on its own: every audited change
takes the audit chain's lock, so one transaction over millions of purchase lines would
stall every other audited action in the portal until it ended. A run that stops half-way
keeps the batches done; running it again finishes the rest, and items that already carry
exactly the wanted hold are skipped, so nothing is changed or audited twice.

A new hold never shortens one already running as long or longer (a second obligation must
not cut the first short): those items keep their hold and reason and are counted, unless
`replace` is asked for (to correct a mistaken date).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from portal.audit.services import Actor
from portal.common.db import keyset_batches
from portal.extensions import db
from portal.inventory.erasure import japan_today, set_legal_hold
from portal.inventory.models import Category, Item, Person

BATCH_SIZE = 1000


class LegalHoldRefused(ValueError):
    """Bad input: nothing was changed."""


@dataclass(frozen=True)
class HoldScope:
    category: Category
    field: str | None = None
    person_id: int | None = None


def resolve_scope(category: str, *, field: str | None = None, person_key: str | None = None) -> HoldScope:
    try:
        chosen = Category(category)
    except ValueError:
        known = ", ".join(c.value for c in Category)
        raise LegalHoldRefused(f"unknown category {category!r} (one of: {known})") from None
    person_id = None
    if person_key is not None:
        person_id = db.session.scalar(sa.select(Person.id).where(Person.key == person_key))
        if person_id is None:
            raise LegalHoldRefused(f"no person with key {person_key!r}")
    return HoldScope(chosen, field or None, person_id)


def check_hold(until: date | None, reason: str | None, *, today: date | None = None) -> str | None:
    """The cleaned reason for a hold until `until`; refuses a past date or a missing reason."""
    reason = (reason or "").strip() or None
    if until is None:
        return None
    if reason is None:
        raise LegalHoldRefused("a hold needs --reason (it is shown to the customer whose erasure it blocks)")
    if until < (today or japan_today()):
        raise LegalHoldRefused(f"--until {until.isoformat()} is in the past")
    return reason


def _in_scope(scope: HoldScope) -> list:
    conditions = [Item.category == scope.category]
    if scope.field is not None:
        conditions.append(Item.field == scope.field)
    if scope.person_id is not None:
        conditions.append(Item.person_id == scope.person_id)
    return conditions


def _pending(scope: HoldScope, until: date | None, reason: str | None, *, replace: bool):
    """Items in scope whose hold is not already what is wanted (or, without `replace`, longer)."""
    conditions = _in_scope(scope)
    if until is None:
        conditions.append(sa.or_(Item.legal_hold_until.is_not(None), Item.legal_hold_reason.is_not(None)))
    elif replace:
        conditions.append(sa.or_(
            Item.legal_hold_until.is_(None), Item.legal_hold_until != until,
            Item.legal_hold_reason.is_(None), Item.legal_hold_reason != reason,
        ))
    else:
        conditions.append(sa.or_(Item.legal_hold_until.is_(None), Item.legal_hold_until < until))
    return sa.and_(*conditions)


def longer_holds(scope: HoldScope, until: date, reason: str) -> int:
    """Items in scope that keep an earlier hold running to `until` or later (another reason)."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Item).where(
        *_in_scope(scope), Item.legal_hold_until >= until,
        sa.or_(Item.legal_hold_until != until, Item.legal_hold_reason != reason)))


def apply_legal_hold(scope: HoldScope, *, until: date | None, reason: str | None, actor: Actor,
                     replace: bool = False, batch_size: int = BATCH_SIZE) -> int:
    """Place (or with `until=None` lift) the hold on every item in scope; commits per batch.

    Returns how many items changed. Validate with `check_hold` first.
    """
    pending = sa.select(Item.id).where(_pending(scope, until, reason, replace=replace))
    changed = 0
    for rows in keyset_batches(pending, Item.id, batch_size):
        changed += set_legal_hold([item_id for item_id, in rows], until=until, reason=reason, actor=actor)
        db.session.commit()
    return changed
