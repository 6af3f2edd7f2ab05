"""Writing and verifying the audit log.

Every entry's hash covers its content and the previous entry's hash, so changing or
deleting any row breaks the chain from there on; `audit-verify` finds the first break.
"""
from __future__ import annotations

import getpass
import hashlib
import json
from dataclasses import dataclass
from typing import Any, Iterator

import sqlalchemy as sa
from flask import has_request_context, request

from portal.audit.models import AuditEntry
from portal.common.time import utcnow
from portal.extensions import db

GENESIS_HASH = "0" * 64
# Any constant works; it names the advisory lock that serialises chain appends on PostgreSQL.
_CHAIN_LOCK_ID = 0x6D61646F


@dataclass(frozen=True)
class Actor:
    """Who did something: `system`, `cli`, `customer`, `staff` or `api`, and their id."""

    type: str
    id: str | None = None

    @classmethod
    def cli(cls) -> "Actor":
        try:
            user = getpass.getuser()
        except (KeyError, OSError):
            user = None
        return cls("cli", user)

    @classmethod
    def system(cls) -> "Actor":
        return cls("system", None)


def _entry_hash(entry: AuditEntry) -> str:
    payload = {
        "at": entry.at.isoformat(timespec="microseconds"),
        "actor_type": entry.actor_type,
        "actor_id": entry.actor_id,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "person_id": entry.person_id,
        "ip": entry.ip,
        "details": entry.details,
        "prev_hash": entry.prev_hash,
    }
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _lock_chain() -> None:
    """Serialise appends so two transactions never link to the same predecessor."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": _CHAIN_LOCK_ID})


def record(
    action: str,
    *,
    actor: Actor,
    target_type: str | None = None,
    target_id: Any = None,
    person_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add an audit entry to the current transaction (the caller commits with its change)."""
    _lock_chain()
    last_hash = db.session.scalar(
        sa.select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)
    )
    entry = AuditEntry(
        # Microsecond precision survives both databases, so the hash recomputes exactly.
        at=utcnow(),
        actor_type=actor.type,
        actor_id=None if actor.id is None else str(actor.id),
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        person_id=person_id,
        ip=request.remote_addr if has_request_context() else None,
        details=details or {},
        prev_hash=last_hash or GENESIS_HASH,
    )
    entry.hash = _entry_hash(entry)
    db.session.add(entry)
    db.session.flush()
    return entry


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_broken_id: int | None
    reason: str | None

    @property
    def ok(self) -> bool:
        return self.first_broken_id is None


def _entries_in_order() -> Iterator[AuditEntry]:
    stmt = sa.select(AuditEntry).order_by(AuditEntry.id).execution_options(yield_per=2000)
    yield from db.session.scalars(stmt)


def verify_chain() -> ChainReport:
    """Walk the log in order and name the first entry whose link or content does not match."""
    expected_prev = GENESIS_HASH
    checked = 0
    for entry in _entries_in_order():
        if entry.prev_hash != expected_prev:
            return ChainReport(checked, entry.id, "previous entry missing or changed")
        if _entry_hash(entry) != entry.hash:
            return ChainReport(checked, entry.id, "entry content changed")
        expected_prev = entry.hash
        checked += 1
    return ChainReport(checked, None, None)
