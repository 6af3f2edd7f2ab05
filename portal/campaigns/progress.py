"""How far a campaign got: counts for the manager, a CSV of results per person, and the notices
a person received (for their "my data"). Read-only queries; viewing and exporting are audited
by the callers that show them to staff."""
from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterator

import sqlalchemy as sa

from portal.campaigns.models import (Campaign, CampaignAnswer, CampaignRecipient, Choice, RecipientChannel,
                                     RecipientStatus)
from portal.common.time import JST
from portal.extensions import db
from portal.inventory.models import Person, Purpose
from portal.inventory.suppression import neutralise
from portal.mail.models import OutboxMessage, OutboxStatus

CSV_COLUMNS = ("person_key", "channel", "status", "purpose", "answer", "answered_at", "notice_version",
               "opened_at")


@dataclass
class PurposeCounts:
    purpose: Purpose
    when_silent: str
    answers: Counter = field(default_factory=Counter)  # Choice value → people (latest answer)

    @property
    def unanswered(self) -> int:
        return self.answers.get(Choice.NO_ANSWER.value, 0)


@dataclass
class Progress:
    campaign: Campaign
    total: int = 0
    statuses: Counter = field(default_factory=Counter)   # RecipientStatus value → people
    letters: int = 0
    delivered: int = 0
    failed: int = 0
    waiting_in_outbox: int = 0
    opened: int = 0
    answered: int = 0
    silent: int = 0   # contacted, no answer to anything (yet)
    per_purpose: list[PurposeCounts] = field(default_factory=list)

    @property
    def sent(self) -> int:
        return self.statuses.get(RecipientStatus.MAILED.value, 0)

    @property
    def queued(self) -> int:
        return self.statuses.get(RecipientStatus.QUEUED.value, 0)


def _latest_answer_ids(campaign_id: int):
    return (sa.select(sa.func.max(CampaignAnswer.id))
            .where(CampaignAnswer.campaign_id == campaign_id)
            .group_by(CampaignAnswer.recipient_id, CampaignAnswer.purpose_id))


def progress(campaign: Campaign) -> Progress:
    result = Progress(campaign)
    recipients = CampaignRecipient.campaign_id == campaign.id
    for status, count in db.session.execute(
            sa.select(CampaignRecipient.status, sa.func.count()).where(recipients)
            .group_by(CampaignRecipient.status)):
        result.statuses[status.value] = count
    result.total = sum(result.statuses.values())
    result.letters = result.statuses.get(RecipientStatus.LETTER.value, 0)
    for status, count in db.session.execute(
            sa.select(OutboxMessage.status, sa.func.count())
            .join(CampaignRecipient, CampaignRecipient.outbox_message_id == OutboxMessage.id)
            .where(recipients).group_by(OutboxMessage.status)):
        if status is OutboxStatus.SENT:
            result.delivered = count
        elif status is OutboxStatus.FAILED:
            result.failed = count
        else:
            result.waiting_in_outbox = count
    contacted = CampaignRecipient.status.in_([RecipientStatus.MAILED, RecipientStatus.LETTER])
    result.opened, result.answered, result.silent = db.session.execute(
        sa.select(sa.func.count(CampaignRecipient.opened_at), sa.func.count(CampaignRecipient.answered_at),
                  sa.func.count().filter(contacted, CampaignRecipient.answered_at.is_(None)))
        .where(recipients)).one()
    by_purpose = {rule.purpose_id: PurposeCounts(rule.purpose, rule.when_silent.value) for rule in campaign.purposes}
    for purpose_id, choice, count in db.session.execute(
            sa.select(CampaignAnswer.purpose_id, CampaignAnswer.choice, sa.func.count())
            .where(CampaignAnswer.id.in_(_latest_answer_ids(campaign.id)))
            .group_by(CampaignAnswer.purpose_id, CampaignAnswer.choice)):
        if purpose_id in by_purpose:
            by_purpose[purpose_id].answers[choice.value] = count
    if campaign.silence_applied_at is None:
        # Before the silence rule, "no answer yet" is everyone contacted who has not answered it.
        for purpose_id, counts in by_purpose.items():
            answered = sum(counts.answers.values())
            counts.answers[Choice.NO_ANSWER.value] = result.sent + result.letters - answered
    result.per_purpose = list(by_purpose.values())
    return result


