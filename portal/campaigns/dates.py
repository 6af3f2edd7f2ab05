"""The campaign's clock: answers are taken until the end of the answer-by day, Japan time."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from portal.campaigns.models import Campaign, CampaignStatus
from portal.common.time import JST, utcnow


def today_in_japan(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(JST).date()


def answer_deadline(campaign: Campaign) -> datetime:
    """Links work to the end of the answer-by day, Japan time."""
    return datetime.combine(campaign.answer_by + timedelta(days=1), time.min, tzinfo=JST)


def is_open_for_answers(campaign: Campaign, now: datetime | None = None) -> bool:
    return campaign.status is CampaignStatus.SENDING and (now or utcnow()) < answer_deadline(campaign)
