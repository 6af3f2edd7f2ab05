"""Column types that behave the same on SQLite and PostgreSQL."""
from __future__ import annotations

import operator
from datetime import datetime, timezone
from typing import Callable, Sequence

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator

from portal.extensions import db


class UTCDateTime(TypeDecorator):
    """Stores naive UTC, hands back aware UTC; refuses naive input so no local time slips in."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UTCDateTime needs a timezone-aware datetime")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)

    def bulk_processor(self, dialect):
        """For bulk inserts on SQLite: what this type and SQLite's DATETIME do, in one step."""
        if dialect.name != "sqlite":
            return None
        last = [None, None]  # bulk rows often repeat a time (their created_at): the last one is kept

        def process(value):
            if value is None:
                return None
            if value is not last[0]:
                last[:] = value, value.astimezone(timezone.utc).replace(tzinfo=None).isoformat(" ", "microseconds")
            return last[1]

        return process


def str_enum(enum_cls, length: int = 32) -> sa.Enum:
    """A portable enum column: VARCHAR holding the enum's values, validated in Python."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


def use_real_sqlite_transactions() -> None:
    """Make SQLite savepoints live inside a real transaction.

    The sqlite3 driver opens its transaction lazily, before the first write. A SAVEPOINT
    issued before any write therefore starts the outermost transaction itself, and its
    RELEASE commits — so a later rollback could not undo it. Beginning the transaction
    explicitly just before such a savepoint keeps the outer rollback meaningful; plain
    reads keep the driver's lazy behaviour (no read locks held between writes).
    """
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    if getattr(use_real_sqlite_transactions, "done", False):
        return

    @event.listens_for(Engine, "savepoint")
    def _begin_before_first_savepoint(connection, name):
        if connection.dialect.name != "sqlite":
            return
        if not connection.connection.driver_connection.in_transaction:
            connection.exec_driver_sql("BEGIN")

    use_real_sqlite_transactions.done = True


def keyset_batches(stmt, key, batch_size: int):
    """The rows of `stmt` in `key` order, one batch at a time, for work that commits between
    batches: each batch starts after the last key seen, so it never rereads or skips a row."""
    last = None
    while True:
        page = stmt.order_by(key).limit(batch_size)
        if last is not None:
            page = page.where(key > last)
        rows = db.session.execute(page).all()
        if not rows:
            db.session.rollback()
            return
        yield rows
        last = rows[-1][0]


def use_sqlite_write_ahead_log() -> None:
    """SQLite files in write-ahead-log mode, still synced at every commit.

    In the default rollback-journal mode a writer locks readers out and every commit syncs
    the database and its journal several times (0.8 ms here, and every staff page commits
    its audit entry); with the log, readers carry on while one request writes, and a commit
    syncs the log once (0.24 ms). `synchronous=FULL` keeps a committed audit entry on disk
    through a power cut. In-memory databases stay as they are.
    """
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    if getattr(use_sqlite_write_ahead_log, "done", False):
        return

    @event.listens_for(Engine, "connect")
    def _write_ahead_log(dbapi_connection, connection_record):
        if type(dbapi_connection).__module__ != "sqlite3":
            return
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    use_sqlite_write_ahead_log.done = True


def insert_many(table: sa.Table, rows: Sequence[dict]) -> None:
    """Insert many rows without returning anything: COPY on PostgreSQL, one executemany on SQLite.

    Both bypass SQLAlchemy's per-row INSERT machinery, so they do what it would: fill Python-side
    column defaults (a column missing from a row gets its default or NULL) and run each column
    type's bind processing (enums, UTC times, JSON, encryption). A type may offer a faster
    processor for many values, `bulk_processor(dialect)` (the encrypted types look the keyring
    up once, not once per value).
    """
    if not rows:
        return
    connection = db.session.connection()
    dialect = connection.dialect
    columns, to_values = _row_values(table, set().union(*rows), dialect)
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(column.name) for column in columns)
    driver = connection.connection.driver_connection
    values = map(to_values, rows)
    if dialect.name == "postgresql":
        with driver.cursor() as cursor, cursor.copy(f"COPY {quote(table.name)} ({names}) FROM STDIN") as copy:
            for row in values:
                copy.write_row(row)
    elif dialect.name == "sqlite":
        cursor = driver.cursor()
        try:
            cursor.executemany(f"INSERT INTO {quote(table.name)} ({names}) VALUES ({', '.join('?' * len(columns))})",
                               values)
        finally:
            cursor.close()
    else:
        connection.execute(sa.insert(table), list(rows))


def _row_values(table: sa.Table, names: set[str], dialect) -> tuple[list[sa.Column], Callable[[dict], tuple]]:
    """The columns to write and a function from a row (dict) to the tuple of their values."""
    given, made = [], []  # (column, bind processor) for values in the rows; (column, default, processor)
    for column in table.columns:
        default = python_default(column)
        if column.name not in names and default is None:
            continue
        bulk = getattr(column.type, "bulk_processor", None)
        process = (bulk(dialect) if bulk else None) or column.type.dialect_impl(dialect).bind_processor(dialect)
        if column.name in names:
            given.append((column, process))
        else:
            made.append((column, default, process))
    columns = [column for column, _ in given] + [column for column, _, _ in made]
    if len(given) > 1 and not made and not any(process for _, process in given):
        return columns, operator.itemgetter(*(column.name for column, _ in given))  # plain values: links
    cells = [(column.name, process) for column, process in given]
    defaults = [(make, process) for _, make, process in made]

    # A million rows pass through here per import: one comprehension per row, no call per cell
    # but the processors'.
    def to_values(row: dict) -> tuple:
        get = row.get
        values = [get(name) if process is None else process(get(name)) for name, process in cells]
        if defaults:
            values += [make() if process is None else process(make()) for make, process in defaults]
        return tuple(values)

    return columns, to_values


def python_default(column: sa.Column):
    """A zero-argument function giving the column's Python-side default, or None."""
    default = column.default
    if default is None:
        return None
    if default.is_callable:
        return lambda: default.arg(None)  # SQLAlchemy wraps the callable to take a context
    if default.is_scalar:
        return lambda: default.arg
    return None
