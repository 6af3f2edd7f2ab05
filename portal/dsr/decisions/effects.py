"""Applying erasure, suspension, stop of provision, disclosure and consent decisions to the data.

Each function checks the decision first and raises `DecisionInvalid` before changing
anything; then it changes the data in the caller's transaction and returns the `Outcome`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from portal.audit.services import Actor
from portal.dsr.decisions.decision import FORMATS, Decision, DecisionInvalid, asked
from portal.dsr.decisions.outcome import Outcome
from portal.dsr.decisions.packages import create_package, withdraw_packages_holding, withdrawal_words
from portal.dsr.models import DataRequest, EventKind, RequestType
from portal.dsr.workflow import add_event
from portal.extensions import db
from portal.inventory.consents import current_states, record_consent
from portal.inventory.erasure import ErasureResult, erase_items, tombstone_person
from portal.inventory.models import Category, ConsentState, Item, Purpose
from portal.inventory.provision_stops import stop_provision
from portal.inventory.restrictions import RestrictionKind, restrict_use
from portal.inventory.suspension import suspend_items


@dataclass(frozen=True)
class Scope:
    everything: bool
    categories: tuple[Category, ...] = ()
    item_ids: tuple[int, ...] = ()


def decided_scope(request: DataRequest, decision: Decision, person_id: int) -> Scope:
    """What an erasure or suspension covers: the decision's choice, or else what was asked."""
    wanted = asked(request)
    if (wanted.everything if decision.everything is None else decision.everything):
        return Scope(everything=True)
    raw = decision.categories if decision.categories is not None else wanted.categories
    try:
        categories = tuple(dict.fromkeys(Category(value) for value in raw))
    except ValueError:
        raise DecisionInvalid(_l("Please choose kinds of data from the list.")) from None
    item_ids = tuple(dict.fromkeys(decision.item_ids or ()))
    if not categories and not item_ids:
        raise DecisionInvalid(_l("Choose what the decision covers: everything, kinds of data or single items."))
    if item_ids:
        found = db.session.scalar(sa.select(sa.func.count()).select_from(Item)
                                  .where(Item.id.in_(item_ids), Item.person_id == person_id))
        if found != len(item_ids):
            raise DecisionInvalid(_l("Please choose items from the list."))
    return Scope(everything=False, categories=categories, item_ids=item_ids)


def _take(outcome: Outcome, result: ErasureResult) -> None:
    outcome.erased.update(result.erased)
    for category, since in result.earliest.items():
        outcome.erased_since[category] = min(since, outcome.erased_since.get(category, since))
    outcome.kept.extend(held for held in result.kept if held not in outcome.kept)


def apply_erasure(request: DataRequest, decision: Decision, *, actor: Actor, person_id: int,
                  now: datetime) -> Outcome:
    """Erase what was decided (held items stay); erasing everything also ends every use.

    Everything: all consents are withdrawn, an erasure restriction on all data puts the
    person on every suppression list, and the register entry becomes a tombstone (key,
    erasure date, request; a value only where a legal hold keeps it). Disclosure packages
    holding erased data are withdrawn.
    """
    scope = decided_scope(request, decision, person_id)
    outcome = Outcome(everything=scope.everything)
    erase = dict(actor=actor, request_id=request.id)
    if scope.everything:
        _take(outcome, erase_items(person_id, **erase))
        outcome.consents = withdraw_all_consents(person_id, actor=actor, request=request)
        restrict_use(person_id=person_id, kind=RestrictionKind.ERASURE, **erase)
        tombstone_person(person_id, reference=request.reference, kept=outcome.kept, **erase)
        outcome.register_cleared = True
    if scope.categories:
        _take(outcome, erase_items(person_id, categories=scope.categories, **erase))
        for category in scope.categories:
            # Held items of the category stay, but only for the law that holds them.
            restrict_use(person_id=person_id, kind=RestrictionKind.ERASURE, category=category, **erase)
    if scope.item_ids:
        _take(outcome, erase_items(person_id, item_ids=scope.item_ids, **erase))
    if outcome.erased or outcome.register_cleared:
        # A package made earlier that holds what was just erased is no longer offered; the others stay.
        for package in withdraw_packages_holding(person_id, erased_since=outcome.erased_since,
                                                 register=outcome.register_cleared, reference=request.reference,
                                                 now=now):
            _announce_withdrawal(package, actor=actor, now=now)
            outcome.withdrawn_packages.append(package.id)
    return outcome


