"""A customer's change of email address: proven by a link sent to the new address first.

A typo in a new address must not lock anyone out, so a self-service change of an email item
does not apply when it is sent. The new address gets a single-use, expiring signed link (the
verification mechanism, `Purpose.EMAIL_CHANGE`); until it is followed the old address stays
the one we write to and that signs in. Following it applies the change in one transaction —
the item and its history, the register entry and its blind index, the person's open requests
and sessions —, files it as a self-service correction request completed at once (its timeline
and audit say what happened) and tells the old address, with the new one masked.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.audit.services import Actor, record
from portal.common.time import utcnow
from portal.customer.masking import mask_email
from portal.customer.request_services import Requester, file_request, notify
from portal.dsr.applied import complete_at_once
from portal.dsr.decisions.correction import follow_email
from portal.dsr.models import RequestType
from portal.dsr.workflow import Change
from portal.extensions import db
from portal.inventory.changes import change_item_value, check_change
from portal.inventory.labels import category_name, field_name
from portal.inventory.models import Item, Person
from portal.mail.services import external_url, queue_mail
from portal.verification.models import EmailChallenge
from portal.verification.services import LIFETIMES, Purpose, issue_link, use_link
from portal.verification.session import follow_session_email

#: Fields whose new value is an address we would write to: proven before they change.
EMAIL_FIELDS = frozenset({"email", "mail", "email_address", "work_email"})
LIFETIME = LIFETIMES[Purpose.EMAIL_CHANGE]
#: A second tap on "send" within this time does not send a second link (it would kill the first).
SAME_TAP = timedelta(minutes=2)


@dataclass(frozen=True)
class Pending:
    """A change waiting for its link: what the page after sending says."""

    new_address: str
    current_address: str | None
    expires_at: datetime
    item_id: int | None = None


def needs_confirmation(item: Item) -> bool:
    return item.field in EMAIL_FIELDS


def _live(person_id: int):
    return sa.select(EmailChallenge).where(
        EmailChallenge.person_id == person_id, EmailChallenge.purpose == Purpose.EMAIL_CHANGE.value,
        EmailChallenge.used_at.is_(None), EmailChallenge.superseded_at.is_(None),
        EmailChallenge.expires_at > utcnow())


def pending_change(person_id: int, *, item_id: int | None = None) -> Pending | None:
    """The person's change still waiting for its link (the newest: a newer one supersedes);
    its current address is the item's (when known) or the register's."""
    challenge = db.session.scalar(_live(person_id).order_by(EmailChallenge.id.desc()).limit(1))
    if challenge is None:
        return None
    item = db.session.get(Item, item_id) if isinstance(item_id, int) else None
    if item is not None and item.person_id == person_id and isinstance(item.value, str):
        return Pending(challenge.email, item.value, challenge.expires_at, item.id)
    person = db.session.get(Person, person_id)
    return Pending(challenge.email, person.email if person else None, challenge.expires_at)


def ask_confirmation(requester: Requester, item: Item, new_address: str, *, residence: str) -> Pending:
    """Mail a link to `new_address`; nothing else changes until it is followed.

    Raises `ChangeRefused` (nothing is sent) when the address belongs to another customer.
    """
    check_change(item, new_address)
    recent = db.session.scalar(_live(requester.person_id).where(EmailChallenge.created_at > utcnow() - SAME_TAP)
                               .order_by(EmailChallenge.id.desc()).limit(1))
    if recent is not None and recent.email == new_address:
        return Pending(new_address, item.value, recent.expires_at, item.id)  # a second tap: the first link stands
    challenge, token = issue_link(email=new_address, language=requester.language, purpose=Purpose.EMAIL_CHANGE,
                                  person_id=requester.person_id,
                                  payload={"item": item.id, "residence": residence, "lang": requester.language})
    queue_mail(to=new_address, template="email_change_confirm", language=requester.language, kind="verification",
               link=external_url("email_change.confirm", token=token, lang=requester.language),
               current=mask_email(item.value) if isinstance(item.value, str) else "",
               hours=int(LIFETIME.total_seconds() // 3600))
    record("customer.email_change_requested", actor=requester.actor, target_type="item", target_id=item.id,
           person_id=requester.person_id, details={"challenge_id": challenge.id, "field": item.field})
    return Pending(new_address, item.value, challenge.expires_at, item.id)


class LinkInvalid(Exception):
    """Expired, used, superseded or tampered with: nothing changed."""


def confirm(token: str) -> Change:
    """Apply the change the link was sent for, in the caller's transaction.

    Raises `LinkInvalid`, or `ChangeRefused` when the address went to another customer
    meanwhile (the caller rolls back: the link stays usable, nothing changes).
    """
    found = use_link(token, purpose=Purpose.EMAIL_CHANGE)
    if found is None:
        raise LinkInvalid()
    challenge, payload = found
    item = db.session.get(Item, payload.get("item") if isinstance(payload.get("item"), int) else 0)
    person = db.session.get(Person, challenge.person_id) if challenge.person_id else None
    if item is None or person is None or item.person_id != person.id or person.erased_at is not None:
        raise LinkInvalid()
    old_address = item.value if isinstance(item.value, str) else None
    new_address = challenge.email
    register_before = person.email
    actor = Actor("customer", person.id)
    # The answer goes to the address the person signs in with: the new one when that is what changes.
    writes_to = new_address if register_before is None or register_before == old_address else register_before
    requester = Requester(person_id=person.id, email=writes_to, name=person.name, language=challenge.language)
    proposal = {"item_id": item.id, "category": item.category.value, "field": item.field, "action": "change",
                "current": old_address, "proposed": new_address, "reason": None}
    change = file_request(requester, type=RequestType.CORRECTION, residence=str(payload.get("residence") or "jp"),
                          details={"changes": [proposal], "self_service": True, "confirmed_by_link": True},
                          idempotency_key=f"email-change:{challenge.id}", send_receipt=False)
    change_item_value(item, new_address, actor=actor, request_id=change.request.id)
    if register_before != person.email:
        follow_email(person.id, register_before, person.email)
        follow_session_email(person.id, register_before, person.email)
    with force_locale(challenge.language):
        done = _("%(item)s: changed (the new address was confirmed with the link we sent to it)",
                 item=f"{category_name(item.category)}: {field_name(item.field, item.category)}")
    change = complete_at_once(change, applied={"items": [{"item_id": item.id, "category": item.category.value,
                                                          "field": item.field}], "confirmed_by_link": True},
                              body=done)
    notify(change)
    if old_address and old_address != new_address:
        queue_mail(to=old_address, template="email_changed", language=challenge.language, kind="verification",
                   masked=mask_email(new_address), reference=change.request.reference)
    record("customer.email_change_confirmed", actor=actor, target_type="item", target_id=item.id,
           person_id=person.id, details={"challenge_id": challenge.id, "request_id": change.request.id,
                                         "register_updated": register_before != person.email})
    return change

