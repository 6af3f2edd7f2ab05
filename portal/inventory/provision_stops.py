"""Stop of third-party provision (第三者提供の停止) and the check before any new provision.

A stop is a `UseRestriction` of kind `provision_stop`, naming the recipient (or none: every
recipient). That one row is the block: no second table to keep in step with it, and lifting
the restriction lifts the block. Before giving a person's data to anyone, ask
`is_provision_blocked(person_id, recipient_name)`; other systems read the stops in force
from the feed (`stops_in_force`: the CLI's CSV and the API), and the importer refuses a new
provision record that a stop forbids (`refused_provisions`).
"""
from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Iterable, Iterator

import sqlalchemy as sa

from portal import webhooks
from portal.audit.services import Actor
from portal.common.time import JST
from portal.extensions import db
from portal.inventory.models import Person, Provision, ProvisionBasis
from portal.inventory.restrictions import RestrictionKind, UseRestriction, restrict_use
from portal.inventory.suppression import neutralise

#: Provision a stop forbids: to a third party on consent or by opt-out (Art. 27(1)/(2)). Provision
#: required by law cannot be stopped by the person, and entrustment and joint use are not provision
#: to a third party at all (Art. 27(5)).
STOPPABLE_BASES = frozenset({ProvisionBasis.CONSENT, ProvisionBasis.OPT_OUT})
#: The request that asked for a stop, by its public reference (the table belongs to `dsr`, which sits above).
_requests = sa.table("data_request", sa.column("id", sa.Integer), sa.column("reference", sa.String))


def same_recipient(name: str | None) -> str:
    """A name as compared: full-width or half-width, spaces and case do not make another company."""
    return "".join(unicodedata.normalize("NFKC", name or "").split()).casefold()


def stop_provision(person_id: int, recipients, *, actor: Actor, request_id: int | None = None) -> list[UseRestriction]:
    """Block provision of the person's data to these recipients (an empty list: to anyone).

    Each stop that takes effect now (not one already in force) is announced with the signal
    the webhook `provision.stopped` (queued in the caller's transaction)."""
    names = list(dict.fromkeys(name.strip() for name in recipients or () if name and name.strip())) or [None]
    in_force = {restriction_id for restriction_id, in db.session.execute(
        sa.select(UseRestriction.id).where(UseRestriction.person_id == person_id,
                                           UseRestriction.kind == RestrictionKind.PROVISION_STOP,
                                           UseRestriction.lifted_at.is_(None)))}
    restrictions = [
        restrict_use(person_id=person_id, kind=RestrictionKind.PROVISION_STOP, recipient_name=name,
                     request_id=request_id, actor=actor)
        for name in names
    ]
    person_key = db.session.scalar(sa.select(Person.key).where(Person.id == person_id))
    reference = db.session.scalar(sa.select(_requests.c.reference).where(_requests.c.id == request_id)) \
        if request_id is not None else None
    for restriction in restrictions:
        if restriction.id not in in_force:
            # Company names and keys only: what other systems receive never carries personal values.
            webhooks.emit("provision.stopped", {
                "person_key": person_key, "recipient": restriction.recipient_name,
                "since": restriction.since.isoformat(), "request": reference})
    return restrictions


def blocked_recipients(person_id: int) -> list[str | None]:
    """The recipients the person's data may no longer go to (None: everyone)."""
    return list(db.session.scalars(
        sa.select(UseRestriction.recipient_name).where(
            UseRestriction.person_id == person_id,
            UseRestriction.kind == RestrictionKind.PROVISION_STOP,
            UseRestriction.lifted_at.is_(None),
        ).order_by(UseRestriction.since, UseRestriction.id)
    ))


def is_provision_blocked(person_id: int, recipient_name: str) -> bool:
    """True when the person stopped provision to this recipient, or to every recipient."""
    wanted = same_recipient(recipient_name)
    return any(name is None or same_recipient(name) == wanted for name in blocked_recipients(person_id))


# --- the feed: stops in force, for other systems ----------------------------------------------

