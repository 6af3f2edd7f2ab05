"""Which person a record stands for now: a record merged into another (名寄せ) is an alias.

The merged record's key and addresses keep working — an import of the old key, a customer
verifying with the old address — and lead to the survivor (portal/merging does the merging).
"""
from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.inventory.models import Person

# Merges may chain (A into B, later B into C); a loop cannot be made, but never spin.
_MAX_CHAIN = 32


def canonical(person: Person | None) -> Person | None:
    """The person a record stands for now: itself, or the survivor it was merged into."""
    for _ in range(_MAX_CHAIN):
        if person is None or person.merged_into_id is None:
            return person
        person = db.session.get(Person, person.merged_into_id)
    return person


def person_by_key(key: str) -> Person | None:
    """The person the key names, following merges: an old key keeps reaching the survivor."""
    return canonical(db.session.scalar(sa.select(Person).where(Person.key == key)))


def canonical_person_id():
    """SQL for "the id this person row stands for": a merge re-points earlier aliases to the
    new survivor, so one step is always enough (used where keys are resolved in bulk)."""
    return sa.func.coalesce(Person.merged_into_id, Person.id)
