"""Re-encrypting stored values under the active key, batch by batch, while the portal serves.

Every column of an encrypted type is found in the metadata, so a column added later is
rotated without anyone remembering to list it. Each batch is its own transaction and only
rows still under an old key are selected, so an interrupted run is resumed by running it
again. A row the portal rewrites meanwhile is left alone: the update only replaces the
exact ciphertext it read.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa

from portal.common.db import keyset_batches
from portal.encryption.cipher import decrypt, encrypt, key_id_of, keyring
from portal.encryption.files import rotate_files
from portal.encryption.types import EncryptedType
from portal.extensions import db

DEFAULT_BATCH = 500


def encrypted_columns() -> dict[sa.Table, list[sa.Column]]:
    found: dict[sa.Table, list[sa.Column]] = {}
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, EncryptedType)]
        if columns:
            found[table] = columns
    return found


def _raw(column: sa.Column):
    """The stored ciphertext, not the decrypted value."""
    return sa.type_coerce(column, sa.Text)


def _under_old_key(column: sa.Column, active_id: str):
    # substr rather than LIKE: '_' is a LIKE wildcard and may appear in key ids.
    prefix = f"{active_id}:"
    return sa.and_(column.is_not(None), sa.func.substr(_raw(column), 1, len(prefix)) != prefix)


def stale_counts() -> dict[str, int]:
    """Rows per table holding at least one value under a key other than the active one."""
    active = keyring().active_id
    counts = {}
    for table, columns in encrypted_columns().items():
        condition = sa.or_(*[_under_old_key(c, active) for c in columns])
        counts[table.name] = db.session.scalar(sa.select(sa.func.count()).select_from(table).where(condition))
    db.session.rollback()
    return counts


@dataclass
class RotationReport:
    rewritten: dict[str, int] = field(default_factory=dict)  # table → values re-encrypted
    files: int = 0

    @property
    def values(self) -> int:
        return sum(self.rewritten.values())


def rotate(batch_size: int = DEFAULT_BATCH, *, progress: Callable[[str, int], None] | None = None) -> RotationReport:
    """Re-encrypt every value (and stored file) not under the active key; commits per batch."""
    report = RotationReport()
    for table, columns in encrypted_columns().items():
        report.rewritten[table.name] = _rotate_table(table, columns, batch_size, progress)
    report.files = rotate_files(batch_size)
    return report


def _rotate_table(table: sa.Table, columns: list[sa.Column], batch_size: int, progress) -> int:
    ring = keyring()
    (key,) = table.primary_key.columns
    stale = sa.or_(*[_under_old_key(c, ring.active_id) for c in columns])
    stmt = sa.select(key, *[_raw(c).label(c.name) for c in columns]).where(stale)
    done = 0
    for rows in keyset_batches(stmt, key, batch_size):
        for row in rows:
            done += _rotate_row(table, key, columns, row, ring)
        db.session.commit()
        if progress:
            progress(table.name, done)
    return done


def _rotate_row(table, key, columns, row, ring) -> int:
    old = {c.name: getattr(row, c.name) for c in columns}
    new = {
        name: encrypt(decrypt(value, column.type.context, ring), column.type.context, ring)
        for (name, value), column in zip(old.items(), columns)
        if value is not None and key_id_of(value) != ring.active_id
    }
    if not new:
        return 0
    # Compare-and-set on the ciphertext read: a value the portal rewrote since is kept.
    stmt = sa.update(table).where(key == row[0], *[_raw(table.c[name]) == old[name] for name in new])
    result = db.session.execute(stmt.values({table.c[name]: sa.literal(v, sa.Text) for name, v in new.items()}))
    return len(new) if result.rowcount else 0

