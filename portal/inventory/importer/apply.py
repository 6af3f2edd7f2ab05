"""Writing validated chunks in bulk: inserts for new keys, updates only where something changed.

Everything runs in the caller's transaction; nothing here commits. Chunks are written in
file order, so a chunk's rows may refer to rows of earlier chunks (already written).

A first import into an empty database skips every look-up of stored rows: what was stored
before the run began is known by the largest ids at its start (rows written by this run
come after them).
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Sequence

import sqlalchemy as sa

from portal.encryption.cipher import keyring
from portal.extensions import db
from portal.inventory.amounts import line_amount
from portal.inventory.erasure import ItemTombstone, erased_person_keys
from portal.common.db import insert_many
from portal.inventory.importer.bulk import chunked, insert_with_new_ids
from portal.inventory.importer.parse import PERSON_VALUES, Chunk, KnownKeys, References
from portal.inventory.importer.persons import emails_in_use, resolve_person_keys
from portal.common.time import utcnow
from portal.inventory import summary
from portal.inventory.labels import forget_declared_labels
from portal.inventory.models import (
    ConsentEvent,
    FieldLabel,
    Item,
    Person,
    Provision,
    Purpose,
    Source,
    item_content_digest,
    item_lookup_index,
    item_purpose,
    person_indexes,
)

SOURCE_FIELDS = ("kind", "name_ja", "name_en", "obtained_on", "provider", "provider_obtained_by", "note",
                 "obtained_via_opt_out", "provider_opt_out_filed_on", "notice_version")
PURPOSE_FIELDS = ("title_ja", "title_en", "description_ja", "description_en", "consent_required", "channel",
                  "sale_or_sharing")
PERSON_FIELDS = ("email", "name", "name_kana", "phone", "birthdate", "customer_number",
                 "email_index", "name_index", "name_kana_index", "phone_index", "customer_number_index")
ITEM_FIELDS = ("person_id", "category", "field", "value", "amount", "lookup_index", "source_id", "collected_at",
               "retain_until")
# What makes a keyless line the same line (the amount and look-up index follow from the value).
KEYLESS_ITEM_IDENTITY = tuple(name for name in ITEM_FIELDS if name not in ("amount", "lookup_index"))
PROVISION_FIELDS = (
    "person_id", "recipient_name", "recipient_address", "recipient_representative",
    "provided_at", "basis", "items",
)


def load_known_keys(refs: References, known: KnownKeys) -> None:
    """Add to `known` those of the chunk's keys that exist in the database (with their ids),
    and which stored person already has each of the chunk's emails."""
    for model, wanted, target in ((Source, refs.sources, known.sources), (Purpose, refs.purposes, known.purposes)):
        for batch in chunked(wanted):
            target.update(tuple(row) for row in db.session.execute(sa.select(model.key, model.id).where(model.key.in_(batch))))
    known.persons.update(resolve_person_keys(refs.persons))
    known.email_owner = emails_in_use(refs.emails)


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


@dataclass
class Baseline:
    """What was stored when the run began: the largest ids, and whether any tombstone exists."""

    person: int
    item: int
    provision: int
    tombstones: bool

    @classmethod
    def now(cls) -> Baseline:
        def largest(model) -> int:
            return db.session.scalar(sa.select(sa.func.max(model.id))) or 0

        return cls(largest(Person), largest(Item), largest(Provision),
                   db.session.scalar(sa.select(ItemTombstone.id).limit(1)) is not None)


