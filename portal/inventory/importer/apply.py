"""Writing validated records in bulk: inserts for new keys, updates only where something changed.

Everything runs in the caller's transaction; nothing here commits.
"""
from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timezone
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Sequence

import sqlalchemy as sa

# COPY on PostgreSQL, executemany elsewhere (shared with campaigns and the benchmarks).
from portal.common.db import insert_many as _bulk_insert
from portal.encryption.blind import email_index
from portal.extensions import db
from portal.inventory.aliases import canonical_person_id
from portal.inventory.amounts import line_amount
from portal.inventory.erasure import ItemTombstone, erased_person_keys
from portal.inventory.importer.parse import KnownKeys, ParsedFile, References
from portal.inventory.models import (
    ConsentEvent,
    Item,
    Person,
    Provision,
    Purpose,
    Source,
    item_purpose,
    person_indexes,
)

CHUNK = 1000


def chunked(values: Iterable, size: int = CHUNK) -> Iterator[list]:
    batch: list = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def load_known_keys(refs: References) -> KnownKeys:
    """Which of the keys and emails the file mentions already exist in the database."""
    known = KnownKeys()
    for model, wanted, target in (
        (Source, refs.sources, known.sources),
        (Purpose, refs.purposes, known.purposes),
        (Person, refs.persons, known.persons),
    ):
        for batch in chunked(wanted):
            target.update(db.session.scalars(sa.select(model.key).where(model.key.in_(batch))))
    for batch in chunked(refs.emails):
        by_index = {email_index(email): email for email in batch}
        rows = db.session.execute(sa.select(Person.email_index, Person.key).where(Person.email_index.in_(by_index)))
        known.email_owner.update((by_index[index], key) for index, key in rows)
    return known


@dataclass
class Changes:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    # Item lines the file still holds but a person had erased: not brought back.
    not_restored: int = 0
    # Person lines of persons erased in full: their register entry stays a tombstone.
    not_restored_persons: int = 0

    def note(self, kind: str, created: int, updated: int = 0) -> None:
        self.created[kind] = self.created.get(kind, 0) + created
        self.updated[kind] = self.updated.get(kind, 0) + updated


def _upsert_by_key(model, rows: Sequence[dict], fields: Sequence[str]) -> tuple[dict[str, int], int, int]:
    """Insert rows whose key is new, update rows whose fields differ; return key → id."""
    columns = [getattr(model, name) for name in fields]
    existing: dict[str, sa.Row] = {}
    for batch in chunked([row["key"] for row in rows]):
        stmt = sa.select(model.id, model.key, *columns).where(model.key.in_(batch))
        existing.update((row.key, row) for row in db.session.execute(stmt))
    ids = {key: row.id for key, row in existing.items()}
    new_rows = [row for row in rows if row["key"] not in existing]
    changed = [
        {"id": existing[row["key"]].id, **{name: row[name] for name in fields}}
        for row in rows
        if row["key"] in existing
        and any(getattr(existing[row["key"]], name) != row[name] for name in fields)
    ]
    ids.update(_insert_returning_ids(model, new_rows, key_column="key"))
    if changed:
        db.session.execute(sa.update(model), changed)
    return ids, len(new_rows), len(changed)


def _insert_returning_ids(model, rows: Sequence[dict], *, key_column: str | None) -> dict:
    """Bulk insert; map each row's key (or its position) to the new id, in input order."""
    if not rows:
        return {}
    new_ids = _insert_with_new_ids(model.__table__, rows)
    if key_column is None:
        return dict(enumerate(new_ids))
    return {row[key_column]: new_id for row, new_id in zip(rows, new_ids)}


