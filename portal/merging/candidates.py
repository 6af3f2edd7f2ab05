"""Finding records that probably describe one person, with the evidence for each pair.

Values are encrypted, so candidates are found through the blind indexes: people who share an
indexed phone, email or name form groups in SQL; only the members of a name group are then
decrypted, to compare birth dates and postal codes. The database never sees a value.
"""
from __future__ import annotations

import enum
import itertools
import re
import unicodedata
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.extensions import db
from portal.inventory.models import Category, Item, Person

_POSTAL_CODE = re.compile(r"(\d{3})-?(\d{4})")


class Evidence(enum.StrEnum):
    SAME_PHONE = "same_phone"
    SAME_EMAIL = "same_email"
    SAME_NAME_AND_BIRTHDATE = "same_name_and_birthdate"
    SAME_NAME_AND_POSTAL_CODE = "same_name_and_postal_code"

    @property
    def label(self):
        return EVIDENCE_LABELS[self]


EVIDENCE_LABELS = {
    Evidence.SAME_PHONE: _l("Same phone number"),
    Evidence.SAME_EMAIL: _l("Same email address (ignoring case and full-width characters)"),
    Evidence.SAME_NAME_AND_BIRTHDATE: _l("Same name or kana, and the same birth date"),
    Evidence.SAME_NAME_AND_POSTAL_CODE: _l("Same name or kana, and the same postal code"),
}


@dataclass
class Candidate:
    """Two persons that may be one; `first` is the older record (the suggested survivor)."""

    first: Person
    second: Person
    evidence: list[Evidence] = field(default_factory=list)


def _live():
    condition = Person.merged_into_id.is_(None)
    if hasattr(Person, "erased_at"):  # a tombstone is nobody to merge with
        condition = sa.and_(condition, Person.erased_at.is_(None))
    return condition


def _groups(index_column) -> list[list[int]]:
    """Ids of live persons sharing a value of `index_column`, one list per shared value."""
    shared = (
        sa.select(index_column).where(index_column.is_not(None), _live())
        .group_by(index_column).having(sa.func.count() > 1)
    )
    rows = db.session.execute(
        sa.select(index_column, Person.id).where(index_column.in_(shared), _live()).order_by(index_column, Person.id)
    )
    return [[person_id for _, person_id in group] for _, group in itertools.groupby(rows, key=lambda row: row[0])]


def postal_code(text: str | None) -> str | None:
    """〒150-0000 東京都… → 1500000 (full-width digits included); None without one."""
    found = _POSTAL_CODE.search(unicodedata.normalize("NFKC", text or ""))
    return found.group(1) + found.group(2) if found else None


def _postal_codes(person_ids: list[int]) -> dict[int, set[str]]:
    codes: dict[int, set[str]] = {}
    rows = db.session.execute(
        sa.select(Item.person_id, Item.value)
        .where(Item.person_id.in_(person_ids), Item.category == Category.CONTACT,
               Item.field.in_(("address", "postal_code")))
    )
    for person_id, value in rows:
        code = postal_code(value if isinstance(value, str) else str(value))
        if code:
            codes.setdefault(person_id, set()).add(code)
    return codes


def find_candidates(*, limit: int | None = None) -> list[Candidate]:
    """Every pair of live persons with at least one piece of evidence, oldest pairs first."""
    pairs: dict[tuple[int, int], set[Evidence]] = {}

    def add(a: int, b: int, evidence: Evidence) -> None:
        pairs.setdefault((min(a, b), max(a, b)), set()).add(evidence)

    for group in _groups(Person.phone_index):
        for a, b in itertools.combinations(group, 2):
            add(a, b, Evidence.SAME_PHONE)
    for group in _groups(Person.email_index):
        for a, b in itertools.combinations(group, 2):
            add(a, b, Evidence.SAME_EMAIL)
    name_groups = _groups(Person.name_index) + _groups(Person.name_kana_index)
    members = sorted({person_id for group in name_groups for person_id in group})
    if members:
        people = {p.id: p for p in db.session.scalars(sa.select(Person).where(Person.id.in_(members)))}
        codes = _postal_codes(members)
        for group in name_groups:
            for a, b in itertools.combinations(group, 2):
                if people[a].birthdate is not None and people[a].birthdate == people[b].birthdate:
                    add(a, b, Evidence.SAME_NAME_AND_BIRTHDATE)
                if codes.get(a, set()) & codes.get(b, set()):
                    add(a, b, Evidence.SAME_NAME_AND_POSTAL_CODE)
    ordered = sorted(pairs)[:limit] if limit is not None else sorted(pairs)
    wanted = {person_id for pair in ordered for person_id in pair}
    people = {p.id: p for p in db.session.scalars(sa.select(Person).where(Person.id.in_(wanted)))} if wanted else {}
    return [
        Candidate(people[a], people[b], sorted(pairs[(a, b)], key=list(Evidence).index))
        for a, b in ordered
    ]
