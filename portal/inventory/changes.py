"""Changing a held value: the old value goes into the item's history, the change is audited.

Used for corrections a customer may make themselves (contact details) and, later, for staff
decisions on correction requests. The audit entry names the item, never its values.

The person's register entry mirrors some items (their email address and phone number). When
such an item changes, the register follows, so the person is found by their new address the
next time they verify it; the session they are in stays valid.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.audit.services import Actor, record
from portal.common.time import utcnow
from portal.inventory.importer.parse import normalise_email
from portal.inventory.models import Category, Item, ItemRevision, Person
from portal.extensions import db

#: Item fields whose value is also held in the register entry (`Person`), by column.
REGISTER_MIRRORS = {(Category.CONTACT, "email"): "email", (Category.CONTACT, "phone"): "phone"}


class ChangeRefused(ValueError):
    """The change cannot be made; `message` (lazy) says why, in words for the customer."""

    def __init__(self, message):
        self.message = message
        super().__init__("change refused")  # logs stay free of the (translated) wording


def _mirrored_column(item: Item, person: Person) -> str | None:
    """The register column this item mirrors, when the register holds the same value now."""
    column = REGISTER_MIRRORS.get((item.category, item.field))
    if column is None or not isinstance(item.value, str):
        return None
    current = getattr(person, column)
    if column == "email":
        return column if current == normalise_email(item.value) else None
    return column if current == item.value else None


EMAIL_TAKEN = _l(
    "This email address is already registered for another customer record, so we cannot "
    "change yours to it. Please contact our desk.")


def _check_email_free(address: str, person: Person) -> None:
    owner = db.session.scalar(sa.select(Person.id).where(Person.with_email(address), Person.id != person.id))
    if owner is not None:
        raise ChangeRefused(EMAIL_TAKEN)


def check_change(item: Item, new_value: Any) -> None:
    """Raise `ChangeRefused` if `change_item_value` would refuse this change; changes nothing.

    Lets a caller refuse before it writes anything else (a request for the change).
    """
    person = db.session.get(Person, item.person_id)
    if _mirrored_column(item, person) == "email":
        _check_email_free(normalise_email(new_value), person)


def change_item_value(item: Item, new_value: Any, *, actor: Actor, request_id: int | None = None) -> ItemRevision:
    """Set `item.value`, keeping the old value in `ItemRevision`; the caller commits.

    Raises `ChangeRefused` (before changing anything) when the register would clash, e.g. a
    new email address that another person already uses.
    """
    person = db.session.get(Person, item.person_id)
    mirrored = _mirrored_column(item, person)
    if mirrored == "email":
        new_value = normalise_email(new_value)
        _check_email_free(new_value, person)
    revision = ItemRevision(
        item_id=item.id, person_id=item.person_id, old_value=item.value, new_value=new_value,
        changed_at=utcnow(), request_id=request_id, actor_type=actor.type,
        actor_id=None if actor.id is None else str(actor.id),
    )
    db.session.add(revision)
    item.value = new_value
    if mirrored:
        setattr(person, mirrored, new_value)
    try:
        # Two people racing for one address: the unique register column decides.
        with db.session.begin_nested():
            db.session.flush()
    except sa.exc.IntegrityError:
        raise ChangeRefused(EMAIL_TAKEN) from None
    record(
        "inventory.item_changed", actor=actor, target_type="item", target_id=item.id, person_id=item.person_id,
        details={"category": item.category.value, "field": item.field, "request_id": request_id,
                 "revision_id": revision.id, "register_updated": mirrored},
    )
    return revision


def item_history(item_id: int) -> list[ItemRevision]:
    """An item's earlier values, newest change first."""
    return list(db.session.scalars(
        sa.select(ItemRevision).where(ItemRevision.item_id == item_id)
        .order_by(ItemRevision.changed_at.desc(), ItemRevision.id.desc())
    ))
