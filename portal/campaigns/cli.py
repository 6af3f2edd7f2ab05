"""`flask --app portal campaign …`: the same services as the staff pages, for scheduled use.

Bad input changes nothing and exits 1 with one line saying why.
"""
from __future__ import annotations

from datetime import datetime

import click
from flask import Blueprint

from portal.audit.services import Actor
from portal.campaigns import progress as progress_queries
from portal.campaigns.audience import AudienceInvalid, Criteria
from portal.campaigns.models import WhenSilent
from portal.campaigns.services import CampaignRefused, close_campaign, create_campaign, get_campaign, send_campaign
from portal.campaigns.wording import WordingInvalid
from portal.common.time import JST, parse_date
from portal.extensions import db

bp = Blueprint("campaign_cli", __name__, cli_group="campaign")

MESSAGES = {
    "nobody": "the audience is empty: nobody matches these criteria",
    "no_source": "name at least one --source",
    "unknown_source": "unknown source key: {detail}",
    "unknown_purpose": "unknown purpose key: {detail}",
    "no_purpose": "no purpose to ask about: name them with --purposes",
    "unknown_category": "unknown category: {detail}",
    "dates_reversed": "the collection dates are reversed",
    "name_invalid": "give a name of 1 to 200 characters",
    "answer_by_past": "the answer-by date is in the past",
    "answer_by_passed": "the answer-by date has passed: nothing was sent",
    "already_sent": "campaign already sent ({sent_at}): nothing sent twice",
    "already_closed": "campaign already closed ({closed_at})",
    "not_found": "no campaign {id}",
}


def _fail(code: str, **details) -> None:
    db.session.rollback()
    details = {key: f"{value.astimezone(JST):%Y-%m-%d %H:%M} JST" if isinstance(value, datetime) else value
               for key, value in details.items()}
    raise click.ClickException(MESSAGES.get(code, code).format(**details))


@bp.cli.command("create")
@click.option("--name", required=True)
@click.option("--source", "sources", required=True, multiple=True, help="Source key; repeat for several.")
@click.option("--purposes", default="", help="K1,K2 (default: every purpose the sources' data is used for).")
@click.option("--answer-by", "answer_by", required=True, help="YYYY-MM-DD (Japan time, inclusive).")
@click.option("--when-silent", "when_silent", type=click.Choice(["keep", "withdraw"]), default=None,
              help="What silence means for every purpose (default: withdraw where consent is required, else keep).")
def create(name, sources, purposes, answer_by, when_silent):
    """Fix a campaign's audience and wording (default ja/en templates); nobody is contacted yet."""
    try:
        day = parse_date(answer_by)
    except ValueError:
        raise click.ClickException(f"not a YYYY-MM-DD date: {answer_by}") from None
    criteria = Criteria(source_keys=tuple(sources),
                        purpose_keys=tuple(k.strip() for k in purposes.split(",") if k.strip()))
    try:
        campaign = create_campaign(name=name, criteria=criteria, answer_by=day, actor=Actor.cli(),
                                   when_silent=WhenSilent(when_silent) if when_silent else None)
    except AudienceInvalid as exc:
        _fail(exc.code, detail=exc.detail)
    except CampaignRefused as exc:
        _fail(exc.code, **exc.details)
    except WordingInvalid as exc:
        _fail(f"unknown placeholder in {exc.field}: {exc.placeholder}")
    db.session.commit()
    click.echo(f"campaign {campaign.id}: {campaign.size} people")


def _campaign(campaign_id: int):
    try:
        return get_campaign(campaign_id)
    except CampaignRefused as exc:
        _fail(exc.code, **exc.details)


def _act(service, campaign_id: int) -> tuple:
    """Run a service on the campaign and commit; a refusal exits 1 with nothing written."""
    campaign = _campaign(campaign_id)
    try:
        outcome = service(campaign, actor=Actor.cli())
    except CampaignRefused as exc:
        _fail(exc.code, **exc.details)
    db.session.commit()
    return campaign, outcome


@bp.cli.command("send")
@click.argument("campaign_id", type=int)
def send(campaign_id):
    """Queue the notices (tick sends them at PORTAL_CAMPAIGN_RATE_PER_MINUTE); letters are listed."""
    _campaign_row, outcome = _act(send_campaign, campaign_id)
    click.echo(f"campaign {campaign_id}: {outcome['queued']} mails queued, {outcome['letters']} letters to print")


@bp.cli.command("status")
@click.argument("campaign_id", type=int)
def status(campaign_id):
    """Counts: sent, delivered, failed, opened, answers per purpose, silent."""
    campaign = _campaign(campaign_id)
    p = progress_queries.progress(campaign)
    click.echo(f"campaign {campaign.id} ({campaign.status.value}), answer by {campaign.answer_by.isoformat()}")
    click.echo(f"people: {p.total}  queued: {p.queued}  sent: {p.sent}  delivered: {p.delivered}  "
               f"failed: {p.failed}  letters: {p.letters}  opened: {p.opened}  answered: {p.answered}  "
               f"silent: {p.silent}")
    for counts in p.per_purpose:
        parts = "  ".join(f"{choice}: {counts.answers.get(choice, 0)}"
                          for choice in ("continue", "stop", "erase", "no_answer"))
        click.echo(f"  {counts.purpose.key} (silence: {counts.when_silent})  {parts}")


@bp.cli.command("close")
@click.argument("campaign_id", type=int)
def close(campaign_id):
    """Close now: after the answer-by date the silence rule is applied (once); before it, nothing more is sent."""
    campaign, outcome = _act(close_campaign, campaign_id)
    rule = "silence rule applied" if campaign.silence_applied_at else "closed before the answer-by date"
    click.echo(f"campaign {campaign_id}: closed ({rule}); {outcome['silent']} silent, "
               f"{outcome['withdrawn']} withdrawn, {outcome['cancelled']} not sent")
