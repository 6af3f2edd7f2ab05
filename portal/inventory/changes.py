"""Changing a held value: the old value goes into the item's history, the change is audited.

Used for corrections a customer may make themselves (contact details) and, later, for staff
decisions on correction requests. The audit entry names the item, never its values.

The person's register entry mirrors some items (name, kana, email address, phone number,
birth date, customer number). When such an item changes, the register and its blind indexes
follow in the same transaction, so staff find the person by the new name and the person is
found by their new address the next time they verify it; the session they are in stays valid.
"""
from __future__ import annotations

import unicodedata
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.audit.services import Actor, record
from portal.common.time import utcnow
from portal.encryption.blind import email_index, name_index, number_index, phone_index
from portal.inventory.importer.parse import normalise_email
from portal.inventory.models import REGISTER_MIRRORS, Item, ItemRevision, Person
from portal.extensions import db

class ChangeRefused(ValueError):
    """The change cannot be made; `message` (lazy) says why, in words for the customer."""

    def __init__(self, message):
        self.message = message
        super().__init__("change refused")  # logs stay free of the (translated) wording


#: How two values of a column are compared: as the blind index sees them (a name with or
#: without its space, a phone with or without dashes is the same value).
_SAME = {"email": email_index, "phone": phone_index, "name": name_index, "name_kana": name_index,
         "customer_number": number_index}

BAD_BIRTHDATE = _l("Please write the date of birth as year-month-day, for example 1985-04-01.")


def _register_value(column: str, value: Any) -> Any:
    """The item's value as the register column holds it (an email normalised, a date parsed)."""
    if column == "email":
        return normalise_email(value)
    if column == "birthdate":
        try:
            return date.fromisoformat(unicodedata.normalize("NFKC", str(value)).strip().replace("/", "-"))
        except ValueError:
            raise ChangeRefused(BAD_BIRTHDATE) from None
    return str(value).strip()


def _same(column: str, register: Any, value: Any) -> bool:
    if column == "birthdate":
        return register is not None and str(register) == str(value).strip()
    index = _SAME[column](value)
    return index is not None and _SAME[column](register) == index


def _mirrored_column(item: Item, person: Person) -> str | None:
    """The register column this item mirrors: when the register holds the item's value now
    (a second phone number does not replace the first) or holds nothing there yet."""
    column = REGISTER_MIRRORS.get((item.category, item.field))
    if column is None or not isinstance(item.value, str):
        return None
    current = getattr(person, column)
    return column if current is None or _same(column, current, item.value) else None


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
    mirrored = _mirrored_column(item, person)
    if mirrored:
        register_value = _register_value(mirrored, new_value)
        if mirrored == "email":
            _check_email_free(register_value, person)


def change_item_value(item: Item, new_value: Any, *, actor: Actor, request_id: int | None = None) -> ItemRevision:
    """Set `item.value`, keeping the old value in `ItemRevision`; the caller commits.

    Raises `ChangeRefused` (before changing anything) when the register would clash, e.g. a
    new email address that another person already uses.
    """
    person = db.session.get(Person, item.person_id)
    mirrored = _mirrored_column(item, person)
    register_value = _register_value(mirrored, new_value) if mirrored else None
    if mirrored == "email":
        new_value = register_value
        _check_email_free(new_value, person)
    revision = ItemRevision(
        item_id=item.id, person_id=item.person_id, old_value=item.value, new_value=new_value,
        changed_at=utcnow(), request_id=request_id, actor_type=actor.type,
        actor_id=None if actor.id is None else str(actor.id),
    )
    db.session.add(revision)
    item.value = new_value
    if mirrored:
        # The ORM sets the column's blind index with it, in this same flush.
        setattr(person, mirrored, register_value)
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