def _announce_withdrawal(package, *, actor: Actor, now: datetime) -> None:
    """Say on the disclosure's own timeline what its page says: withdrawn, when and why."""
    answered = db.session.get(DataRequest, package.request_id)
    with force_locale(answered.language.value):
        body = withdrawal_words(package)
    add_event(answered, EventKind.PACKAGE_WITHDRAWN, actor=actor, at=now, visible=True, body=body,
              data={"package_id": package.id, "erasure_reference": package.withdrawal_reference})


def withdraw_all_consents(person_id: int, *, actor: Actor, request: DataRequest) -> list[tuple[Purpose, ConsentState]]:
    granted = [purpose_id for purpose_id, state in current_states(person_id).items() if state is ConsentState.GRANTED]
    purposes = db.session.scalars(sa.select(Purpose).where(Purpose.id.in_(granted)).order_by(Purpose.id)) if granted else []
    withdrawn = []
    for purpose in purposes:
        record_consent(person_id, purpose, ConsentState.WITHDRAWN, actor=actor, method="request",
                       request_reference=request.reference)
        withdrawn.append((purpose, ConsentState.WITHDRAWN))
    return withdrawn


def apply_suspension(request: DataRequest, decision: Decision, *, actor: Actor, person_id: int,
                     now: datetime) -> Outcome:
    """Flag the items and restrict their use, so they leave exports and contact lists."""
    scope = decided_scope(request, decision, person_id)
    outcome = Outcome(everything=scope.everything, use_stopped=scope.everything)
    suspend = dict(actor=actor, request_id=request.id)
    if scope.everything:
        outcome.suspended.update(suspend_items(person_id, **suspend))
        restrict_use(person_id=person_id, kind=RestrictionKind.SUSPENSION, **suspend)
        return outcome
    if scope.categories:
        outcome.suspended.update(suspend_items(person_id, categories=scope.categories, **suspend))
        for category in scope.categories:
            restrict_use(person_id=person_id, kind=RestrictionKind.SUSPENSION, category=category, **suspend)
    if scope.item_ids:
        outcome.suspended.update(suspend_items(person_id, item_ids=scope.item_ids, **suspend))
    return outcome


def apply_stop_provision(request: DataRequest, decision: Decision, *, actor: Actor, person_id: int,
                         now: datetime) -> Outcome:
    wanted = asked(request)
    everything = wanted.everything if decision.everything is None else decision.everything
    recipients = () if everything else (decision.recipients if decision.recipients is not None else wanted.recipients)
    if not everything and not recipients:
        raise DecisionInvalid(_l("Choose the companies the data may no longer go to."))
    restrictions = stop_provision(person_id, recipients, actor=actor, request_id=request.id)
    return Outcome(everything=everything, recipients_stopped=[r.recipient_name for r in restrictions])


def apply_disclosure(request: DataRequest, decision: Decision, *, actor: Actor, person_id: int,
                     now: datetime) -> Outcome:
    """Write the package now (the data as it stands at the decision), or answer by post."""
    format = decision.format or asked(request).format or "zip"
    if format not in FORMATS:
        raise DecisionInvalid(_l("Choose how to answer: a ZIP of CSV files, a JSON file, or a letter by post."))
    if format == "post":
        return Outcome(by_post=True)
    only = frozenset({"provision"}) if request.type is RequestType.PROVISION_RECORDS else None
    return Outcome(package=create_package(request_id=request.id, person_id=person_id, format=format, only=only,
                                          now=now))


def apply_consents(request: DataRequest, decision: Decision, *, actor: Actor, person_id: int,
                   now: datetime) -> Outcome:
    """A consent request filed by staff (by phone, by post): record each change asked for."""
    wanted = asked(request).consents
    keys = [consent.get("purpose") for consent in wanted]
    purposes = {p.key: p for p in db.session.scalars(sa.select(Purpose).where(Purpose.key.in_(keys)))} if keys else {}
    try:
        changes = [(purposes[consent["purpose"]], ConsentState(consent["state"])) for consent in wanted]
    except (KeyError, ValueError):
        raise DecisionInvalid(_l("This request names a consent we cannot record. Reject it with a reason.")) from None
    states = current_states(person_id)
    outcome = Outcome()
    for purpose, state in changes:
        if states.get(purpose.id) is not state:  # already so: nothing to record, nothing to announce
            record_consent(person_id, purpose, state, actor=actor, method="request", at=now,
                           request_reference=request.reference)
            outcome.consents.append((purpose, state))
    return outcome
