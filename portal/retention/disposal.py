"""Disposal (廃棄) of items kept past their retention date: one service for the page and the CLI.

An item is due for disposal when its `retain_until` is before today (Japan date) and no legal
hold keeps it today. Disposal ends each item the way an erasure does
(`portal.inventory.erasure.tombstone_and_delete`): the value, its earlier values and its
purposes go, a tombstone says what it was (category, field, source, key — never the value),
so a later import of an older CRM export does not bring the line back. Everything happens in
the caller's transaction, in set-based SQL; the audit entry holds the actor and counts per
category only.

`/staff/retention` (managers, after a confirmation page showing the counts) and
`flask --app portal dispose-expired [--dry-run]` both call `dispose_expired`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from portal.audit.services import Actor, record
from portal.extensions import db
from portal.inventory.erasure import japan_today, tombstone_and_delete, under_hold
from portal.inventory.models import Item, Source


def expired(today: date):
    """SQL condition: past its retention date on `today` and not under a legal hold."""
    return sa.and_(Item.retain_until.is_not(None), Item.retain_until < today, sa.not_(under_hold(today)))


@dataclass(frozen=True)
class ExpiredGroup:
    """Items of one category from one source that are due for disposal (counts, no values)."""

    category: str
    source_key: str | None
    source_ja: str | None
    source_en: str | None
    items: int
    people: int
    oldest: date


@dataclass
class Plan:
    """What a disposal on `today` removes: per category and source, oldest first."""

    today: date
    groups: list[ExpiredGroup] = field(default_factory=list)

    @property
    def items(self) -> int:
        return sum(group.items for group in self.groups)

    @property
    def by_category(self) -> dict[str, int]:
        """category → items, the figures the audit entry keeps."""
        counts: dict[str, int] = {}
        for group in self.groups:
            counts[group.category] = counts.get(group.category, 0) + group.items
        return dict(sorted(counts.items()))


def plan(*, today: date | None = None) -> Plan:
    """What would go today: one grouped aggregate over the items, never a row in Python."""
    today = today or japan_today()
    rows = db.session.execute(
        sa.select(Item.category, Source.key, Source.name_ja, Source.name_en, sa.func.count(Item.id),
                  sa.func.count(sa.distinct(Item.person_id)), sa.func.min(Item.retain_until))
        .outerjoin(Source, Source.id == Item.source_id)
        .where(expired(today))
        .group_by(Item.category, Source.key, Source.name_ja, Source.name_en)
        .order_by(sa.func.min(Item.retain_until), Item.category, Source.key)
    )
    return Plan(today, [ExpiredGroup(str(category), key, name_ja, name_en, int(items), int(people), oldest)
                        for category, key, name_ja, name_en, items, people, oldest in rows])


class PlanChanged(Exception):
    """What is due is not what was confirmed (items expired, were held or went meanwhile)."""

    def __init__(self, current: Plan) -> None:
        super().__init__(f"{current.items} items are due now")
        self.current = current


def dispose_expired(*, actor: Actor, today: date | None = None, expected: int | None = None,
                    dry_run: bool = False) -> Plan:
    """Dispose of every item past its retention date and not under a legal hold; returns what went.

    `expected`: the number of items the person confirmed; when it no longer matches, nothing is
    disposed and `PlanChanged` says what is due now. `dry_run`: count only, change nothing and
    audit nothing. The caller commits (one transaction: every item goes, or none).
    """
    current = plan(today=today)
    if expected is not None and current.items != expected:
        raise PlanChanged(current)
    if dry_run or not current.items:
        return current
    if tombstone_and_delete(expired(current.today), actor=actor, request_id=None) != current.items:
        raise PlanChanged(plan(today=current.today))  # changed under us: the caller rolls back
    record("retention.items_disposed", actor=actor, target_type="item",
           details={"count": current.items, "by_category": current.by_category,
                    "retained_until_before": current.today.isoformat()})
    return current
