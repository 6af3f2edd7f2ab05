"""Batches of keys for look-ups, and bulk inserts that hand back the new rows' ids."""
from __future__ import annotations

from typing import Iterable, Iterator, Sequence

import sqlalchemy as sa

from portal.common.db import insert_many
from portal.extensions import db

CHUNK = 1000  # keys per IN (...) look-up


def chunked(values: Iterable, size: int = CHUNK) -> Iterator[list]:
    batch: list = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def insert_with_new_ids(table: sa.Table, rows: Sequence[dict]) -> list[int]:
    """Insert rows and return their new ids in input order (each row gets its "id").

    Asking the database to RETURN the ids of a large insert in order is slow (SQLite does it
    row by row; psycopg parses huge statements), so the ids are reserved first and the rows
    inserted with them in bulk. PostgreSQL hands out a block from the table's sequence, which
    is safe with concurrent writers. SQLite returns the first row's id; the insert takes
    SQLite's single write lock until commit, so the ids after it stay free for the rest.
    """
    if not rows:
        return []
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        ids = list(db.session.scalars(
            sa.text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :count)"),
            {"table": table.name, "count": len(rows)},
        ))
        for row, new_id in zip(rows, ids):
            row["id"] = new_id
        insert_many(table, rows)
        return ids
    if dialect == "sqlite":
        first = db.session.scalar(sa.insert(table).returning(table.c.id), dict(rows[0]))
        ids = list(range(first, first + len(rows)))
        for row, new_id in zip(rows, ids):
            row["id"] = new_id
        insert_many(table, rows[1:])
        return ids
    stmt = sa.insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(db.session.scalars(stmt, list(rows)))
