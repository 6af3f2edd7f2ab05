"""Withdrawing and giving again consent, per purpose, and "stop all marketing" — at once.

Each change appends consent events (method `portal`) and is recorded as a consent request
carried out at once (received → verified → in progress → applied → completed), with a
confirmation mail. The suppression list reads the consent history, so a withdrawal is on it
the moment the change commits.

Marketing that needs no consent (a catalogue by post) can be objected to (異議・利用停止) the
same way: an `objection` restriction on that purpose, which the suppression list also reads,
lifted again if the person changes their mind. Uses with no channel (delivery, points) do not
reach the person, so they are not objected to here but by a suspension or erasure request.
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
from portal.inventory.restrictions import RestrictionKind, UseRestriction, lift_restriction, restrict_use
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


@dataclass
class ObjectionChoice:
    purpose: Purpose
    objection: UseRestriction | None  # the active objection, if any

    @property
    def objectionable(self) -> bool:
        """Only marketing (a use that reaches the person) is objected to on this page."""
        return self.purpose.channel is not Channel.NONE


def _consent_purposes() -> list[Purpose]:
    return list(db.session.scalars(sa.select(Purpose).where(Purpose.consent_required.is_(True)).order_by(Purpose.id)))


def _opt_out_marketing() -> list[Purpose]:
    """Marketing without consent: it runs until the person objects."""
    return list(db.session.scalars(
        sa.select(Purpose).where(Purpose.consent_required.is_(False), Purpose.channel != Channel.NONE)
        .order_by(Purpose.id)))


def marketing_purposes() -> list[Purpose]:
    """What "stop all marketing" covers: every use that reaches the person, with consent or without."""
    consented = [purpose for purpose in _consent_purposes() if purpose.channel is not Channel.NONE]
    return consented + _opt_out_marketing()


def _used_purpose_ids(person_id: int) -> set[int]:
    return set(db.session.scalars(
        sa.select(item_purpose.c.purpose_id).join(Item, Item.id == item_purpose.c.item_id)
        .where(Item.person_id == person_id).distinct()
    ))


def _active_objections(person_id: int) -> dict[int, UseRestriction]:
    """The person's objections in force, by purpose."""
    return {r.purpose_id: r for r in db.session.scalars(sa.select(UseRestriction).where(
        UseRestriction.person_id == person_id, UseRestriction.kind == RestrictionKind.OBJECTION,
        UseRestriction.purpose_id.is_not(None), UseRestriction.lifted_at.is_(None)))}


def objection_choices(person_id: int) -> list[ObjectionChoice]:
    """The uses without consent that concern the person: those with their data or an objection."""
    used, objections = _used_purpose_ids(person_id), _active_objections(person_id)
    purposes = db.session.scalars(sa.select(Purpose).where(Purpose.consent_required.is_(False)).order_by(Purpose.id))
    return [ObjectionChoice(purpose, objections.get(purpose.id)) for purpose in purposes
            if purpose.id in used or purpose.id in objections]


def consent_choices(person_id: int) -> list[ConsentChoice]:
    """The consent-based purposes that concern the person: those with a history or with their data."""
    events = queries.consent_events(person_id)
    used = _used_purpose_ids(person_id)
    choices = []
    for purpose in _consent_purposes():
        history = [event for event in events if event.purpose_id == purpose.id]
        if history or purpose.id in used:
            choices.append(ConsentChoice(purpose, history[-1].state if history else None, list(reversed(history))))
    return choices


def _apply(requester: Requester, wanted: list[tuple[Purpose, ConsentState]], *, residence: str,
           idempotency_key: str, stop_all: bool, objections: list[tuple[Purpose, bool]] = ()) -> Change:
    """File the request and carry it out: consent events for `wanted`, and for `objections`
    (purpose, True to object / False to lift) the objection restriction set or lifted."""
    consents = [{"purpose": purpose.key, "state": state.value} for purpose, state in wanted]
    details = {"consents": consents, "stop_all_marketing": stop_all}
    objected = [{"purpose": purpose.key, "objection": "made" if on else "lifted"} for purpose, on in objections]
    if objected:
        details["objections"] = objected
    change = file_request(requester, type=RequestType.CONSENT_WITHDRAWAL, residence=residence,
                          details=details, idempotency_key=idempotency_key, send_receipt=False)
    if not change.created:
        return change
    request = change.request
    for purpose, state in wanted:
        record_consent(requester.person_id, purpose, state, actor=requester.actor, method=METHOD,
                       at=request.received_at, request_reference=request.reference)
    active = _active_objections(requester.person_id)
    for purpose, on in objections:
        if on:
            restrict_use(kind=RestrictionKind.OBJECTION, purpose_id=purpose.id, person_id=requester.person_id,
                         actor=requester.actor, request_id=request.id)
        elif purpose.id in active:
            lift_restriction(active[purpose.id], actor=requester.actor)
    lines = [(_("%(purpose)s: consent withdrawn") if state is ConsentState.WITHDRAWN
              else _("%(purpose)s: consent given")) % {"purpose": localized(purpose, "title")}
             for purpose, state in wanted]
    lines += [(_("%(purpose)s: stopped at your objection") if on else _("%(purpose)s: objection lifted, use resumed"))
              % {"purpose": localized(purpose, "title")} for purpose, on in objections]
    applied = {"consents": consents, **({"objections": objected} if objected else {})}
    change = complete_at_once(change, applied=applied, body="\n".join(lines), now=request.received_at)
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


def object_to_use(requester: Requester, purpose: Purpose, *, objecting: bool, residence: str,
                  idempotency_key: str) -> Change:
    """Object to (or lift the objection to) marketing that needs no consent, effective now."""
    if purpose.consent_required or purpose.channel is Channel.NONE:
        raise ValueError("only marketing without consent is objected to on the consent page")
    active = purpose.id in _active_objections(requester.person_id)
    if not _already_filed(requester, idempotency_key) and active is objecting:
        raise NothingToChange(_l("This is already the case. Nothing was changed."))
    return _apply(requester, [], residence=residence, idempotency_key=idempotency_key, stop_all=False,
                  objections=[(purpose, objecting)])


def stop_all_marketing(requester: Requester, *, residence: str, idempotency_key: str) -> Change:
    """Withdraw every consent-based use with a channel that is not already withdrawn, and
    object to every marketing use without consent not already objected to."""
    states = current_states(requester.person_id)
    consented = [purpose for purpose in marketing_purposes() if purpose.consent_required]
    wanted = [(purpose, ConsentState.WITHDRAWN) for purpose in consented
              if states.get(purpose.id) is not ConsentState.WITHDRAWN]
    objections = _active_objections(requester.person_id)
    objecting = [(purpose, True) for purpose in _opt_out_marketing() if purpose.id not in objections]
    if not wanted and not objecting and not _already_filed(requester, idempotency_key):
        raise NothingToChange(_l("You already receive no news or offers from us. Nothing was changed."))
    return _apply(requester, wanted, residence=residence, idempotency_key=idempotency_key, stop_all=True,
                  objections=objecting)
