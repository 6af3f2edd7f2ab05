"""Handing queued notices to the mail outbox at the set rate (what `tick` runs).

The rate (PORTAL_CAMPAIGN_RATE_PER_MINUTE, all campaigns together) is kept over a sliding
minute: a pass hands over only as many as were not handed over in the 60 seconds before it,
so running `tick` every 10 seconds or every minute sends the same number per minute. Rows
are claimed with SKIP LOCKED on PostgreSQL and a guarded UPDATE everywhere, so two `tick`s
never mail one person twice.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, format_date, gettext as _

from portal.campaigns import links, wording
from portal.campaigns.dates import is_open_for_answers
from portal.campaigns.models import Campaign, CampaignRecipient, CampaignStatus, RecipientStatus
from portal.common.time import utcnow
from portal.extensions import db
from portal.inventory.models import Person, Source
from portal.inventory.restrictions import RestrictionKind, UseRestriction
from portal.mail.services import external_url, queue_mail

WINDOW = timedelta(minutes=1)


@dataclass
class SendReport:
    mailed: int = 0
    skipped: int = 0
    allowance: int = 0

    def __str__(self) -> str:
        if not (self.mailed or self.skipped):
            return "nothing to send" if self.allowance else "rate reached, waiting"
        return f"{self.mailed} notices queued" + (f", {self.skipped} skipped (erased)" if self.skipped else "")


def allowance(now: datetime, rate: int) -> int:
    """How many may still be handed over in the minute ending now."""
    recent = db.session.scalar(sa.select(sa.func.count()).select_from(CampaignRecipient)
                               .where(CampaignRecipient.mailed_at > now - WINDOW)) or 0
    return max(rate - recent, 0)


def unsubscribe_headers(recipient_id: int) -> dict[str, str]:
    """RFC 2369 / RFC 8058: one-click POST to a signed URL; no mailto (nobody reads that box)."""
    url = external_url("campaign_landing.unsubscribe", token=links.unsubscribe_token(recipient_id))
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def _claim(ids: list[int], now: datetime) -> set[int]:
    """Mark these queued rows as mailed in one guarded UPDATE; the ids it changed are ours
    (a row another tick took meanwhile is no longer queued, so it is not returned)."""
    if not ids:
        return set()
    return set(db.session.scalars(
        sa.update(CampaignRecipient)
        .where(CampaignRecipient.id.in_(ids), CampaignRecipient.status == RecipientStatus.QUEUED)
        .values(status=RecipientStatus.MAILED, mailed_at=now)
        .returning(CampaignRecipient.id).execution_options(synchronize_session=False)))


def _mail(recipient: CampaignRecipient, campaign: Campaign, person: Person, texts: dict) -> int:
    message = queue_mail(
        to=person.email, template="campaign_notice", language="ja", kind="campaign_notice",
        headers=unsubscribe_headers(recipient.id),
        link=external_url("campaign_landing.notice", token=links.notice_token(recipient.id)), **texts)
    return message.id


def _texts(campaign: Campaign, source: Source | None) -> dict:
    """The filled wording: the same for everyone from one source, so made once per pass."""
    purposes = [rule.purpose for rule in campaign.purposes]
    filled = {language: wording.values(language, source=source, purposes=purposes, answer_by=campaign.answer_by)
              for language in ("ja", "en")}
    return {"subject": wording.fill(campaign.subject_ja, filled["ja"]),
            "body_ja": wording.fill(campaign.body_ja, filled["ja"]),
            "subject_en": wording.fill(campaign.subject_en, filled["en"]),
            "body_en": wording.fill(campaign.body_en, filled["en"]),
            "lines": {language: _fixed_lines(language, campaign) for language in ("ja", "en")}}


def _fixed_lines(language: str, campaign: Campaign) -> dict[str, str]:
    """The lines every notice carries whatever its wording: the link and how to stop."""
    with force_locale(language):
        return {
            "answer": _("Answer, or read more, here (the link works as often as you like until %(date)s):",
                        date=format_date(campaign.answer_by, "long")),
            "stop": _("To stop every use this notice asks about, choose \"stop\" on the same page; your mail "
                      "program's unsubscribe button does the same."),
        }


def send_due(*, now: datetime | None = None, rate: int | None = None) -> SendReport:
    """One pass: hand over up to the rate's allowance of queued notices, oldest campaign first."""
    now = now or utcnow()
    rate = current_app.config["PORTAL_CAMPAIGN_RATE_PER_MINUTE"] if rate is None else rate
    report = SendReport(allowance=allowance(now, rate))
    if report.allowance == 0:
        return report
    ids = list(db.session.scalars(
        sa.select(CampaignRecipient.id)
        .join(Campaign, Campaign.id == CampaignRecipient.campaign_id)
        .where(Campaign.status == CampaignStatus.SENDING, CampaignRecipient.status == RecipientStatus.QUEUED)
        .order_by(CampaignRecipient.campaign_id, CampaignRecipient.id)
        .limit(report.allowance)
        .with_for_update(of=CampaignRecipient, skip_locked=True)))
    erased = set(db.session.scalars(sa.select(UseRestriction.person_id).where(
        UseRestriction.person_id.in_(sa.select(CampaignRecipient.person_id).where(CampaignRecipient.id.in_(ids))),
        UseRestriction.lifted_at.is_(None), UseRestriction.kind == RestrictionKind.ERASURE))) if ids else set()
    claimed = _claim(ids, now)
    recipients = list(db.session.scalars(sa.select(CampaignRecipient).where(CampaignRecipient.id.in_(claimed))
                                         .order_by(CampaignRecipient.id)
                                         .execution_options(populate_existing=True))) if claimed else []
    people = {p.id: p for p in db.session.scalars(
        sa.select(Person).where(Person.id.in_([r.person_id for r in recipients])))} if recipients else {}
    campaigns: dict[int, Campaign] = {}
    texts: dict[tuple[int, int | None], dict] = {}
    for recipient in recipients:
        campaign = campaigns.get(recipient.campaign_id) or db.session.get(Campaign, recipient.campaign_id)
        campaigns[campaign.id] = campaign
        person = people.get(recipient.person_id)
        if recipient.person_id in erased or not is_open_for_answers(campaign, now) or not (person and person.email):
            # Erased since the audience was fixed, or too late to answer: not contacted at all.
            recipient.status, recipient.mailed_at = RecipientStatus.CANCELLED, None
            report.skipped += 1
            continue
        key = (campaign.id, recipient.source_id)
        if key not in texts:
            texts[key] = _texts(campaign, db.session.get(Source, recipient.source_id) if recipient.source_id else None)
        recipient.outbox_message_id = _mail(recipient, campaign, person, texts[key])
        report.mailed += 1
    db.session.flush()
    return report
