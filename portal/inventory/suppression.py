"""The suppression list: who must not be contacted for a purpose, why, and since when.

It is the proof that "stop" works. Marketing systems load it before every campaign (CLI
`export-suppressions`, the staff download, later the JSON API), so it is computed from the
source of truth every time, in SQL, and streamed:

- every person whose LATEST consent event for the purpose is a withdrawal
  (reason `consent_withdrawn`, since the withdrawal), and
- every person with an active restriction covering the purpose — all purposes or this one —
  that stops contact: suspension, erasure or objection (reason = the kind, since it began).
  A restriction narrowed to one category of data only suppresses contact when that category
  is the contact data itself; a suspension of, say, purchase history leaves mail alone.

One row per person and reason: someone who withdrew consent and also had their data
suspended appears twice, each reason with its own "since". Consumers key on `person_key`.

`since=` keeps only entries that began after that moment, for incremental syncs. It cannot
tell a consumer who LEFT the list (a consent given again, a restriction lifted), and a
withdrawal recorded late with an earlier date falls before a consumer's cursor — so load the
whole list now and then, and always before a campaign to people who gave consent again.
"""
from __future__ import annotations

import csv
import enum
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Iterator

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.audit.services import Actor, record
from portal.common.db import UTCDateTime
from portal.common.time import JST
from portal.extensions import db
from portal.inventory.models import Category, ConsentEvent, ConsentState, Person, Purpose
from portal.inventory.restrictions import CONTACT_SUPPRESSING_KINDS, UseRestriction

CSV_COLUMNS = ("person_key", "email", "reason", "since")
# Spreadsheets run a cell starting with these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_BATCH = 1000


class SuppressionReason(enum.StrEnum):
    CONSENT_WITHDRAWN = "consent_withdrawn"
    SUSPENSION = "suspension"
    ERASURE = "erasure"
    OBJECTION = "objection"

    @property
    def label(self):
        return REASON_LABELS[self]


REASON_LABELS = {
    SuppressionReason.CONSENT_WITHDRAWN: _l("Consent withdrawn"),
    SuppressionReason.SUSPENSION: _l("Use suspended"),
    SuppressionReason.ERASURE: _l("Data erased"),
    SuppressionReason.OBJECTION: _l("Objected to this use"),
}


class UnknownPurpose(LookupError):
    """No purpose has this key; the message names it."""

    def __init__(self, key: str) -> None:
        super().__init__(f"unknown purpose key: {key!r}")
        self.key = key


@dataclass(frozen=True)
class Suppression:
    person_key: str
    email: str | None  # None for a person erased in full: the key is what stays
    name: str | None
    reason: SuppressionReason
    since: datetime  # aware, UTC


def purpose_by_key(key: str) -> Purpose:
    purpose = db.session.scalar(sa.select(Purpose).where(Purpose.key == (key or "").strip()))
    if purpose is None:
        raise UnknownPurpose(key)
    return purpose


def _entries(purpose_id: int):
    """(person_id, reason, since) for one purpose, duplicates included."""
    ranked = (
        sa.select(
            ConsentEvent.person_id, ConsentEvent.state, ConsentEvent.at,
            sa.func.row_number().over(
                partition_by=ConsentEvent.person_id,
                # Same instant: the one recorded last wins, as it would for a person reading it.
                order_by=(ConsentEvent.at.desc(), ConsentEvent.id.desc()),
            ).label("rank"),
        )
        .where(ConsentEvent.purpose_id == purpose_id)
        .subquery("ranked")
    )
    withdrawn = sa.select(
        ranked.c.person_id.label("person_id"),
        sa.literal(SuppressionReason.CONSENT_WITHDRAWN.value, sa.String).label("reason"),
        ranked.c.at.label("since"),
    ).where(ranked.c.rank == 1, ranked.c.state == ConsentState.WITHDRAWN.value)
    restricted = sa.select(
        UseRestriction.person_id,
        sa.type_coerce(UseRestriction.kind, sa.String),
        UseRestriction.since,
    ).where(
        UseRestriction.lifted_at.is_(None),
        UseRestriction.kind.in_(sorted(CONTACT_SUPPRESSING_KINDS)),
        sa.or_(UseRestriction.purpose_id.is_(None), UseRestriction.purpose_id == purpose_id),
        sa.or_(UseRestriction.category.is_(None), UseRestriction.category == Category.CONTACT),
    )
    return sa.union_all(withdrawn, restricted).subquery("entries")