def _insert_with_new_ids(table: sa.Table, rows: Sequence[dict]) -> list[int]:
    """Insert rows and return their new ids in input order.

    Asking the database to RETURN the ids of a large insert in order is the slowest part of
    an import (SQLite does it row by row; psycopg parses huge statements), so the ids are
    reserved first and the rows inserted with them in bulk. PostgreSQL hands out a block
    from the table's sequence, which is safe with concurrent writers. SQLite returns the
    first row's id; the insert takes SQLite's single write lock until commit, so the ids
    after it stay free for the rest.
    """
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        ids = list(db.session.scalars(
            sa.text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :count)"),
            {"table": table.name, "count": len(rows)},
        ))
        _bulk_insert(table, _with_ids(rows, ids))
        return ids
    if dialect == "sqlite":
        first = db.session.scalar(sa.insert(table).returning(table.c.id), dict(rows[0]))
        ids = list(range(first, first + len(rows)))
        _bulk_insert(table, _with_ids(rows[1:], ids[1:]))
        return ids
    stmt = sa.insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(db.session.scalars(stmt, list(rows)))


def _with_ids(rows: Sequence[dict], ids: Sequence[int]) -> list[dict]:
    return [{**row, "id": new_id} for row, new_id in zip(rows, ids)]


SOURCE_FIELDS = ("kind", "name_ja", "name_en", "obtained_on", "provider", "provider_obtained_by", "note",
                 "obtained_via_opt_out", "provider_opt_out_filed_on")
PURPOSE_FIELDS = ("title_ja", "title_en", "description_ja", "description_en", "consent_required", "channel")
PERSON_FIELDS = ("email", "name", "name_kana", "phone", "birthdate", "customer_number",
                 "email_index", "name_index", "name_kana_index", "phone_index", "customer_number_index")
ITEM_FIELDS = ("person_id", "category", "field", "value", "amount", "source_id", "collected_at", "retain_until")
# What makes a keyless line the same line (the amount follows from the value).
KEYLESS_ITEM_IDENTITY = tuple(name for name in ITEM_FIELDS if name != "amount")
PROVISION_FIELDS = (
    "person_id", "recipient_name", "recipient_address", "recipient_representative",
    "provided_at", "basis", "items",
)


class KeyMaps:
    """key → id for sources, purposes and persons, filled from the database on demand."""

    def __init__(self) -> None:
        self.sources: dict[str, int] = {}
        self.purposes: dict[str, int] = {}
        self.persons: dict[str, int] = {}

    def fill(self, model, target: dict[str, int], keys: set[str]) -> None:
        # A person key merged away (名寄せ) resolves to its survivor: its lines land there.
        id_column = canonical_person_id() if model is Person else model.id
        missing = [key for key in keys if key not in target]
        for batch in chunked(missing):
            target.update((key, id_) for key, id_ in db.session.execute(sa.select(model.key, id_column).where(model.key.in_(batch))))


def _rows(parsed: ParsedFile, kind: str) -> list[dict]:
    return [clean for _, clean in parsed.records[kind]]


def _person_rows(parsed: ParsedFile, changes: Changes) -> list[dict]:
    """Person rows with their blind indexes (bulk writes bypass the ORM that keeps them).

    A person erased in full stays a tombstone: an older CRM export does not refill it."""
    rows = _rows(parsed, "person")
    erased = erased_person_keys(row["key"] for row in rows)
    changes.not_restored_persons += sum(row["key"] in erased for row in rows)
    return [{**row, **person_indexes(row)} for row in rows if row["key"] not in erased]


def apply_records(parsed: ParsedFile) -> Changes:
    """Write every validated record; the caller owns the transaction."""
    changes = Changes()
    maps = KeyMaps()
    for kind, model, fields, target, rows in (
        ("source", Source, SOURCE_FIELDS, maps.sources, _rows(parsed, "source")),
        ("purpose", Purpose, PURPOSE_FIELDS, maps.purposes, _rows(parsed, "purpose")),
        ("person", Person, PERSON_FIELDS, maps.persons, _person_rows(parsed, changes)),
    ):
        ids, created, updated = _upsert_by_key(model, rows, fields)
        # Person records of a merged-away key update that alias row (how the person is found
        # under the old key and address); what refers to the key is resolved below, by `fill`.
        target.update(ids if model is not Person else {})
        changes.note(kind, created, updated)

    references = [*_rows(parsed, "item"), *_rows(parsed, "consent"), *_rows(parsed, "provision")]
    maps.fill(Person, maps.persons, {row["person"] for row in references})
    maps.fill(Source, maps.sources, {row["source"] for row in references if row.get("source")})
    maps.fill(
        Purpose,
        maps.purposes,
        {p for row in _rows(parsed, "item") for p in row["purposes"]}
        | {row["purpose"] for row in _rows(parsed, "consent")},
    )
    _apply_items(_rows(parsed, "item"), maps, changes)
    _apply_consents(_rows(parsed, "consent"), maps, changes)
    _apply_provisions(_rows(parsed, "provision"), maps, changes)
    return changes


