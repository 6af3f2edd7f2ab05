"""Where a letter goes: the address the requester gave, else the one we hold for the person."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from portal.dsr.models import DataRequest
from portal.extensions import db
from portal.inventory.models import Category, Item, Person


@dataclass(frozen=True)
class Recipient:
    name: str | None
    postal_code: str | None
    address: str | None


def recipient_of(request: DataRequest) -> Recipient:
    subject = request.subject or {}
    if subject.get("address"):
        return Recipient(subject.get("name") or request.requester_name, subject.get("postal_code"),
                         subject["address"])
    person = db.session.get(Person, request.person_id) if request.person_id else None
    address = None
    if person is not None:
        address = db.session.scalar(
            sa.select(Item.value).where(Item.person_id == person.id, Item.category == Category.CONTACT,
                                        Item.field == "address").order_by(Item.collected_at.desc()).limit(1))
    return Recipient(request.requester_name or (person.name if person else None), None,
                     address if isinstance(address, str) else None)