class Writer:
    """Writes chunk after chunk into the caller's transaction, counting what changed."""

    def __init__(self, known: KnownKeys) -> None:
        self.known = known
        self.changes = Changes()
        for kind in ("source", "purpose", "person", "item", "consent", "provision"):
            self.changes.note(kind, 0)
        self.baseline = Baseline.now()
        # Stored keyless lines of the person whose lines may go on in the next chunk.
        self.keyless_pool: dict[int, _Pool] = {}
        self.index_key = keyring().index_key  # each item's content digest is keyed with it
        # Persons whose items this run added or changed: their item summaries are recomputed
        # after each chunk, but the chunk's last person's only at the next (their lines may go on).
        self.touched: set[int] = set()

    def write(self, chunk: Chunk) -> None:
        known, rows = self.known, chunk.rows
        self.now = utcnow()  # the chunk's rows are created together (one time, converted once)
        sources = [{name: value for name, value in row.items() if name != "labels"} for row in rows["source"]]
        for kind, model, fields, target, kind_rows in (
            ("source", Source, SOURCE_FIELDS, known.sources, sources),
            ("purpose", Purpose, PURPOSE_FIELDS, known.purposes, rows["purpose"]),
            ("person", Person, PERSON_FIELDS, None, self._person_rows(rows["person"])),
        ):
            ids, created, updated = self._upsert_by_key(model, kind_rows, fields, stored_up_to=None)
            if target is not None:
                target.update(ids)
            self.changes.note(kind, created, updated)
        # A person record of a merged-away key (名寄せ) updates that alias row (how the person is
        # found under the old key and address); what refers to the key goes to the survivor.
        known.persons.update(resolve_person_keys(row["key"] for row in rows["person"]))
        self.write_labels([label for row in rows["source"] for label in row.get("labels") or ()])
        self._items(rows["item"])
        self._consents(rows["consent"])
        self._provisions(rows["provision"])
        last = self.known.persons.get(rows["item"][-1]["person"]) if rows["item"] else None
        self._refresh_summaries(keep=last)

    def finish(self) -> None:
        """What is left to write once every chunk is: the item summaries not yet recomputed."""
        self._refresh_summaries(keep=None)

    def _refresh_summaries(self, *, keep: int | None) -> None:
        due = self.touched - {keep}
        if due:
            summary.refresh(due)
        self.touched &= {keep}

    def write_labels(self, rows: list[dict]) -> None:
        """Store declared field labels: one per category and field, the later one winning (in
        the file, and over an earlier import); a label that is already stored changes nothing."""
        wanted = {(str(row["category"]), row["field"]): row for row in rows}
        if not wanted:
            return
        stored = {(str(found.category), found.field): found for found in db.session.execute(
            sa.select(FieldLabel.id, FieldLabel.category, FieldLabel.field, FieldLabel.label_ja, FieldLabel.label_en)
            .where(FieldLabel.field.in_({field for _, field in wanted})))}
        now = utcnow()
        new_rows = [{**row, "updated_at": now} for pair, row in wanted.items() if pair not in stored]
        changed = [{"id": stored[pair].id, "label_ja": row["label_ja"], "label_en": row["label_en"], "updated_at": now}
                   for pair, row in wanted.items()
                   if pair in stored and (stored[pair].label_ja, stored[pair].label_en) != (row["label_ja"], row["label_en"])]
        insert_many(FieldLabel.__table__, new_rows)
        if changed:
            db.session.execute(sa.update(FieldLabel), changed)
        forget_declared_labels()

    def _person_rows(self, rows: list[dict]) -> list[dict]:
        """Person rows with their blind indexes (bulk writes bypass the ORM that keeps them);
        a row that updates only the fields it has (a CSV row) gets the others from the store.
        A person erased in full stays a tombstone: an older CRM export does not refill it."""
        erased = erased_person_keys(row["key"] for row in rows) if self.baseline.person else set()
        self.changes.not_restored_persons += sum(row["key"] in erased for row in rows)
        rows = [row for row in rows if row["key"] not in erased]
        stored: dict[str, sa.Row] = {}
        partial = [row["key"] for row in rows if row["given"] is not None]
        for batch in chunked(partial):
            columns = [getattr(Person, name) for name in PERSON_VALUES]
            stored.update((found.key, found) for found in db.session.execute(
                sa.select(Person.key, *columns).where(Person.key.in_(batch))))
        complete = []
        for row in rows:
            values = {name: row[name] for name in PERSON_VALUES}
            if row["given"] is not None and row["key"] in stored:
                values.update({name: getattr(stored[row["key"]], name)
                               for name in PERSON_VALUES if name not in row["given"]})
            complete.append({"key": row["key"], **values, **person_indexes(values)})
        return complete

    def _stored_before(self, person_id: int) -> bool:
        return person_id <= self.baseline.person

    # --- keyed rows ---

    def _upsert_by_key(self, model, rows: Sequence[dict], fields: Sequence[str],
                       *, stored_up_to: int | None) -> tuple[dict[str, int], int, int]:
        """Insert rows whose key is new, update rows whose fields differ; return key → id.
        `stored_up_to` = 0 says nothing was stored before the run: no look-up needed."""
        if not rows:
            return {}, 0, 0
        existing: dict[str, sa.Row] = {}
        if stored_up_to != 0:
            columns = [getattr(model, name) for name in fields]
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
        new_ids = insert_with_new_ids(model.__table__, new_rows)
        ids.update((row["key"], new_id) for row, new_id in zip(new_rows, new_ids))
        if changed:
            db.session.execute(sa.update(model), changed)
        return ids, len(new_rows), len(changed)

    # --- items ---

    def _item_row(self, row: dict) -> dict:
        source = row["source"]
        item = {
            "key": row["key"],
            "person_id": self.known.persons[row["person"]],
            "category": row["category"],
            "field": row["field"],
            "value": row["value"],
            "amount": line_amount(row["category"], row["value"]),
            "lookup_index": item_lookup_index(row["category"], row["field"], row["value"]),
            "source_id": self.known.sources[source] if source else None,
            "collected_at": row["collected_at"],
            "retain_until": row["retain_until"],
            "created_at": self.now,
        }
        item["content_digest"] = item_content_digest(item, self.index_key)
        return item

    def _items(self, rows: list[dict]) -> None:
        if not rows:
            return
        purposes = self.known.purposes
        item_rows = [self._item_row(row) for row in rows]
        kept = self._kept(item_rows)
        self.changes.not_restored += len(item_rows) - len(kept)
        keyed = [i for i in kept if item_rows[i]["key"] is not None]
        keyless = [i for i in kept if item_rows[i]["key"] is None]
        # Lines share a few purpose lists (the parser hands out one list object per distinct list).
        purpose_ids: dict[int, frozenset[int]] = {}
        wanted = {}
        for i in kept:
            keys = rows[i]["purposes"]
            found = purpose_ids.get(id(keys))
            if found is None:
                found = purpose_ids[id(keys)] = frozenset(purposes[p] for p in keys)
            wanted[i] = found

        ids, created, updated = self._upsert_items([item_rows[i] for i in keyed])
        links: list[dict] = []
        # Purposes of existing keyed items are replaced only where they differ.
        current: dict[int, set[int]] = {}
        stored = [item_id for item_id in ids.values() if item_id <= self.baseline.item]
        for batch in chunked(stored):
            stmt = sa.select(item_purpose.c.item_id, item_purpose.c.purpose_id).where(item_purpose.c.item_id.in_(batch))
            for item_id, purpose_id in db.session.execute(stmt):
                current.setdefault(item_id, set()).add(purpose_id)
        stale: list[int] = []
        for i in keyed:
            item_id = ids[item_rows[i]["key"]]
            if current.get(item_id, set()) != wanted[i]:
                self.touched.add(item_rows[i]["person_id"])  # what its lines are used for changed
                if item_id in current:
                    stale.append(item_id)
                links.extend({"item_id": item_id, "purpose_id": p} for p in wanted[i])
        for batch in chunked(stale):
            db.session.execute(sa.delete(item_purpose).where(item_purpose.c.item_id.in_(batch)))

        fresh = [keyless[j] for j in self._not_yet_imported([item_rows[i] for i in keyless])]
        new_ids = insert_with_new_ids(Item.__table__, [item_rows[i] for i in fresh])
        self.touched.update(item_rows[i]["person_id"] for i in fresh)
        for i, item_id in zip(fresh, new_ids):
            links.extend({"item_id": item_id, "purpose_id": p} for p in wanted[i])
        insert_many(item_purpose, links)
        # An item whose only change is its purposes still counts as updated.
        self.changes.note("item", created + len(fresh), max(updated, len(stale)))

    def _upsert_items(self, rows: list[dict]) -> tuple[dict[str, int], int, int]:
        """`_upsert_by_key` for keyed items, which are many and encrypted: a stored item whose
        digest and person match the file's is unchanged without being read; the others are
        compared in full, as every row of other kinds is, and an unchanged one without a digest
        (stored before digests, or corrected since) is given the file's."""
        if not rows:
            return {}, 0, 0
        existing: dict[str, sa.Row] = {}
        if self.baseline.item != 0:
            for batch in chunked([row["key"] for row in rows]):
                stmt = sa.select(Item.id, Item.key, Item.person_id, Item.content_digest).where(Item.key.in_(batch))
                existing.update((found.key, found) for found in db.session.execute(stmt))
        ids = {key: found.id for key, found in existing.items()}
        unsure = [row for row in rows if row["key"] in existing and (
            (existing[row["key"]].content_digest, existing[row["key"]].person_id)
            != (row["content_digest"], row["person_id"]))]
        stored: dict[str, sa.Row] = {}
        columns = [getattr(Item, name) for name in ITEM_FIELDS]
        for batch in chunked([row["key"] for row in unsure]):
            stored.update((found.key, found) for found in
                          db.session.execute(sa.select(Item.key, *columns).where(Item.key.in_(batch))))
        changed, digests = [], []
        for row in unsure:
            payload = {"id": ids[row["key"]], "content_digest": row["content_digest"]}
            if any(getattr(stored[row["key"]], name) != row[name] for name in ITEM_FIELDS):
                changed.append({**payload, **{name: row[name] for name in ITEM_FIELDS}})
                # Its person's summary changes, and when it moves, the one it leaves.
                self.touched.update((row["person_id"], stored[row["key"]].person_id))
            else:
                digests.append(payload)
        new_rows = [row for row in rows if row["key"] not in existing]
        new_ids = insert_with_new_ids(Item.__table__, new_rows)
        ids.update((row["key"], new_id) for row, new_id in zip(new_rows, new_ids))
        self.touched.update(row["person_id"] for row in new_rows)
        for updates in (changed, digests):
            if updates:
                db.session.execute(sa.update(Item), updates)
        return ids, len(new_rows), len(changed)

    def _kept(self, rows: list[dict]) -> list[int]:
        """Positions of the rows a person had not erased: a CRM export made before (or without)
        the erasure must not bring them back.

        A keyed line is erased when a tombstone holds its key and no item does. A keyless line
        (a purchase) is erased when its person had that kind of line erased at or after the time
        it was collected: it was among the lines erased then, or (collected earlier but loaded
        only now) it would have been.
        """
        if not self.baseline.tombstones:
            return list(range(len(rows)))
        keys = [row["key"] for row in rows if row["key"] is not None]
        buried: set[str] = set()
        for batch in chunked(keys):
            buried.update(db.session.scalars(sa.select(ItemTombstone.item_key).where(ItemTombstone.item_key.in_(batch))))
        for batch in chunked(list(buried)):
            buried.difference_update(db.session.scalars(sa.select(Item.key).where(Item.key.in_(batch))))
        erased_until: dict[tuple, object] = {}
        for batch in chunked({row["person_id"] for row in rows if row["key"] is None}):
            stmt = (sa.select(ItemTombstone.person_id, ItemTombstone.category, ItemTombstone.field,
                              sa.func.max(ItemTombstone.erased_at))
                    .where(ItemTombstone.person_id.in_(batch), ItemTombstone.item_key.is_(None))
                    .group_by(ItemTombstone.person_id, ItemTombstone.category, ItemTombstone.field))
            for person_id, category, field_name, erased_at in db.session.execute(stmt):
                erased_until[(person_id, str(category), field_name)] = _as_utc(erased_at)

        def erased(row: dict) -> bool:
            if row["key"] is not None:
                return row["key"] in buried
            until = erased_until.get((row["person_id"], str(row["category"]), row["field"]))
            return until is not None and (row["collected_at"] is None or row["collected_at"] <= until)

        return [i for i, row in enumerate(rows) if not erased(row)]

    def _not_yet_imported(self, keyless: list[dict]) -> list[int]:
        """Positions of the keyless item rows to add: all, except those stored before this run.

        Lines are counted, so a file that holds the same purchase twice still adds two rows,
        and importing that file again adds none. A person's lines are usually consecutive;
        the pool of stored lines of the chunk's last person carries over to the next chunk.
        """
        persons = {row["person_id"] for row in keyless if self._stored_before(row["person_id"])}
        if not persons:
            self.keyless_pool = {}
            return list(range(len(keyless)))
        pool = {person: self.keyless_pool[person] for person in persons if person in self.keyless_pool}
        wanted = [person for person in persons if person not in pool]
        undigested: dict[int, list[int]] = {}
        for batch in chunked(wanted):
            for person in batch:
                pool[person] = _Pool()
            # Keyed lines are skipped here, not in SQL: given "key IS NULL", SQLite walks the key
            # index's run of NULLs (most of the table) for every chunk instead of the person's lines.
            stmt = sa.select(Item.id, Item.person_id, Item.content_digest, Item.key).where(
                Item.person_id.in_(batch), Item.id <= self.baseline.item)
            for item_id, person, digest, key in db.session.execute(stmt):
                if key is not None:
                    continue
                if digest is None:
                    undigested.setdefault(person, []).append(item_id)
                else:
                    pool[person].by_digest[digest] += 1
        # Lines stored before digests (or corrected since) are read and compared in full.
        columns = [Item.id, *(getattr(Item, name) for name in KEYLESS_ITEM_IDENTITY)]
        for batch in chunked([item_id for ids in undigested.values() for item_id in ids]):
            for found in db.session.execute(sa.select(*columns).where(Item.id.in_(batch))).mappings():
                pool[found["person_id"]].by_content.setdefault(
                    _fingerprint(found, KEYLESS_ITEM_IDENTITY), []).append(found["id"])
        fresh, digests = [], []
        for position, row in enumerate(keyless):
            stored = pool.get(row["person_id"])
            if stored is None:
                fresh.append(position)
            elif stored.by_digest[row["content_digest"]] > 0:
                stored.by_digest[row["content_digest"]] -= 1
            elif stored.by_content and stored.by_content.get(fingerprint := _fingerprint(row, KEYLESS_ITEM_IDENTITY)):
                digests.append({"id": stored.by_content[fingerprint].pop(), "content_digest": row["content_digest"]})
            else:
                fresh.append(position)
        if digests:  # the same line, read in full once: next time its digest says so
            db.session.execute(sa.update(Item), digests)
        last = keyless[-1]["person_id"]
        self.keyless_pool = {last: pool[last]} if last in pool else {}
        return fresh

    # --- consents and provisions ---

    def _consents(self, rows: list[dict]) -> None:
        """Consents append; an identical event (person, purpose, state, time) is not added twice."""
        if not rows:
            return
        persons, purposes, sources = self.known.persons, self.known.purposes, self.known.sources
        events = [{
            "person_id": persons[row["person"]],
            "purpose_id": purposes[row["purpose"]],
            "state": row["state"],
            "at": row["at"],
            "method": row["method"],
            "notice_version": row["notice_version"],
            "source_id": sources[row["source"]] if row["source"] else None,
        } for row in rows]
        existing: set[tuple] = set()
        for batch in chunked({event["person_id"] for event in events}):
            stmt = sa.select(
                ConsentEvent.person_id, ConsentEvent.purpose_id, ConsentEvent.state, ConsentEvent.at
            ).where(ConsentEvent.person_id.in_(batch))
            existing.update(tuple(row) for row in db.session.execute(stmt))
        new_rows = []
        for event in events:
            identity = (event["person_id"], event["purpose_id"], event["state"], event["at"])
            if identity not in existing:
                existing.add(identity)
                new_rows.append(event)
        insert_many(ConsentEvent.__table__, new_rows)
        self.changes.note("consent", len(new_rows))

    def _provisions(self, rows: list[dict]) -> None:
        if not rows:
            return

        def as_row(row: dict) -> dict:
            values = {name: row[name] for name in PROVISION_FIELDS if name != "person_id"}
            return {"key": row["key"], "person_id": self.known.persons[row["person"]], **values}

        keyed = [as_row(row) for row in rows if row["key"] is not None]
        keyless = [as_row(row) for row in rows if row["key"] is None]
        in_database: Counter = Counter()
        for batch in chunked({row["person_id"] for row in keyless}):
            stmt = sa.select(Provision.key, *(getattr(Provision, name) for name in PROVISION_FIELDS)).where(
                Provision.person_id.in_(batch), Provision.id <= self.baseline.provision)  # keyed: see _not_yet_imported
            in_database.update(_fingerprint(found, PROVISION_FIELDS) for found in db.session.execute(stmt).mappings()
                               if found["key"] is None)
        fresh = []
        for row in keyless:
            fingerprint = _fingerprint(row, PROVISION_FIELDS)
            if in_database[fingerprint] > 0:
                in_database[fingerprint] -= 1
            else:
                fresh.append(row)
        _, created, updated = self._upsert_by_key(Provision, keyed, PROVISION_FIELDS, stored_up_to=None)
        insert_many(Provision.__table__, fresh)
        self.changes.note("provision", created + len(fresh), updated)


@dataclass
class _Pool:
    """A person's stored keyless lines not yet matched by a line of the file: by digest, and by
    content (id lists) for those without one."""
    by_digest: Counter = field(default_factory=Counter)
    by_content: dict[tuple, list[int]] = field(default_factory=dict)


def _as_utc(value):
    """SQLite's max() hands back the stored text or a naive time; tombstones are in UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value is None or value.tzinfo else value.replace(tzinfo=timezone.utc)


def _fingerprint(row, fields: Sequence[str]) -> tuple:
    """What makes two keyless rows the same line (purchase lines have no key of their own)."""
    return tuple([_frozen(row[name]) if name in JSON_FIELDS else row[name] for name in fields])


JSON_FIELDS = frozenset({"value", "items"})  # the only unhashable ones


def _frozen(value):
    """A hashable stand-in that is equal exactly when the values are: a flat JSON object (a
    purchase line) as the set of its pairs, anything nested as its canonical JSON text."""
    if isinstance(value, dict):
        try:
            return frozenset(value.items())
        except TypeError:
            pass
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return value