def _item_row(row: dict, maps: KeyMaps) -> dict:
    return {
        "key": row["key"],
        "person_id": maps.persons[row["person"]],
        "category": row["category"],
        "field": row["field"],
        "value": row["value"],
        "amount": line_amount(row["category"], row["value"]),
        "source_id": maps.sources[row["source"]] if row["source"] else None,
        "collected_at": row["collected_at"],
        "retain_until": row["retain_until"],
    }


def _apply_items(rows: list[dict], maps: KeyMaps, changes: Changes) -> None:
    kept = _without_erased(rows, maps)
    changes.not_restored += len(rows) - len(kept)
    keyed = [row for row in kept if row["key"] is not None]
    keyless = [row for row in kept if row["key"] is None]
    purpose_ids = lambda row: {maps.purposes[p] for p in row["purposes"]}  # noqa: E731

    ids, created, updated = _upsert_by_key(Item, [_item_row(r, maps) for r in keyed], ITEM_FIELDS)
    links: list[dict] = []
    # Purposes of existing keyed items are replaced only where they differ.
    current: dict[int, set[int]] = {}
    for batch in chunked(ids.values()):
        stmt = sa.select(item_purpose.c.item_id, item_purpose.c.purpose_id).where(item_purpose.c.item_id.in_(batch))
        for item_id, purpose_id in db.session.execute(stmt):
            current.setdefault(item_id, set()).add(purpose_id)
    stale: list[int] = []
    purposes_changed = 0
    for row in keyed:
        item_id, wanted = ids[row["key"]], purpose_ids(row)
        if current.get(item_id, set()) != wanted:
            if item_id in current:
                stale.append(item_id)
                purposes_changed += 1
            links.extend({"item_id": item_id, "purpose_id": p} for p in wanted)
    for batch in chunked(stale):
        db.session.execute(sa.delete(item_purpose).where(item_purpose.c.item_id.in_(batch)))

    keyless_rows = [_item_row(r, maps) for r in keyless]
    fresh = _not_yet_imported(Item, KEYLESS_ITEM_IDENTITY, keyless_rows)
    keyless = [keyless[i] for i in fresh]
    new_ids = _insert_returning_ids(Item, [keyless_rows[i] for i in fresh], key_column=None)
    for position, row in enumerate(keyless):
        links.extend({"item_id": new_ids[position], "purpose_id": p} for p in purpose_ids(row))
    _bulk_insert(item_purpose, links)
    # An item whose only change is its purposes still counts as updated.
    changes.note("item", created + len(keyless), max(updated, purposes_changed))


def _without_erased(rows: list[dict], maps: KeyMaps) -> list[dict]:
    """The rows minus what a person had erased: a CRM export made before (or without) the
    erasure must not bring it back.

    A keyed line is erased when a tombstone holds its key and no item does. A keyless line
    (a purchase) is erased when its person had that kind of line erased at or after the time
    it was collected: it was among the lines erased then, or (collected earlier but loaded
    only now) it would have been.
    """
    keys = [row["key"] for row in rows if row["key"] is not None]
    buried: set[str] = set()
    for batch in chunked(keys):
        buried.update(db.session.scalars(sa.select(ItemTombstone.item_key).where(ItemTombstone.item_key.in_(batch))))
    for batch in chunked(list(buried)):
        buried.difference_update(db.session.scalars(sa.select(Item.key).where(Item.key.in_(batch))))
    erased_until: dict[tuple, object] = {}
    person_ids = {maps.persons[row["person"]] for row in rows if row["key"] is None}
    for batch in chunked(person_ids):
        stmt = (sa.select(ItemTombstone.person_id, ItemTombstone.category, ItemTombstone.field,
                          sa.func.max(ItemTombstone.erased_at))
                .where(ItemTombstone.person_id.in_(batch), ItemTombstone.item_key.is_(None))
                .group_by(ItemTombstone.person_id, ItemTombstone.category, ItemTombstone.field))
        for person_id, category, field_name, erased_at in db.session.execute(stmt):
            erased_until[(person_id, str(category), field_name)] = _as_utc(erased_at)

    def erased(row: dict) -> bool:
        if row["key"] is not None:
            return row["key"] in buried
        until = erased_until.get((maps.persons[row["person"]], str(row["category"]), row["field"]))
        return until is not None and (row["collected_at"] is None or row["collected_at"] <= until)

    return [row for row in rows if not erased(row)]


