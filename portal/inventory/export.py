"""One person's data in the import vocabulary (contracts/import-format.md), as a stream of records.

The same records feed the customer's download and the JSON API, so what a person receives
can be loaded back with `import-data` — the vocabulary is proven by a round trip. Records
come in the order the importer needs (sources, purposes, person, items, consents,
provisions) and items are read in batches, so a person with many thousand purchase lines
never sits in memory at once.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Collection, Iterator

import sqlalchemy as sa

from portal.common.time import JST
from portal.extensions import db
from portal.inventory.models import ConsentEvent, Item, Person, Provision, Purpose, Source, item_purpose
from portal.inventory.suspension import usable_items

BATCH = 1000


def _time(value: datetime | None) -> str | None:
    """Japan time with its offset, so the file reads naturally and parses back exactly."""
    return value.astimezone(JST).isoformat() if value is not None else None


def _date(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _text(ja: str | None, en: str | None) -> dict | None:
    text = {language: value for language, value in (("ja", ja), ("en", en)) if value is not None}
    return text or None


def export_person_records(person_id: int, *, only: Collection[str] | None = None) -> Iterator[dict]:
    """Every record held about one person; nothing when the person does not exist.

    `only` keeps the record types named (e.g. `{"provision"}` for a disclosure of the
    provision records); the others are not even read.
    """
    person = db.session.get(Person, person_id)
    if person is None:
        return
    parts = (
        ("source", lambda: _sources(person_id)),
        ("purpose", lambda: _purposes(person_id)),
        ("person", lambda: iter([_person(person)])),
        ("item", lambda: _items(person_id, person.key)),
        ("consent", lambda: _consents(person_id, person.key)),
        ("provision", lambda: _provisions(person_id, person.key)),
    )
    for kind, records in parts:
        if only is None or kind in only:
            yield from records()


def _sources(person_id: int) -> Iterator[dict]:
    used = sa.union(
        sa.select(Item.source_id).where(Item.person_id == person_id),
        sa.select(ConsentEvent.source_id).where(ConsentEvent.person_id == person_id),
    )
    for source in db.session.scalars(sa.select(Source).where(Source.id.in_(used)).order_by(Source.id)):
        yield {
            "type": "source", "key": source.key, "kind": source.kind.value,
            "name": _text(source.name_ja, source.name_en), "obtained_on": _date(source.obtained_on),
            "provider": source.provider, "provider_obtained_by": source.provider_obtained_by,
            "note": source.note,
            # Only when set, so exports of other sources read as before.
            **({"obtained_via_opt_out": True, "provider_opt_out_filed_on": _date(source.provider_opt_out_filed_on)}
               if source.obtained_via_opt_out else {}),
            **({"notice_version": source.notice_version} if source.notice_version else {}),
        }


def _purposes(person_id: int) -> Iterator[dict]:
    used = sa.union(
        sa.select(item_purpose.c.purpose_id)
        .join(Item, Item.id == item_purpose.c.item_id)
        .where(Item.person_id == person_id),
        sa.select(ConsentEvent.purpose_id).where(ConsentEvent.person_id == person_id),
    )
    for purpose in db.session.scalars(sa.select(Purpose).where(Purpose.id.in_(used)).order_by(Purpose.id)):
        yield {
            "type": "purpose", "key": purpose.key, "title": _text(purpose.title_ja, purpose.title_en),
            "description": _text(purpose.description_ja, purpose.description_en),
            "consent_required": purpose.consent_required, "channel": purpose.channel.value,
            **({"sale_or_sharing": True} if purpose.sale_or_sharing else {}),
        }


def _person(person: Person) -> dict:
    record = {
        "type": "person", "key": person.key, "email": person.email, "name": person.name,
        "name_kana": person.name_kana, "phone": person.phone,
        "birthdate": _date(person.birthdate), "customer_number": person.customer_number,
    }
    if person.erased_at is not None:
        # A tombstone: no value but what a legal hold keeps, and when and by which request it was erased.
        record |= {"erased_at": _time(person.erased_at), "erasure_reference": person.erasure_reference}
    return record


def _purpose_keys(item_ids: list[int]) -> dict[int, list[str]]:
    stmt = (
        sa.select(item_purpose.c.item_id, Purpose.key)
        .join(Purpose, Purpose.id == item_purpose.c.purpose_id)
        .where(item_purpose.c.item_id.in_(item_ids))
        .order_by(item_purpose.c.item_id, Purpose.id)
    )
    keys: dict[int, list[str]] = {}
    for item_id, key in db.session.execute(stmt):
        keys.setdefault(item_id, []).append(key)
    return keys


def _items(person_id: int, person_key: str, *, where=None) -> Iterator[dict]:
    stmt = (
        sa.select(
            Item.id, Item.key, Item.category, Item.field, Item.value,
            Source.key.label("source_key"), Item.collected_at, Item.retain_until, Item.suspended_at,
        )
        .outerjoin(Source, Source.id == Item.source_id)
        .where(Item.person_id == person_id if where is None else where)
        # By category, then by date (undated first): the readable files list a category's lines
        # by date as they come, without holding them to sort (portal.inventory.readable).
        .order_by(Item.category, Item.collected_at.is_(None).desc(), Item.collected_at, Item.id)
        .execution_options(yield_per=BATCH)
    )
    for batch in db.session.execute(stmt).partitions():
        purposes = _purpose_keys([row.id for row in batch])
        for row in batch:
            record = {
                "type": "item", "key": row.key, "person": person_key,
                "category": row.category.value, "field": row.field, "value": row.value,
                "source": row.source_key, "collected_at": _time(row.collected_at),
                "purposes": purposes.get(row.id, []), "retain_until": _date(row.retain_until),
            }
            if row.suspended_at is not None:
                # The person sees what we still hold but no longer use (the importer ignores it).
                record["suspended_at"] = _time(row.suspended_at)
            yield record


def export_usable_items(person_id: int) -> Iterator[dict]:
    """The person's items other systems may use, for downstream exports.

    Suspended items, and items of categories under an active suspension or erasure
    restriction (all purposes), are left out; the person's own export still shows them.
    """
    person = db.session.get(Person, person_id)
    if person is None:
        return
    yield from _items(person_id, person.key, where=usable_items(person_id))


def _consents(person_id: int, person_key: str) -> Iterator[dict]:
    stmt = (
        sa.select(ConsentEvent, Purpose.key, Source.key)
        .join(Purpose, Purpose.id == ConsentEvent.purpose_id)
        .outerjoin(Source, Source.id == ConsentEvent.source_id)
        .where(ConsentEvent.person_id == person_id)
        .order_by(ConsentEvent.at, ConsentEvent.id)
    )
    for event, purpose_key, source_key in db.session.execute(stmt):
        yield {
            "type": "consent", "person": person_key, "purpose": purpose_key,
            "state": event.state.value, "at": _time(event.at), "method": event.method,
            "source": source_key,
            **({"notice_version": event.notice_version} if event.notice_version else {}),
        }


def _provisions(person_id: int, person_key: str) -> Iterator[dict]:
    stmt = sa.select(Provision).where(Provision.person_id == person_id).order_by(Provision.provided_at, Provision.id)
    for provision in db.session.scalars(stmt):
        yield {
            "type": "provision", "key": provision.key, "person": person_key,
            "recipient": {
                "name": provision.recipient_name, "address": provision.recipient_address,
                "representative": provision.recipient_representative,
            },
            "provided_at": _date(provision.provided_at), "basis": provision.basis.value,
            "items": list(provision.items or []),
        }
