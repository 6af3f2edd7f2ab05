"""Who a campaign reaches: people whose data came from the chosen sources, narrowed by category,
collection dates and consent state, leaving out the erased, the suppressed and the recently
contacted. One SELECT, so a preview counts it and building inserts it without Python loops.
"""
from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from portal.campaigns.models import Campaign, CampaignRecipient, RecipientStatus
from portal.common.time import JST, utcnow
from portal.extensions import db
from portal.inventory.models import (Category, ConsentEvent, ConsentState, Item, Person, Purpose, Source,
                                     item_purpose)
from portal.inventory.restrictions import RestrictionKind, UseRestriction
from portal.inventory.suppression import suppressed_person_ids


class ConsentFilter(enum.StrEnum):
    ANY = "any"
    GRANTED = "granted"  # consent currently given for at least one purpose asked about
    NONE = "none"        # no consent recorded for any purpose asked about (e.g. bought lists)


class AudienceInvalid(ValueError):
    """The criteria cannot make an audience; `code` names why (the screens word it)."""

    def __init__(self, code: str, detail: str | None = None):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Criteria:
    source_keys: tuple[str, ...]
    purpose_keys: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    collected_from: date | None = None
    collected_to: date | None = None
    consent: ConsentFilter = ConsentFilter.ANY
    exclude_suppressed: bool = True
    # Leave out people a campaign already contacted in the last N days (0: nobody left out).
    contacted_within_days: int = 90
    include_postal: bool = True

    def as_record(self) -> dict:
        record = asdict(self)
        for key in ("collected_from", "collected_to"):
            record[key] = record[key].isoformat() if record[key] else None
        record["consent"] = self.consent.value
        record["source_keys"], record["purpose_keys"] = list(self.source_keys), list(self.purpose_keys)
        record["categories"] = list(self.categories)
        return record


@dataclass
class Resolved:
    """The criteria with keys looked up."""

    criteria: Criteria
    sources: list[Source]
    purposes: list[Purpose]
    categories: list[Category] = field(default_factory=list)


def _japan_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=JST)


def resolve(criteria: Criteria) -> Resolved:
    """Look the keys up; unknown ones are refused with their name."""
    if not criteria.source_keys:
        raise AudienceInvalid("no_source")
    sources = list(db.session.scalars(sa.select(Source).where(Source.key.in_(criteria.source_keys))))
    missing = sorted(set(criteria.source_keys) - {s.key for s in sources})
    if missing:
        raise AudienceInvalid("unknown_source", ", ".join(missing))
    purposes = []
    if criteria.purpose_keys:
        found = {p.key: p for p in db.session.scalars(sa.select(Purpose).where(Purpose.key.in_(criteria.purpose_keys)))}
        missing = [k for k in criteria.purpose_keys if k not in found]
        if missing:
            raise AudienceInvalid("unknown_purpose", ", ".join(missing))
        purposes = [found[k] for k in dict.fromkeys(criteria.purpose_keys)]
    else:
        # Not named: every purpose the chosen sources' data is used for.
        purposes = list(db.session.scalars(
            sa.select(Purpose).where(Purpose.id.in_(
                sa.select(item_purpose.c.purpose_id).join(Item, Item.id == item_purpose.c.item_id)
                .where(Item.source_id.in_([s.id for s in sources])).distinct()))
            .order_by(Purpose.key)))
    if not purposes:
        raise AudienceInvalid("no_purpose")
    try:
        categories = [Category(c) for c in criteria.categories]
    except ValueError as exc:
        raise AudienceInvalid("unknown_category", str(exc)) from None
    if criteria.collected_from and criteria.collected_to and criteria.collected_from > criteria.collected_to:
        raise AudienceInvalid("dates_reversed")
    return Resolved(criteria, sources, purposes, categories)