def _as_utc(value):
    """SQLite's max() hands back the stored text or a naive time; tombstones are in UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value is None or value.tzinfo else value.replace(tzinfo=timezone.utc)


def _fingerprint(row, fields: Sequence[str]) -> tuple:
    """What makes two keyless rows the same line (purchase lines have no key of their own)."""
    return tuple(
        json.dumps(row[name], sort_keys=True, ensure_ascii=False) if isinstance(row[name], (dict, list))
        else str(row[name]) if row[name] is not None else None
        for name in fields
    )


def _not_yet_imported(model, fields: Sequence[str], keyless: list[dict]) -> list[int]:
    """Positions of the keyless rows to add: all of them, except those an earlier import added.

    Lines are counted, so a file that holds the same purchase twice still adds two rows,
    and importing that file again adds none.
    """
    if not keyless:
        return []
    in_database: Counter = Counter()
    columns = [getattr(model, name) for name in fields]
    for batch in chunked({row["person_id"] for row in keyless}):
        stmt = sa.select(*columns).where(model.person_id.in_(batch), model.key.is_(None))
        for found in db.session.execute(stmt).mappings():
            in_database[_fingerprint(found, fields)] += 1
    if not in_database:  # nothing keyless is stored for these persons: every line is new
        return list(range(len(keyless)))
    fresh = []
    for position, row in enumerate(keyless):
        fingerprint = _fingerprint(row, fields)
        if in_database[fingerprint] > 0:
            in_database[fingerprint] -= 1
        else:
            fresh.append(position)
    return fresh


def _apply_consents(rows: list[dict], maps: KeyMaps, changes: Changes) -> None:
    """Consents append; an identical event (person, purpose, state, time) is not added twice."""
    person_ids = {maps.persons[row["person"]] for row in rows}
    existing: set[tuple] = set()
    for batch in chunked(person_ids):
        stmt = sa.select(
            ConsentEvent.person_id, ConsentEvent.purpose_id, ConsentEvent.state, ConsentEvent.at
        ).where(ConsentEvent.person_id.in_(batch))
        existing.update(tuple(row) for row in db.session.execute(stmt))
    new_rows = []
    for row in rows:
        event = {
            "person_id": maps.persons[row["person"]],
            "purpose_id": maps.purposes[row["purpose"]],
            "state": row["state"],
            "at": row["at"],
            "method": row["method"],
            "source_id": maps.sources[row["source"]] if row["source"] else None,
        }
        identity = (event["person_id"], event["purpose_id"], event["state"], event["at"])
        if identity not in existing:
            existing.add(identity)
            new_rows.append(event)
    _bulk_insert(ConsentEvent.__table__, new_rows)
    changes.note("consent", len(new_rows))


def _apply_provisions(rows: list[dict], maps: KeyMaps, changes: Changes) -> None:
    def as_row(row: dict) -> dict:
        values = {name: row[name] for name in PROVISION_FIELDS if name != "person_id"}
        return {"key": row["key"], "person_id": maps.persons[row["person"]], **values}

    keyed = [as_row(row) for row in rows if row["key"] is not None]
    keyless = [as_row(row) for row in rows if row["key"] is None]
    keyless = [keyless[i] for i in _not_yet_imported(Provision, PROVISION_FIELDS, keyless)]
    _, created, updated = _upsert_by_key(Provision, keyed, PROVISION_FIELDS)
    _bulk_insert(Provision.__table__, keyless)
    changes.note("provision", created + len(keyless), updated)
