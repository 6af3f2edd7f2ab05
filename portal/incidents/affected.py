"""Who an incident affected: chosen by a query over held items or by a list of person keys,
counted and previewed while staff refine the choice, and fixed when the persons are notified.

Notifying (Art. 26(2)) mails everyone with an address through the outbox and lists the others
for a letter; each becomes an `IncidentPerson` row, and "my data" shows them the notice.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.audit.services import Actor
from portal.common.time import JST, utcnow
from portal.dsr.calendar import end_of_japan_day
from portal.extensions import db
from portal.incidents.models import Incident, IncidentPerson, NoticeChannel
from portal.incidents.services import IncidentError, audit
from portal.inventory.models import Category, Item, Person, Source
from portal.mail.models import OutboxMessage
from portal.mail.services import external_url, queue_mail

PREVIEW = 20
MAX_KEYS = 10_000


@dataclass(frozen=True)
class Selection:
    """A choice of affected persons: by held items (any filter may be empty) or by keys."""

    source: str | None = None
    category: str | None = None
    field: str | None = None
    collected_from: date | None = None
    collected_to: date | None = None
    keys: tuple[str, ...] = ()

    @classmethod
    def from_stored(cls, stored: dict) -> "Selection | None":
        if not stored:
            return None
        return cls(source=stored.get("source"), category=stored.get("category"), field=stored.get("field"),
                   collected_from=stored.get("collected_from") and date.fromisoformat(stored["collected_from"]),
                   collected_to=stored.get("collected_to") and date.fromisoformat(stored["collected_to"]),
                   keys=tuple(stored.get("keys") or ()))

    def stored(self) -> dict:
        if self.keys:
            return {"keys": list(self.keys)}
        return {name: value for name, value in (
            ("source", self.source), ("category", self.category), ("field", self.field),
            ("collected_from", self.collected_from and self.collected_from.isoformat()),
            ("collected_to", self.collected_to and self.collected_to.isoformat())) if value}


def parse_keys(text: str) -> tuple[str, ...]:
    """Person keys, one per line (commas and spaces separate too), duplicates dropped."""
    return tuple(dict.fromkeys(part for part in text.replace(",", " ").split() if part))


def check(selection: Selection) -> None:
    """Refuse a choice that names nothing, or things that do not exist (nothing is changed)."""
    if selection.keys:
        if len(selection.keys) > MAX_KEYS:
            raise IncidentError(_l("At most %(max)s keys at a time.", max=MAX_KEYS))
        known = set(db.session.scalars(sa.select(Person.key).where(Person.key.in_(selection.keys))))
        unknown = [key for key in selection.keys if key not in known]
        if unknown:
            raise IncidentError(_l("No person has these keys: %(keys)s", keys=", ".join(unknown[:10])))
        return
    if not (selection.source or selection.category or selection.field):
        raise IncidentError(_l("Choose at least a source, a category or a field, or give a list of keys."))
    if selection.category and selection.category not in Category._value2member_map_:
        raise IncidentError(_l("There is no such category."))
    if selection.source and db.session.scalar(sa.select(Source.id).where(Source.key == selection.source)) is None:
        raise IncidentError(_l("There is no source with this key."))
    if selection.collected_from and selection.collected_to and selection.collected_from > selection.collected_to:
        raise IncidentError(_l("The first date must not be after the last date."))


def person_ids_query(selection: Selection):
    """SELECT of the affected persons' ids (distinct), for counting, previewing and fixing."""
    if selection.keys:
        return sa.select(Person.id).where(Person.key.in_(selection.keys))
    conditions = []
    if selection.source:
        source_id = sa.select(Source.id).where(Source.key == selection.source).scalar_subquery()
        conditions.append(Item.source_id == source_id)
    if selection.category:
        conditions.append(Item.category == Category(selection.category))
    if selection.field:
        conditions.append(Item.field == selection.field)
    if selection.collected_from:
        # Japan dates, both days included.
        start = datetime.combine(selection.collected_from, datetime.min.time(), tzinfo=JST)
        conditions.append(Item.collected_at >= start)
    if selection.collected_to:
        conditions.append(Item.collected_at <= end_of_japan_day(selection.collected_to))
    return sa.select(Item.person_id).where(*conditions).distinct()


@dataclass(frozen=True)
class Preview:
    count: int
    with_email: int
    first: list[Person]


def choose_affected(incident: Incident, selection: Selection, *, actor: Actor) -> None:
    """Keep the choice on the incident; refused once the persons were notified (the list is fixed)."""
    if incident.notified_at is not None:
        raise IncidentError(_l("The affected persons were notified; the list is fixed."))
    check(selection)
    incident.selection = selection.stored()
    db.session.flush()
    audit("affected_chosen", incident, actor=actor,
          selection={"keys": len(selection.keys)} if selection.keys else selection.stored())


def _chosen_ids(incident: Incident):
    """The affected persons' ids: fixed once notified, else as the choice names them (None: no choice)."""
    if incident.notified_at is not None:
        return sa.select(IncidentPerson.person_id).where(IncidentPerson.incident_id == incident.id)
    selection = Selection.from_stored(incident.selection)
    return None if selection is None else person_ids_query(selection)


def count_affected(incident: Incident) -> int | None:
    """How many persons (a number names nobody, so no audit entry); None before a choice."""
    ids = _chosen_ids(incident)
    return None if ids is None else db.session.scalar(sa.select(sa.func.count()).select_from(ids.subquery()))


