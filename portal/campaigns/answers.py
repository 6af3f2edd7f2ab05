"""What a person does with a notice: open it, answer per purpose, ask for erasure, unsubscribe.

Every answer is a consent event in the person's history (method `campaign`) and a
`CampaignAnswer` row naming the campaign and the notice version shown, written together;
a withdrawal takes effect at once (the suppression list reads the history) and goes out as a
`consent.withdrawn` webhook. Answering again with the same choice writes nothing.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from portal.audit.services import Actor, record
from portal.campaigns.dates import answer_deadline
from portal.campaigns.models import (Campaign, CampaignAnswer, CampaignRecipient, CampaignStatus, Choice,
                                     RecipientStatus)
from portal.common.time import utcnow
from portal.dsr.services import create_request
from portal.extensions import db
from portal.inventory.consents import current_states, record_consent
from portal.inventory.models import ConsentState, Person
from portal.inventory.restrictions import RestrictionKind, UseRestriction

ANSWER_METHOD = "campaign"
UNSUBSCRIBE_METHOD = "campaign_unsubscribe"
_STATE_FOR = {Choice.CONTINUE: ConsentState.GRANTED, Choice.STOP: ConsentState.WITHDRAWN,
              Choice.ERASE: ConsentState.WITHDRAWN}


class LinkState(enum.StrEnum):
    OPEN = "open"
    UNKNOWN = "unknown"    # not signed by us, or no such recipient
    NOT_SENT = "not_sent"  # the campaign was not sent to this person (draft, cancelled)
    EXPIRED = "expired"    # the answer-by date passed or the campaign was closed
    ERASED = "erased"      # the person's data was erased since


@dataclass(frozen=True)
class Notice:
    state: LinkState
    recipient: CampaignRecipient | None = None
    campaign: Campaign | None = None
    person: Person | None = None


def _erased(person_id: int) -> bool:
    return db.session.scalar(sa.select(sa.exists().where(
        UseRestriction.person_id == person_id, UseRestriction.lifted_at.is_(None),
        UseRestriction.kind == RestrictionKind.ERASURE))) or False


def find_notice(recipient_id: int | None, *, now: datetime | None = None) -> Notice:
    """The notice a link or code leads to, and whether it can still be answered."""
    now = now or utcnow()
    recipient = db.session.get(CampaignRecipient, recipient_id) if recipient_id is not None else None
    if recipient is None:
        return Notice(LinkState.UNKNOWN)
    campaign = db.session.get(Campaign, recipient.campaign_id)
    person = db.session.get(Person, recipient.person_id)
    if person is None or _erased(person.id):
        return Notice(LinkState.ERASED, recipient, campaign)
    if recipient.status not in (RecipientStatus.MAILED, RecipientStatus.LETTER):
        state = LinkState.EXPIRED if campaign.status is CampaignStatus.CLOSED else LinkState.NOT_SENT
        return Notice(state, recipient, campaign, person)
    if campaign.status is CampaignStatus.CLOSED or now >= answer_deadline(campaign):
        return Notice(LinkState.EXPIRED, recipient, campaign, person)
    return Notice(LinkState.OPEN, recipient, campaign, person)


def find_by_code(code: str) -> int | None:
    return db.session.scalar(sa.select(CampaignRecipient.id).where(CampaignRecipient.short_code == code))


def mark_opened(recipient: CampaignRecipient, *, now: datetime | None = None) -> None:
    """The first visit counts as "opened" (later ones change nothing)."""
    if recipient.opened_at is None:
        db.session.execute(sa.update(CampaignRecipient)
                           .where(CampaignRecipient.id == recipient.id, CampaignRecipient.opened_at.is_(None))
                           .values(opened_at=now or utcnow()).execution_options(synchronize_session=False))
        db.session.refresh(recipient)


def latest_answers(recipient_id: int) -> dict[int, CampaignAnswer]:
    """Purpose id → the person's latest answer for it."""
    rows = db.session.scalars(sa.select(CampaignAnswer).where(CampaignAnswer.recipient_id == recipient_id)
                              .order_by(CampaignAnswer.id))
    return {answer.purpose_id: answer for answer in rows}


def _actor(notice: Notice) -> Actor:
    return Actor("customer", notice.person.id)