def _when(moment) -> str:
    return moment.astimezone(JST).isoformat() if moment else ""


def result_rows(campaign: Campaign) -> Iterator[tuple]:
    """One row per person and purpose asked about: the latest answer (or none yet)."""
    purposes = {rule.purpose_id: rule.purpose.key for rule in campaign.purposes}
    latest = sa.select(CampaignAnswer).where(CampaignAnswer.id.in_(_latest_answer_ids(campaign.id))).subquery()
    stmt = (
        sa.select(Person.key, CampaignRecipient.channel, CampaignRecipient.status, CampaignRecipient.opened_at,
                  CampaignRecipient.id, latest.c.purpose_id, latest.c.choice, latest.c.at, latest.c.notice_version)
        .join(Person, Person.id == CampaignRecipient.person_id)
        .outerjoin(latest, latest.c.recipient_id == CampaignRecipient.id)
        .where(CampaignRecipient.campaign_id == campaign.id)
        .order_by(CampaignRecipient.id, latest.c.purpose_id)
        .execution_options(yield_per=2000)
    )
    pending: dict | None = None

    def finish(state):
        key, channel, status, opened, seen = state
        for purpose_id, purpose_key in purposes.items():
            if purpose_id not in seen:
                yield (key, channel, status, purpose_key, "", "", "", opened)
        for purpose_id, row in seen.items():
            yield row

    for key, channel, status, opened_at, recipient_id, purpose_id, choice, at, version in db.session.execute(stmt):
        if pending is None or pending["id"] != recipient_id:
            if pending is not None:
                yield from finish(pending["state"])
            pending = {"id": recipient_id,
                       "state": (key, RecipientChannel(channel).value, RecipientStatus(status).value,
                                 _when(opened_at), {})}
        if purpose_id is not None and purpose_id in purposes:
            pending["state"][4][purpose_id] = (
                key, pending["state"][1], pending["state"][2], purposes[purpose_id], Choice(choice).value,
                _when(at), version, pending["state"][3])
    if pending is not None:
        yield from finish(pending["state"])


def csv_chunks(rows: Iterator[tuple]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for count, row in enumerate(rows, 1):
        writer.writerow([neutralise(str(cell)) for cell in row])
        if count % 500 == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


@dataclass(frozen=True)
class ReceivedNotice:
    campaign: Campaign
    recipient: CampaignRecipient
    answers: list[CampaignAnswer]


def notices_for(person_id: int) -> list[ReceivedNotice]:
    """The campaign notices a person was sent (mail or letter), newest first, with every answer."""
    recipients = list(db.session.scalars(
        sa.select(CampaignRecipient).where(CampaignRecipient.person_id == person_id,
                                           CampaignRecipient.status.in_([RecipientStatus.MAILED,
                                                                         RecipientStatus.LETTER]))
        .order_by(CampaignRecipient.id.desc())))
    if not recipients:
        return []
    campaigns = {c.id: c for c in db.session.scalars(
        sa.select(Campaign).where(Campaign.id.in_({r.campaign_id for r in recipients})))}
    answers: dict[int, list[CampaignAnswer]] = {}
    for answer in db.session.scalars(sa.select(CampaignAnswer).where(
            CampaignAnswer.recipient_id.in_([r.id for r in recipients])).order_by(CampaignAnswer.id)):
        answers.setdefault(answer.recipient_id, []).append(answer)
    return [ReceivedNotice(campaigns[r.campaign_id], r, answers.get(r.id, [])) for r in recipients]
