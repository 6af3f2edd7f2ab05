"""Building, sending and closing campaigns (the staff pages and the CLI call these).

Each service changes state and writes its audit entry in the caller's transaction; the
caller (request or command) commits. Guards are guarded UPDATEs, so a double click, a second
`campaign send` or two `tick`s at once change nothing twice.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from portal.audit.services import Actor, record
from portal.campaigns import links, wording
from portal.campaigns.audience import AudienceInvalid, Criteria, resolve, statement
from portal.campaigns.dates import answer_deadline, today_in_japan
from portal.campaigns.silence import apply_silence_rule
from portal.campaigns.models import (Campaign, CampaignPurpose, CampaignRecipient, CampaignStatus,
                                     RecipientChannel, RecipientStatus, WhenSilent)
from portal.common.db import insert_many
from portal.common.time import utcnow
from portal.extensions import db

_INSERT_BATCH = 5000


class CampaignRefused(ValueError):
    """The action cannot be done as asked; `code` names why (the screens word it)."""

    def __init__(self, code: str, **details):
        super().__init__(code)
        self.code = code
        self.details = details


def default_when_silent(purpose) -> WhenSilent:
    """Silence is no consent: consent-based uses stop unless the person says continue."""
    return WhenSilent.WITHDRAW if purpose.consent_required else WhenSilent.KEEP


@dataclass(frozen=True)
class Wording:
    subject_ja: str = wording.DEFAULT_SUBJECT["ja"]
    subject_en: str = wording.DEFAULT_SUBJECT["en"]
    body_ja: str = wording.DEFAULT_BODY["ja"]
    body_en: str = wording.DEFAULT_BODY["en"]

    def check(self) -> None:
        for name in ("subject_ja", "subject_en", "body_ja", "body_en"):
            text = getattr(self, name)
            if not (text or "").strip():
                raise CampaignRefused("wording_empty", field=name)
            wording.check(name, text)


def create_campaign(*, name: str, criteria: Criteria, answer_by: date, actor: Actor,
                    when_silent: dict[str, WhenSilent] | WhenSilent | None = None,
                    text: Wording | None = None, now: datetime | None = None) -> Campaign:
    """Fix the audience and the wording; nobody is contacted until `send_campaign`.

    `when_silent`: one rule for every purpose, or per purpose key; unnamed purposes get the
    safe default (withdraw for consent-based purposes, keep for the others)."""
    now = now or utcnow()
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise CampaignRefused("name_invalid")
    if answer_by < today_in_japan(now):
        raise CampaignRefused("answer_by_past")
    text = text or Wording()
    text.check()
    resolved = resolve(criteria)

    campaign = Campaign(name=name, status=CampaignStatus.DRAFT, audience=criteria.as_record(), answer_by=answer_by,
                        subject_ja=text.subject_ja.strip(), subject_en=text.subject_en.strip(),
                        body_ja=text.body_ja.strip(), body_en=text.body_en.strip(), notice_version="-",
                        created_by=None if actor.id is None else str(actor.id), created_at=now)
    db.session.add(campaign)
    db.session.flush()
    campaign.notice_version = wording.notice_version(
        campaign.id, [campaign.subject_ja, campaign.subject_en, campaign.body_ja, campaign.body_en])
    for position, purpose in enumerate(resolved.purposes):
        rule = when_silent.get(purpose.key) if isinstance(when_silent, dict) else when_silent
        db.session.add(CampaignPurpose(campaign_id=campaign.id, purpose_id=purpose.id, position=position,
                                       when_silent=WhenSilent(rule) if rule else default_when_silent(purpose)))

    size = _insert_recipients(campaign, statement(resolved, now=now))
    if size == 0:
        # Nothing is kept for an audience of nobody: the caller's transaction rolls back.
        raise AudienceInvalid("nobody")
    campaign.size = size
    db.session.flush()
    record("campaigns.created", actor=actor, target_type="campaign", target_id=campaign.id,
           details={"size": size, "sources": list(criteria.source_keys),
                    "purposes": [p.key for p in resolved.purposes], "answer_by": answer_by.isoformat(),
                    "notice_version": campaign.notice_version})
    return campaign


def _insert_recipients(campaign: Campaign, audience: sa.Select) -> int:
    """Bulk-insert the audience (COPY on PostgreSQL, executemany elsewhere) in batches, with a
    short code each: 100,000 people in seconds, not minutes."""
    table = CampaignRecipient.__table__
    result = db.session.execute(audience.execution_options(yield_per=_INSERT_BATCH))
    total = 0
    rows = result.fetchmany(_INSERT_BATCH)
    while rows:
        codes = links.new_short_codes(len(rows))
        insert_many(table, [
            {"campaign_id": campaign.id, "person_id": person_id, "source_id": source_id,
             "channel": RecipientChannel.EMAIL if has_email else RecipientChannel.POST,
             "short_code": code, "status": RecipientStatus.NEW}
            for (person_id, source_id, has_email), code in zip(rows, codes)
        ])
        total += len(rows)
        rows = result.fetchmany(_INSERT_BATCH)
    return total


def get_campaign(campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise CampaignRefused("not_found", id=campaign_id)
    return campaign


def _claim(campaign: Campaign, allowed, values: dict, refusal: str, **details) -> None:
    """Move the campaign on with one guarded UPDATE (the claim between two clicks or ticks);
    whoever comes second is refused with `refusal` and changes nothing."""
    claimed = db.session.execute(
        sa.update(Campaign).where(Campaign.id == campaign.id, allowed).values(**values)
        .execution_options(synchronize_session=False)).rowcount
    db.session.refresh(campaign)
    if claimed != 1:
        raise CampaignRefused(refusal, **{key: getattr(campaign, key) for key in details})


def _move_recipients(campaign: Campaign, *conditions, **values) -> int:
    return db.session.execute(
        sa.update(CampaignRecipient).where(CampaignRecipient.campaign_id == campaign.id, *conditions)
        .values(**values).execution_options(synchronize_session=False)).rowcount


def send_campaign(campaign: Campaign, *, actor: Actor, now: datetime | None = None) -> dict[str, int]:
    """Queue every email recipient for `tick` and list the letters; only once per campaign."""
    now = now or utcnow()
    if now >= answer_deadline(campaign):
        raise CampaignRefused("answer_by_passed")
    _claim(campaign, Campaign.status == CampaignStatus.DRAFT, {"status": CampaignStatus.SENDING, "sent_at": now},
           "already_sent", sent_at=True)
    new = CampaignRecipient.status == RecipientStatus.NEW
    queued = _move_recipients(campaign, new, CampaignRecipient.channel == RecipientChannel.EMAIL,
                              status=RecipientStatus.QUEUED, queued_at=now)
    letters = _move_recipients(campaign, new, CampaignRecipient.channel == RecipientChannel.POST,
                               status=RecipientStatus.LETTER, queued_at=now)
    record("campaigns.sent", actor=actor, target_type="campaign", target_id=campaign.id,
           details={"queued": queued, "letters": letters})
    return {"queued": queued, "letters": letters}


def close_campaign(campaign: Campaign, *, actor: Actor, now: datetime | None = None) -> dict[str, int]:
    """After the answer-by date: apply the silence rule once and close. Before it: close early
    (nothing more is sent, links stop working) without treating anyone's silence as an answer."""
    now = now or utcnow()
    _claim(campaign, Campaign.status != CampaignStatus.CLOSED, {"status": CampaignStatus.CLOSED, "closed_at": now},
           "already_closed", closed_at=True)
    cancelled = _move_recipients(campaign, CampaignRecipient.status.in_([RecipientStatus.NEW, RecipientStatus.QUEUED]),
                                 status=RecipientStatus.CANCELLED)
    outcome = {"cancelled": cancelled, "silent": 0, "withdrawn": 0}
    if now >= answer_deadline(campaign) and campaign.sent_at is not None:
        outcome.update(apply_silence_rule(campaign, now=now))
        campaign.silence_applied_at = now
    record("campaigns.closed", actor=actor, target_type="campaign", target_id=campaign.id,
           details={**outcome, "early": campaign.silence_applied_at is None})
    return outcome


def due_for_closing(now: datetime | None = None) -> list[int]:
    """Campaigns still sending whose answer-by day is over (Japan time)."""
    yesterday = today_in_japan(now) - timedelta(days=1)
    return list(db.session.scalars(
        sa.select(Campaign.id).where(Campaign.status == CampaignStatus.SENDING, Campaign.answer_by <= yesterday)
        .order_by(Campaign.id)))