def _latest_consent(purpose_ids: list[int]):
    ranked = (
        sa.select(ConsentEvent.person_id, ConsentEvent.state,
                  sa.func.row_number().over(partition_by=(ConsentEvent.person_id, ConsentEvent.purpose_id),
                                            order_by=(ConsentEvent.at.desc(), ConsentEvent.id.desc())).label("rank"))
        .where(ConsentEvent.purpose_id.in_(purpose_ids))
        .subquery("ranked_consent")
    )
    return sa.select(ranked.c.person_id).where(ranked.c.rank == 1, ranked.c.state == ConsentState.GRANTED.value)


def statement(resolved: Resolved, *, now: datetime | None = None) -> sa.Select:
    """(person_id, source_id, has_email) for everyone in the audience, by person id."""
    criteria = resolved.criteria
    now = now or utcnow()
    matching = sa.select(Item.person_id.label("person_id"), sa.func.min(Item.source_id).label("source_id")) \
        .where(Item.source_id.in_([s.id for s in resolved.sources]))
    if resolved.categories:
        matching = matching.where(Item.category.in_(resolved.categories))
    if criteria.collected_from:
        matching = matching.where(Item.collected_at >= _japan_midnight(criteria.collected_from))
    if criteria.collected_to:
        matching = matching.where(Item.collected_at < _japan_midnight(criteria.collected_to + timedelta(days=1)))
    matching = matching.group_by(Item.person_id).subquery("matching")

    purpose_ids = [p.id for p in resolved.purposes]
    has_email = Person.email_index.is_not(None)
    stmt = (
        sa.select(Person.id, matching.c.source_id, has_email.label("has_email"))
        .join(matching, matching.c.person_id == Person.id)
        # Erased people are never contacted again, whatever was chosen.
        .where(~sa.exists().where(UseRestriction.person_id == Person.id, UseRestriction.lifted_at.is_(None),
                                  UseRestriction.kind == RestrictionKind.ERASURE))
        .order_by(Person.id)
    )
    if not criteria.include_postal:
        stmt = stmt.where(has_email)
    if criteria.exclude_suppressed:
        suppressed = sa.union(*[suppressed_person_ids(pid) for pid in purpose_ids]).subquery("suppressed")
        stmt = stmt.where(Person.id.not_in(sa.select(suppressed.c.person_id)))
    if criteria.contacted_within_days > 0:
        since = now - timedelta(days=criteria.contacted_within_days)
        stmt = stmt.where(~sa.exists().where(
            CampaignRecipient.person_id == Person.id,
            CampaignRecipient.status.in_([RecipientStatus.QUEUED, RecipientStatus.MAILED, RecipientStatus.LETTER]),
            CampaignRecipient.campaign_id == Campaign.id, Campaign.sent_at >= since))
    if criteria.consent is ConsentFilter.GRANTED:
        stmt = stmt.where(Person.id.in_(_latest_consent(purpose_ids)))
    elif criteria.consent is ConsentFilter.NONE:
        stmt = stmt.where(~sa.exists().where(ConsentEvent.person_id == Person.id,
                                             ConsentEvent.purpose_id.in_(purpose_ids)))
    return stmt


@dataclass(frozen=True)
class Preview:
    count: int
    with_email: int
    sample: list[Person]


def preview(resolved: Resolved, *, sample_size: int = 10) -> Preview:
    """How many the criteria reach, how many by post, and the first few of them; an audience
    of nobody is refused here already, as creating it would be."""
    inner = statement(resolved).order_by(None).subquery()
    count, with_email = db.session.execute(
        sa.select(sa.func.count(), sa.func.count().filter(inner.c.has_email))).one()
    if not count:
        raise AudienceInvalid("nobody")
    ids = [row[0] for row in db.session.execute(statement(resolved).limit(sample_size))]
    people = {p.id: p for p in db.session.scalars(sa.select(Person).where(Person.id.in_(ids)))} if ids else {}
    return Preview(count or 0, with_email or 0, [people[i] for i in ids if i in people])