def preview(incident: Incident, *, actor: Actor, limit: int = PREVIEW) -> Preview | None:
    """How many persons the choice names and the first of them (an audited view of persons)."""
    ids = _chosen_ids(incident)
    if ids is None:
        return None
    ids = ids.subquery()
    count = db.session.scalar(sa.select(sa.func.count()).select_from(ids))
    with_email = db.session.scalar(sa.select(sa.func.count()).select_from(Person)
                                   .where(Person.id.in_(sa.select(ids.c[0])), Person.email_index.is_not(None)))
    first = list(db.session.scalars(sa.select(Person).where(Person.id.in_(sa.select(ids.c[0])))
                                    .order_by(Person.key).limit(limit)))
    audit("affected_viewed", incident, actor=actor, count=count, shown=[person.key for person in first])
    return Preview(count=count, with_email=with_email, first=first)


def notify_affected(incident: Incident, *, actor: Actor, now: datetime | None = None) -> dict[str, int]:
    """Fix the affected persons and notify each: by mail where we hold an address (through the
    outbox, so nothing is sent unless this commits), else by post (the postal list)."""
    now = now or utcnow()
    if incident.notified_at is not None:
        raise IncidentError(_l("The affected persons have already been notified."))
    if not (incident.notice_text or "").strip():
        raise IncidentError(_l("Write the notice to the persons first."))
    selection = Selection.from_stored(incident.selection)
    if selection is None:
        raise IncidentError(_l("Choose the affected persons first."))
    check(selection)
    counts = {"email": 0, "post": 0}
    link = external_url("customer.my_data")
    person_ids = list(db.session.scalars(person_ids_query(selection)))
    if not person_ids:
        raise IncidentError(_l("The choice names nobody."))
    for offset in range(0, len(person_ids), 500):
        batch = db.session.scalars(sa.select(Person).where(Person.id.in_(person_ids[offset:offset + 500]))
                                   .order_by(Person.id))
        for person in batch:
            message = None
            if person.email:
                message = queue_mail(to=person.email, template="incident_notice", language="ja",
                                     kind="incident_notice", name=person.name, title=incident.title,
                                     notice_text=incident.notice_text, link=link)
            channel = NoticeChannel.EMAIL if message else NoticeChannel.POST
            counts[channel.value] += 1
            db.session.add(IncidentPerson(incident_id=incident.id, person_id=person.id, channel=channel,
                                          outbox_message_id=message and message.id, notified_at=now))
    incident.notified_at = now
    db.session.flush()
    audit("persons_notified", incident, actor=actor, **counts)
    return counts


def delivery_counts(incident: Incident) -> dict[str, int]:
    """Mail by its outbox status (pending, sent, failed…), and letters to post and posted."""
    rows = db.session.execute(
        sa.select(IncidentPerson.channel, OutboxMessage.status, IncidentPerson.posted_at.is_not(None),
                  sa.func.count())
        .outerjoin(OutboxMessage, OutboxMessage.id == IncidentPerson.outbox_message_id)
        .where(IncidentPerson.incident_id == incident.id)
        .group_by(IncidentPerson.channel, OutboxMessage.status, IncidentPerson.posted_at.is_not(None))
    ).all()
    counts: dict[str, int] = {}
    for channel, status, posted, count in rows:
        if channel is NoticeChannel.EMAIL:
            key = f"email_{getattr(status, 'value', status) or 'unknown'}"
        else:
            key = "post_posted" if posted else "post_waiting"
        counts[key] = counts.get(key, 0) + count
    return counts


def postal_list(incident: Incident, *, actor: Actor) -> list[tuple[Person, list[str]]]:
    """Those notified by post, with the addresses we hold (an audited view of persons)."""
    persons = list(db.session.scalars(
        sa.select(Person).join(IncidentPerson, IncidentPerson.person_id == Person.id)
        .where(IncidentPerson.incident_id == incident.id, IncidentPerson.channel == NoticeChannel.POST)
        .order_by(Person.key)))
    addresses: dict[int, list[str]] = {}
    if persons:
        for item in db.session.scalars(sa.select(Item).where(
                Item.person_id.in_([p.id for p in persons]), Item.category == Category.CONTACT,
                Item.field.in_(("address", "postal_code")), Item.suspended_at.is_(None)).order_by(Item.id)):
            addresses.setdefault(item.person_id, []).append(_text(item.value))
    audit("postal_list_viewed", incident, actor=actor, count=len(persons))
    return [(person, addresses.get(person.id, [])) for person in persons]


def mark_posted(incident: Incident, *, actor: Actor, now: datetime | None = None) -> int:
    """Record the letters as posted; returns how many were waiting."""
    now = now or utcnow()
    waiting = list(db.session.scalars(sa.select(IncidentPerson).where(
        IncidentPerson.incident_id == incident.id, IncidentPerson.channel == NoticeChannel.POST,
        IncidentPerson.posted_at.is_(None))))
    for row in waiting:
        row.posted_at = now
    db.session.flush()
    audit("letters_posted", incident, actor=actor, count=len(waiting))
    return len(waiting)


def notices_for_person(person_id: int) -> list[tuple[Incident, IncidentPerson]]:
    """The incidents the person was told about, newest first (their "my data" page shows them)."""
    return list(db.session.execute(
        sa.select(Incident, IncidentPerson).join(IncidentPerson, IncidentPerson.incident_id == Incident.id)
        .where(IncidentPerson.person_id == person_id).order_by(IncidentPerson.notified_at.desc())
    ).all())


def _text(value) -> str:
    if isinstance(value, dict):
        return " ".join(str(part) for part in value.values() if part)
    return str(value)