def suppression_statement(purpose: Purpose, *, since: datetime | None = None) -> sa.Select:
    """The list as one SELECT, oldest entry first (stable order for pages and syncs)."""
    entries = _entries(purpose.id)
    began = sa.type_coerce(sa.func.min(entries.c.since), UTCDateTime).label("since")
    stmt = (
        sa.select(Person.key, Person.email, Person.name, entries.c.reason, began)
        .join(Person, Person.id == entries.c.person_id)
        .group_by(Person.id, Person.key, Person.email, Person.name, entries.c.reason)
        .order_by(began, Person.key, entries.c.reason)
    )
    if since is not None:
        stmt = stmt.having(sa.func.min(entries.c.since) > sa.bindparam("since", since, UTCDateTime))
    return stmt


def stream_rows(stmt: sa.Select) -> Iterator[Suppression]:
    result = db.session.execute(stmt.execution_options(yield_per=_BATCH))
    try:
        for key, email, name, reason, began in result:
            yield Suppression(key, email, name, SuppressionReason(reason), began)
    finally:
        result.close()


def suppressed_for_purpose(purpose_key: str, *, since: datetime | None = None) -> Iterator[Suppression]:
    """Everyone not to be contacted for the purpose `purpose_key`, streamed from the database.

    Raises `UnknownPurpose` at once (not on the first row) when no purpose has that key.
    """
    purpose = purpose_by_key(purpose_key)
    return stream_rows(suppression_statement(purpose, since=since))


def count_suppressed(purpose: Purpose) -> int:
    inner = suppression_statement(purpose).order_by(None).subquery()
    return db.session.scalar(sa.select(sa.func.count()).select_from(inner)) or 0


# --- CSV --------------------------------------------------------------------------------------

def neutralise(cell: str) -> str:
    """Make a cell that a spreadsheet would run as a formula read as text (leading ')."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def csv_time(moment: datetime) -> str:
    """ISO 8601 in Japan time with its offset, e.g. 2026-04-01T09:30:00+09:00."""
    return moment.astimezone(JST).isoformat()


def csv_chunks(rows: Iterable[Suppression], counter: list[int] | None = None) -> Iterator[bytes]:
    """The CSV, UTF-8, header first, a few hundred rows per chunk; `counter[0]` counts rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    written = 0
    for row in rows:
        writer.writerow([neutralise(row.person_key), neutralise(row.email or ""), row.reason.value, csv_time(row.since)])
        written += 1
        if counter is not None:
            counter[0] = written
        if written % 500 == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


# --- reading it on screen and downloading it (staff) ------------------------------------------

@dataclass(frozen=True)
class SuppressionPage:
    purpose: Purpose
    rows: list[Suppression]
    page: int
    pages: int
    total: int


def view_suppressions(purpose_key: str, *, page: int, per_page: int, actor: Actor) -> SuppressionPage:
    """One page of the list for a staff member; seeing whom it names is audited."""
    purpose = purpose_by_key(purpose_key)
    total = count_suppressed(purpose)
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    rows = list(stream_rows(suppression_statement(purpose).limit(per_page).offset((page - 1) * per_page)))
    record("staff.viewed_suppressions", actor=actor, target_type="purpose", target_id=purpose.key,
           details={"purpose": purpose.key, "page": page, "rows": len(rows), "total": total})
    return SuppressionPage(purpose, rows, page, pages, total)


def export_for_download(purpose_key: str, *, actor: Actor) -> tuple[Purpose, Iterator[Suppression]]:
    """The whole list for a download; audited up front (with its size) as the stream has no end hook."""
    purpose = purpose_by_key(purpose_key)
    record("inventory.suppressions_exported", actor=actor, target_type="purpose", target_id=purpose.key,
           details={"purpose": purpose.key, "rows": count_suppressed(purpose), "since": None})
    return purpose, stream_rows(suppression_statement(purpose))


def suppressed_person_ids(purpose_id: int) -> sa.Select:
    """The ids of everyone on the list for one purpose, as a SELECT to use in other queries
    (a campaign leaves them out of its audience)."""
    return sa.select(_entries(purpose_id).c.person_id)
