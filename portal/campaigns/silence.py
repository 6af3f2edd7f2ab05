"""The silence rule: after the answer-by date, every purpose a contacted person left unanswered
gets a "no answer" — and, where the rule says so, a withdrawal in their consent history.

Applied once, by the service that closes the campaign (its guarded UPDATE is the claim). Set
based: consent events and answers are inserted in batches with their ids returned, so a
campaign of 100,000 people is a few hundred statements.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from portal import webhooks
from portal.campaigns.dates import answer_deadline
from portal.campaigns.models import (Campaign, CampaignAnswer, CampaignRecipient, Choice, RecipientStatus,
                                     WhenSilent)
from portal.extensions import db
from portal.inventory.models import ConsentEvent, ConsentState

NO_ANSWER_METHOD = "campaign_no_answer"
_BATCH = 2000


def _unanswered(campaign: Campaign, purpose_id: int) -> sa.Select:
    answered = sa.exists().where(CampaignAnswer.recipient_id == CampaignRecipient.id,
                                 CampaignAnswer.purpose_id == purpose_id)
    return (sa.select(CampaignRecipient.id, CampaignRecipient.person_id)
            .where(CampaignRecipient.campaign_id == campaign.id,
                   CampaignRecipient.status.in_([RecipientStatus.MAILED, RecipientStatus.LETTER]), ~answered)
            .order_by(CampaignRecipient.id))


def apply_silence_rule(campaign: Campaign, *, now: datetime) -> dict[str, int]:
    """Record "no answer" for every unanswered purpose; returns counts (no personal data)."""
    at = answer_deadline(campaign)
    silent_people = db.session.scalar(
        sa.select(sa.func.count()).select_from(CampaignRecipient).where(
            CampaignRecipient.campaign_id == campaign.id,
            CampaignRecipient.status.in_([RecipientStatus.MAILED, RecipientStatus.LETTER]),
            CampaignRecipient.answered_at.is_(None))) or 0
    withdrawn = 0
    for rule in campaign.purposes:
        pending = db.session.execute(_unanswered(campaign, rule.purpose_id)).all()
        for start in range(0, len(pending), _BATCH):
            batch = pending[start:start + _BATCH]
            event_ids: list[int | None] = [None] * len(batch)
            if rule.when_silent is WhenSilent.WITHDRAW:
                event_ids = list(db.session.scalars(
                    sa.insert(ConsentEvent).returning(ConsentEvent.id, sort_by_parameter_order=True),
                    [{"person_id": person_id, "purpose_id": rule.purpose_id, "state": ConsentState.WITHDRAWN,
                      "at": at, "method": NO_ANSWER_METHOD, "source_id": None, "recorded_at": now}
                     for _recipient_id, person_id in batch]))
                withdrawn += len(batch)
                for _recipient_id, person_id in batch:
                    webhooks.emit("consent.withdrawn", {"person_id": person_id, "purpose": rule.purpose.key,
                                                        "at": at.isoformat(), "request": None,
                                                        "campaign": campaign.id, "answer": Choice.NO_ANSWER.value})
            db.session.execute(sa.insert(CampaignAnswer), [
                {"campaign_id": campaign.id, "recipient_id": recipient_id, "person_id": person_id,
                 "purpose_id": rule.purpose_id, "choice": Choice.NO_ANSWER, "notice_version": campaign.notice_version,
                 "at": at, "consent_event_id": event_id}
                for (recipient_id, person_id), event_id in zip(batch, event_ids)])
    return {"silent": silent_people, "withdrawn": withdrawn}
