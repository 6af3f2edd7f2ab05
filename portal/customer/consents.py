"""Withdrawing and giving again consent, per purpose, and "stop all marketing" — at once.

Each change appends consent events (method `portal`) and is recorded as a consent request
carried out at once (received → verified → in progress → applied → completed), with a
confirmation mail. The suppression list reads the consent history, so a withdrawal is on it
the moment the change commits.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.customer import queries
from portal.customer.request_services import Requester, file_request, notify
from portal.dsr.applied import complete_at_once
from portal.dsr.errors import DsrError
from portal.dsr.models import RequestType
from portal.dsr.queries import find_by_idempotency_key
from portal.dsr.workflow import Change
from portal.extensions import db
from portal.i18n import localized
from portal.inventory.consents import current_states, record_consent
from portal.inventory.models import Channel, ConsentEvent, ConsentState, Item, Purpose, item_purpose

METHOD = "portal"


class NothingToChange(DsrError):
    """The consent is already in the state asked for (a second tab, an old page)."""


@dataclass
class ConsentChoice:
    purpose: Purpose
    state: ConsentState | None  # None: we hold no consent event for it
    history: list[ConsentEvent] = field(default_factory=list)  # newest first

    @property
    def granted(self) -> bool:
        return self.state is ConsentState.GRANTED


def _consent_purposes() -> list[Purpose]:
    return list(db.session.scalars(sa.select(Purpose).where(Purpose.consent_required.is_(True)).order_by(Purpose.id)))


def marketing_purposes() -> list[Purpose]:
    """What "stop all marketing" covers: uses that need consent and reach the person somehow."""
    return [purpose for purpose in _consent_purposes() if purpose.channel is not Channel.NONE]


def consent_choices(person_id: int) -> list[ConsentChoice]:
    """The consent-based purposes that concern the person: those with a history or with their data."""
    events = queries.consent_events(person_id)
    used = set(db.session.scalars(
        sa.select(item_purpose.c.purpose_id).join(Item, Item.id == item_purpose.c.item_id)
        .where(Item.person_id == person_id).distinct()
    ))
    choices = []
    for purpose in _consent_purposes():
        history = [event for event in events if event.purpose_id == purpose.id]
        if history or purpose.id in used:
            choices.append(ConsentChoice(purpose, history[-1].state if history else None, list(reversed(history))))
    return choices


def _apply(requester: Requester, wanted: list[tuple[Purpose, ConsentState]], *, residence: str,
           idempotency_key: str, stop_all: bool) -> Change:
    consents = [{"purpose": purpose.key, "state": state.value} for purpose, state in wanted]
    change = file_request(requester, type=RequestType.CONSENT_WITHDRAWAL, residence=residence,
                          details={"consents": consents, "stop_all_marketing": stop_all},
                          idempotency_key=idempotency_key, send_receipt=False)
    if not change.created:
        return change
    request = change.request
    for purpose, state in wanted:
        record_consent(requester.person_id, purpose, state, actor=requester.actor, method=METHOD,
                       at=request.received_at, request_reference=request.reference)
    done = "\n".join(
        (_("%(purpose)s: consent withdrawn") if state is ConsentState.WITHDRAWN else _("%(purpose)s: consent given"))
        % {"purpose": localized(purpose, "title")} for purpose, state in wanted)
    change = complete_at_once(change, applied={"consents": consents}, body=done, now=request.received_at)
    notify(change)
    return change


def _already_filed(requester: Requester, idempotency_key: str) -> bool:
    """A second press of the same button: answer with the request the first press filed."""
    return find_by_idempotency_key(requester.key(idempotency_key)) is not None


def change_consent(requester: Requester, purpose: Purpose, state: ConsentState, *, residence: str,
                   idempotency_key: str) -> Change:
    """Withdraw (or give again) consent for one purpose, effective now."""
    if not _already_filed(requester, idempotency_key) and current_states(requester.person_id).get(purpose.id) is state:
        raise NothingToChange(_l("This is already the case. Nothing was changed."))
    return _apply(requester, [(purpose, state)], residence=residence, idempotency_key=idempotency_key,
                  stop_all=False)


def stop_all_marketing(requester: Requester, *, residence: str, idempotency_key: str) -> Change:
    """Withdraw every consent-based use with a channel that is not already withdrawn."""
    states = current_states(requester.person_id)
    wanted = [(purpose, ConsentState.WITHDRAWN) for purpose in marketing_purposes()
              if states.get(purpose.id) is not ConsentState.WITHDRAWN]
    if not wanted and not _already_filed(requester, idempotency_key):
        raise NothingToChange(_l("You already receive no news or offers from us. Nothing was changed."))
    return _apply(requester, wanted, residence=residence, idempotency_key=idempotency_key, stop_all=True)
