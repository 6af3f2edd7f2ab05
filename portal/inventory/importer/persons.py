"""Finding stored persons for an import: by the company's key, and by email.

Every look-up of a person key by the importer goes through `resolve_person_keys`, so the rule
about which person a key means has one place: a key merged away (名寄せ) names its survivor.
"""
from __future__ import annotations

from typing import Iterable

import sqlalchemy as sa

from portal.encryption.blind import email_index
from portal.extensions import db
from portal.inventory.aliases import canonical_person_id
from portal.inventory.importer.bulk import chunked
from portal.inventory.models import Person


def resolve_person_keys(keys: Iterable[str]) -> dict[str, int]:
    """The stored persons among `keys`: key → the id of the person it stands for now (the
    survivor, for a key merged away); keys not stored are left out."""
    found: dict[str, int] = {}
    for batch in chunked(keys):
        stmt = sa.select(Person.key, canonical_person_id()).where(Person.key.in_(batch))
        found.update(tuple(row) for row in db.session.execute(stmt))
    return found


def emails_in_use(emails: Iterable[str]) -> dict[str, str]:
    """Which stored person has each of these (normalised) emails: email → person key."""
    owners: dict[str, str] = {}
    for batch in chunked(emails):
        by_index = {email_index(email): email for email in batch}
        rows = db.session.execute(sa.select(Person.email_index, Person.key).where(Person.email_index.in_(by_index)))
        owners.update((by_index[index], key) for index, key in rows)
    return owners
