"""Writing and verifying the audit log.

Every entry's hash covers its content and the previous entry's hash, so changing or
deleting any row breaks the chain from there on; `audit-verify` finds the first break.
Deleting the LAST rows breaks no link, so a signed head checkpoint (`AuditHead`, updated
with every append) names the newest entry and the number of entries; a shorter chain shows.
"""
from __future__ import annotations

import getpass
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any, Iterator

import sqlalchemy as sa
from flask import has_request_context, request
from flask_sqlalchemy.session import Session

from portal.audit.models import AuditEntry, AuditHead
from portal.common.time import utcnow
from portal.encryption.cipher import keyring
from portal.extensions import db

GENESIS_HASH = "0" * 64
# Any constant works; it names the advisory lock that serialises the first appends to an empty log
# on PostgreSQL (later ones lock the head's row).
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


# What an entry's hash covers: all of it but its id and the hash itself.
HASHED = ("at", "actor_type", "actor_id", "action", "target_type", "target_id", "person_id", "ip", "details",
          "prev_hash")


def _hash(values: dict[str, Any]) -> str:
    payload = {**values, "at": values["at"].isoformat(timespec="microseconds")}
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _entry_hash(entry: AuditEntry) -> str:
    return _hash({name: getattr(entry, name) for name in HASHED})


def _lock_chain() -> None:
    """Serialise appends so two transactions never link to the same predecessor.

    Taken once per transaction: it is held until the transaction ends (the statement's
    autoflush writes what is pending before it, so rows are locked before the chain in every
    transaction; once the chain is held, that order no longer matters)."""
    if db.session.info.get(LOCKED_KEY):
        return
    if db.session.get_bind().dialect.name == "postgresql":
        # The head's row lock: FOR UPDATE waits for an append in progress and then reads the head
        # it wrote, so the lock and the read take one round trip. An empty log has no head row
        # to lock yet: the first appends queue on an advisory lock, and whoever comes after the
        # first one finds the row it wrote and locks that.
        head = _head_for_update()
        if head is None:
            db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": _CHAIN_LOCK_ID})
            head = _head_for_update()
        if head is not None:
            db.session.info[HEAD_KEY] = head
    else:
        # SQLite has one writer at a time, but a request that has not written yet reads the head
        # outside any write: two workers then linked to the same predecessor (the chain forked,
        # and an identical entry was refused as a duplicate). A write that changes nothing takes
        # the database's write lock first, waiting for the other writer's commit.
        db.session.execute(sa.text("UPDATE audit_head SET id = id WHERE id = :id"), {"id": HEAD_ID})
    db.session.info[LOCKED_KEY] = True


def _head_for_update() -> AuditHead | None:
    return db.session.scalars(
        sa.select(AuditHead).where(AuditHead.id == HEAD_ID).with_for_update()
        .execution_options(populate_existing=True)
    ).first()


_INSERT_ENTRY = sa.insert(AuditEntry.__table__)


def record(
    action: str,
    *,
    actor: Actor,
    target_type: str | None = None,
    target_id: Any = None,
    person_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> int:
    """Add an audit entry to the current transaction (the caller commits with its change);
    returns the entry's id."""
    _lock_chain()
    head = db.session.info.get(HEAD_KEY)
    if head is None:
        with db.session.no_autoflush:  # what is pending stays for the caller's next flush (or commit)
            head = db.session.get(AuditHead, HEAD_ID)
        if head is not None:
            # Held until the transaction ends: the session keeps loaded rows only while something
            # refers to them, and a second entry in the same transaction would read the head again.
            db.session.info[HEAD_KEY] = head
    # Linking to the head, not to whatever row is last, makes entries cut off the end break
    # the link of the next one written, on top of the head's count no longer matching.
    last_hash = head.last_hash if head else db.session.scalar(
        sa.select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)
    )
    values = {
        # Microsecond precision survives both databases, so the hash recomputes exactly.
        "at": utcnow(),
        "actor_type": actor.type,
        "actor_id": None if actor.id is None else str(actor.id),
        "action": action,
        "target_type": target_type,
        "target_id": None if target_id is None else str(target_id),
        "person_id": person_id,
        "ip": request.remote_addr if has_request_context() else None,
        "details": details or {},
        "prev_hash": last_hash or GENESIS_HASH,
    }
    values["hash"] = entry_hash = _hash(values)
    # A plain INSERT, not the ORM's unit of work: an entry is never changed once written, and
    # a flush of everything pending for each entry was a third of an API call's time.
    entry_id = db.session.connection().execute(_INSERT_ENTRY, values).inserted_primary_key[0]
    _advance_head(head, entry_id, entry_hash)
    return entry_id