@dataclass(frozen=True)
class StopInForce:
    id: int
    person_key: str
    recipient: str | None  # None: every recipient
    since: datetime
    request: str | None  # the reference of the request that asked for it


def stops_in_force(*, recipient: str | None = None, after_id: int = 0, batch: int = 500) -> Iterator[StopInForce]:
    """Every stop in force, oldest first (by id, which a cursor can resume from).

    `recipient` keeps the stops that cover that company: named as it (full-width or
    half-width, spaces and case aside) or covering every recipient.
    """
    wanted = same_recipient(recipient) if recipient else None
    while True:
        rows = db.session.execute(
            sa.select(UseRestriction.id, Person.key, UseRestriction.recipient_name, UseRestriction.since,
                      _requests.c.reference)
            .join(Person, Person.id == UseRestriction.person_id)
            .outerjoin(_requests, _requests.c.id == UseRestriction.request_id)
            .where(UseRestriction.kind == RestrictionKind.PROVISION_STOP, UseRestriction.lifted_at.is_(None),
                   UseRestriction.id > after_id)
            .order_by(UseRestriction.id).limit(batch)).all()
        for id_, key, name, since, reference in rows:
            if wanted is None or name is None or same_recipient(name) == wanted:
                yield StopInForce(id_, key, name, since, reference)
        if len(rows) < batch:
            return
        after_id = rows[-1][0]


CSV_COLUMNS = ("person_key", "recipient", "since", "request")


def stops_csv(stops: Iterable[StopInForce], counter: list[int] | None = None) -> Iterator[str]:
    """The CSV, header first; an empty recipient means every recipient; times in UTC, ISO 8601."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for stop in stops:
        writer.writerow([neutralise(stop.person_key), neutralise(stop.recipient or ""),
                         stop.since.isoformat(timespec="seconds"), stop.request or ""])
        if counter is not None:
            counter[0] += 1
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


# --- the importer's check -------------------------------------------------------------------

def _japan_day(moment: datetime) -> date:
    return moment.astimezone(JST).date()


def refused_provisions(records: list[tuple[int, dict]]) -> list[tuple[int, str]]:
    """(line, message) for each new provision record in an import that a stop forbids.

    New: its key is not in the database yet (a keyless record always counts as new). A record
    of provision on or after the day the stop took effect, to a stopped recipient, on consent or
    by opt-out, is refused; a record of an earlier provision is history and loads.
    """
    stoppable = [(line, row) for line, row in records if ProvisionBasis(row["basis"]) in STOPPABLE_BASES]
    if not stoppable:
        return []
    keys = sorted({row["person"] for _, row in stoppable})
    stops: dict[str, list[tuple[str | None, date]]] = {}
    for start in range(0, len(keys), 1000):
        for key, name, since in db.session.execute(
                sa.select(Person.key, UseRestriction.recipient_name, UseRestriction.since)
                .join(Person, Person.id == UseRestriction.person_id)
                .where(Person.key.in_(keys[start:start + 1000]),
                       UseRestriction.kind == RestrictionKind.PROVISION_STOP, UseRestriction.lifted_at.is_(None))):
            stops.setdefault(key, []).append((name, _japan_day(since)))
    if not stops:
        return []
    record_keys = [row["key"] for _, row in stoppable if row.get("key") and row["person"] in stops]
    known = set(db.session.scalars(sa.select(Provision.key).where(Provision.key.in_(record_keys)))) if record_keys else set()
    refused = []
    for line, row in stoppable:
        if row.get("key") in known:
            continue
        recipient = row["recipient_name"]
        provided = row["provided_at"]
        for name, since in stops.get(row["person"], ()):
            if (name is None or same_recipient(name) == same_recipient(recipient)) and provided >= since:
                refused.append((line, f"person '{row['person']}' stopped provision of their data to "
                                      f"{'every recipient' if name is None else repr(name)} on {since.isoformat()}: "
                                      f"this provision record cannot be added"))
                break
    return refused
