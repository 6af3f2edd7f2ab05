"""Reading the audit log from the staff area: filter, page, verify and export — each audited.

The log only grows, so pages are cut by id (keyset pagination on the primary key): the
newest entries come first, and "older"/"newer" continue from the last/first id shown,
whatever the size of the table. Nothing here changes or deletes an entry.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Iterator

import sqlalchemy as sa

from portal.audit.models import AuditEntry
from portal.audit.services import Actor, ChainReport, record, verify_chain
from portal.common.time import JST
from portal.extensions import db
from portal.staff.models import StaffUser

PAGE_SIZE = 50
EXPORT_CHUNK = 1000


@dataclass(frozen=True)
class AuditFilter:
    """What the admin asked for; every field is optional (None = no condition)."""

    actor_type: str | None = None
    actor_id: str | None = None
    action: str | None = None  # a prefix: "staff." matches every staff action
    target_type: str | None = None
    target_id: str | None = None
    person_id: int | None = None
    date_from: date | None = None  # Japan dates, both ends included
    date_to: date | None = None

    def conditions(self) -> list[sa.ColumnElement[bool]]:
        found = []
        if self.actor_type:
            found.append(AuditEntry.actor_type == self.actor_type)
        if self.actor_id:
            found.append(AuditEntry.actor_id == self.actor_id)
        if self.action:
            found.append(AuditEntry.action.startswith(self.action, autoescape=True))
        if self.target_type:
            found.append(AuditEntry.target_type == self.target_type)
        if self.target_id:
            found.append(AuditEntry.target_id == self.target_id)
        if self.person_id is not None:
            found.append(AuditEntry.person_id == self.person_id)
        if self.date_from:
            found.append(AuditEntry.at >= _start_of_japan_day(self.date_from))
        if self.date_to:
            found.append(AuditEntry.at < _start_of_japan_day(self.date_to + timedelta(days=1)))
        return found

    def used(self) -> dict[str, Any]:
        """The conditions in force, for the audit entry that records this reading."""
        return {key: (value.isoformat() if isinstance(value, date) else value)
                for key, value in asdict(self).items() if value not in (None, "")}


def _start_of_japan_day(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=JST)


@dataclass(frozen=True)
class Page:
    entries: list[AuditEntry]
    has_newer: bool
    has_older: bool

    @property
    def newest_id(self) -> int | None:
        return self.entries[0].id if self.entries else None

    @property
    def oldest_id(self) -> int | None:
        return self.entries[-1].id if self.entries else None


def _exists(conditions) -> bool:
    return db.session.scalar(sa.select(sa.exists().where(*conditions))) is True


def find_page(filters: AuditFilter, *, before: int | None = None, after: int | None = None,
              size: int = PAGE_SIZE) -> Page:
    """One page, newest first: entries older than `before`, or the page just newer than `after`."""
    conditions = filters.conditions()
    stmt = sa.select(AuditEntry).where(*conditions)
    if after is not None:
        rows = list(db.session.scalars(stmt.where(AuditEntry.id > after).order_by(AuditEntry.id).limit(size + 1)))
        has_newer = len(rows) > size
        entries = list(reversed(rows[:size]))
        has_older = _exists([*conditions, AuditEntry.id <= after])
    else:
        if before is not None:
            stmt = stmt.where(AuditEntry.id < before)
        rows = list(db.session.scalars(stmt.order_by(AuditEntry.id.desc()).limit(size + 1)))
        has_older = len(rows) > size
        entries = rows[:size]
        has_newer = before is not None and _exists([*conditions, AuditEntry.id >= before])
    return Page(entries, has_newer=has_newer, has_older=has_older)


def staff_names(entries: list[AuditEntry]) -> dict[str, str]:
    """Staff actor id → name, for the entries on one page (one query)."""
    ids = {int(e.actor_id) for e in entries if e.actor_type == "staff" and (e.actor_id or "").isdigit()}
    if not ids:
        return {}
    rows = db.session.execute(sa.select(StaffUser.id, StaffUser.name).where(StaffUser.id.in_(ids)))
    return {str(user_id): name for user_id, name in rows}


# ---- audited readings --------------------------------------------------------------------

def browse(filters: AuditFilter, *, actor: Actor, before: int | None = None,
           after: int | None = None) -> Page:
    """A page of the log for an admin; the reading itself goes into the log (caller commits)."""
    page = find_page(filters, before=before, after=after)
    details: dict[str, Any] = {"filters": filters.used(), "shown": len(page.entries)}
    if before is not None:
        details["before"] = before
    if after is not None:
        details["after"] = after
    record("staff.viewed_audit_log", actor=actor, target_type="audit_log", details=details)
    return page


def check_chain(*, actor: Actor) -> ChainReport:
    """Walk the whole chain, then log that someone checked it and what they found."""
    report = verify_chain()
    record("staff.verified_audit_chain", actor=actor, target_type="audit_log",
           details={"intact": report.ok, "checked": report.checked, "first_broken_id": report.first_broken_id})
    return report


def start_export(filters: AuditFilter, *, actor: Actor) -> int:
    """Log the export (the caller commits before streaming); returns the id it stops below."""
    return record("staff.exported_audit_log", actor=actor, target_type="audit_log",
                  details={"filters": filters.used(), "format": "csv"})


def export_chunks(filters: AuditFilter, *, below: int) -> Iterator[list[AuditEntry]]:
    """Every matching entry older than `below`, newest first, in chunks read by id."""
    conditions = filters.conditions()
    cursor = below
    while True:
        chunk = list(db.session.scalars(
            sa.select(AuditEntry).where(*conditions, AuditEntry.id < cursor)
            .order_by(AuditEntry.id.desc()).limit(EXPORT_CHUNK)
        ))
        if not chunk:
            return
        yield chunk
        cursor = chunk[-1].id
        # Keep memory flat on a long export: these rows are not needed again.
        for entry in chunk:
            db.session.expunge(entry)