HEAD_ID = 1
HEAD_KEY = "audit.head"
LOCKED_KEY = "audit.chain_locked"


def _forget_chain(session) -> None:
    session.info.pop(HEAD_KEY, None)
    session.info.pop(LOCKED_KEY, None)


@sa.event.listens_for(Session, "after_transaction_end")
def _transaction_over(session, transaction) -> None:
    if transaction.parent is None:  # committed, rolled back or closed: the lock is gone
        _forget_chain(session)


@sa.event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session, previous_transaction) -> None:
    # Any rollback, a savepoint's too: a lock taken inside a rolled-back savepoint is released.
    _forget_chain(session)


def head_mac(last_id: int, last_hash: str, entries: int) -> str:
    """The checkpoint's signature; the key is not in the database, so rows alone cannot forge it."""
    message = f"audit-head:{last_id}:{last_hash}:{entries}".encode()
    return hmac.new(keyring().index_key, message, hashlib.sha256).hexdigest()


def _advance_head(head: AuditHead | None, entry_id: int, entry_hash: str) -> None:
    """Move the checkpoint to the entry just written (the chain lock is held, so no one else moves it)."""
    if head is None:
        # An empty log (the migration made the head of any log that existed before it).
        count = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
        head = AuditHead(id=HEAD_ID, entries=count - 1)
        db.session.add(head)
    head.last_id, head.last_hash, head.entries = entry_id, entry_hash, head.entries + 1
    head.mac = head_mac(head.last_id, head.last_hash, head.entries)
    if sa.inspect(head).pending:
        db.session.flush()  # so the next entry's look-up finds it
    # Otherwise written with the caller's next flush or its commit, inside the chain lock all the same.


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_broken_id: int | None
    reason: str | None
    # For "last entries deleted": what the checkpoint says the log ended with.
    head_last_id: int | None = None
    head_entries: int | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None

    def describe(self) -> str:
        """One line for the CLI and the operator's log."""
        if self.ok:
            return f"audit log intact: {self.checked} entries checked"
        if self.first_broken_id is not None:
            return (f"audit log BROKEN at entry {self.first_broken_id}: {self.reason} "
                    f"({self.checked} entries before it are intact)")
        if self.reason == TAIL_DELETED:
            return (f"audit log BROKEN at its end: the last entries were deleted — the signed checkpoint "
                    f"names entry {self.head_last_id} as the newest of {self.head_entries} entries, "
                    f"but the log holds {self.checked}")
        return f"audit log BROKEN: {self.reason} ({self.checked} entries checked)"


TAIL_DELETED = "last entries deleted"
HEAD_MISSING = "head checkpoint missing"
HEAD_ALTERED = "head checkpoint altered"


def _entries_in_order() -> Iterator[AuditEntry]:
    stmt = sa.select(AuditEntry).order_by(AuditEntry.id).execution_options(yield_per=2000)
    yield from db.session.scalars(stmt)


def verify_chain() -> ChainReport:
    """Walk the log in order and name the first entry whose link or content does not match,
    then check that the chain still reaches the signed head checkpoint."""
    expected_prev = GENESIS_HASH
    checked = 0
    last_id = None
    for entry in _entries_in_order():
        if entry.prev_hash != expected_prev:
            return ChainReport(checked, entry.id, "previous entry missing or changed")
        if _entry_hash(entry) != entry.hash:
            return ChainReport(checked, entry.id, "entry content changed")
        expected_prev = entry.hash
        last_id = entry.id
        checked += 1
    return _check_head(checked, last_id, expected_prev)


def _check_head(checked: int, last_id: int | None, last_hash: str) -> ChainReport:
    head = db.session.get(AuditHead, HEAD_ID)
    if head is None:
        return ChainReport(checked, None, HEAD_MISSING if checked else None)
    if not hmac.compare_digest(head.mac, head_mac(head.last_id, head.last_hash, head.entries)):
        return ChainReport(checked, None, HEAD_ALTERED)
    if (last_id, last_hash, checked) != (head.last_id, head.last_hash, head.entries):
        return ChainReport(checked, None, TAIL_DELETED, head_last_id=head.last_id, head_entries=head.entries)
    return ChainReport(checked, None, None)
