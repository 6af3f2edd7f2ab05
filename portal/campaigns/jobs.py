"""The campaigns' part of `tick`: notices to the outbox at the set rate (before the mail job,
so they leave in the same tick), and closing campaigns whose answer-by day is over."""
from __future__ import annotations

from portal.audit.services import Actor
from portal.campaigns.models import Campaign
from portal.campaigns.sending import send_due
from portal.campaigns.services import CampaignRefused, close_campaign, due_for_closing
from portal.extensions import db
from portal.scheduler.jobs import register_job


@register_job("campaign notices", order=800)
def send_campaign_notices() -> str:
    return str(send_due())


@register_job("campaign closing", order=810)
def close_finished_campaigns() -> str:
    """The silence rule, once per campaign: the guarded close is the claim between machines."""
    closed = []
    for campaign_id in due_for_closing():
        try:
            outcome = close_campaign(db.session.get(Campaign, campaign_id), actor=Actor.system())
        except CampaignRefused:
            continue  # another tick closed it first
        db.session.commit()
        closed.append(f"campaign {campaign_id}: {outcome['silent']} silent, {outcome['withdrawn']} withdrawn")
    return "; ".join(closed) or "nothing to close"