def _answer(notice: Notice, purpose_id: int, choice: Choice, *, now: datetime, reference: str | None = None):
    rule = next(r for r in notice.campaign.purposes if r.purpose_id == purpose_id)
    event = record_consent(notice.person.id, rule.purpose, _STATE_FOR[choice], actor=_actor(notice),
                           method=ANSWER_METHOD, at=now, request_reference=reference)
    answer = CampaignAnswer(campaign_id=notice.campaign.id, recipient_id=notice.recipient.id,
                            person_id=notice.person.id, purpose_id=purpose_id, choice=choice,
                            notice_version=notice.campaign.notice_version, at=now, consent_event_id=event.id,
                            request_reference=reference)
    db.session.add(answer)
    return answer


def record_answers(notice: Notice, choices: dict[int, Choice], *, now: datetime | None = None) -> int:
    """Continue / stop per purpose id; only changed choices are written. Returns how many."""
    if notice.state is not LinkState.OPEN:
        raise ValueError(f"the notice cannot be answered: {notice.state}")
    now = now or utcnow()
    asked = {r.purpose_id for r in notice.campaign.purposes}
    latest = latest_answers(notice.recipient.id)
    changed = []
    for purpose_id, choice in choices.items():
        if purpose_id not in asked or choice not in (Choice.CONTINUE, Choice.STOP):
            continue
        previous = latest.get(purpose_id)
        if previous is not None and previous.choice is choice:
            continue
        changed.append(_answer(notice, purpose_id, choice, now=now))
    if changed:
        notice.recipient.answered_at = now
        db.session.flush()
        record("campaigns.answered", actor=_actor(notice), target_type="campaign", target_id=notice.campaign.id,
               person_id=notice.person.id,
               details={"answers": {str(a.purpose_id): a.choice.value for a in changed},
                        "notice_version": notice.campaign.notice_version})
    return len(changed)


def stop_everything(notice: Notice, *, now: datetime | None = None) -> int:
    """One-click unsubscribe (RFC 8058) or "stop them all": every purpose asked about stops.

    An unsubscribe must work whenever it is pressed, so after the answer-by date it still
    withdraws consent (method `campaign_unsubscribe`), though the campaign takes no answers."""
    if notice.state is LinkState.OPEN:
        return record_answers(notice, {r.purpose_id: Choice.STOP for r in notice.campaign.purposes}, now=now)
    if notice.state is not LinkState.EXPIRED or notice.person is None:
        return 0
    states = current_states(notice.person.id)
    stopped = 0
    for rule in notice.campaign.purposes:
        if states.get(rule.purpose_id) is not ConsentState.WITHDRAWN:
            record_consent(notice.person.id, rule.purpose, ConsentState.WITHDRAWN, actor=_actor(notice),
                           method=UNSUBSCRIBE_METHOD, at=now or utcnow())
            stopped += 1
    return stopped


def ask_for_erasure(notice: Notice, *, language: str, now: datetime | None = None) -> str | None:
    """"Erase my data": every purpose stops at once and an erasure request is filed for staff
    to carry out (legal holds and the like are theirs to weigh). Returns its reference, or
    None when the person has no mail address to answer to (the answers still stand)."""
    if notice.state is not LinkState.OPEN:
        raise ValueError(f"the notice cannot be answered: {notice.state}")
    now = now or utcnow()
    reference = None
    if notice.person.email:
        change = create_request(type="erasure", person_id=notice.person.id, requester_email=notice.person.email,
                                channel="web", language=language, residence=None, verified=True,
                                details={"campaign": notice.campaign.id}, actor=_actor(notice))
        reference = change.request.reference
    latest = latest_answers(notice.recipient.id)
    for rule in notice.campaign.purposes:
        previous = latest.get(rule.purpose_id)
        if previous is None or previous.choice is not Choice.ERASE:
            _answer(notice, rule.purpose_id, Choice.ERASE, now=now, reference=reference)
    notice.recipient.answered_at = now
    db.session.flush()
    record("campaigns.erasure_asked", actor=_actor(notice), target_type="campaign", target_id=notice.campaign.id,
           person_id=notice.person.id, details={"request": reference})
    return reference
