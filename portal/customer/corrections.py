"""Corrections (訂正・追加・削除): what a customer proposes, and what applies at once.

Contact details the company lets customers change themselves (`PORTAL_SELF_SERVICE_FIELDS`,
e.g. `contact.email,contact.phone`) are changed the moment they are sent, as a correction
request completed at once — except an email address, which changes only once the link sent
to the new address is followed (`email_change.py`: a typo must not lock anyone out). Everything else — other changes, additions, deletions — goes to
staff as one correction request. One submission may so file two requests, each with its
own reference and mail.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.inventory.labels import CATEGORY_ORDER, category_name, field_name
from portal.customer import email_change
from portal.customer.request_services import Requester, file_request, notify
from portal.customer.services import BULK_CATEGORIES, field_order
from portal.dsr.applied import complete_at_once
from portal.dsr.models import RequestType
from portal.dsr.queries import find_by_idempotency_key
from portal.dsr.workflow import Change
from portal.extensions import db
from portal.inventory.changes import change_item_value, check_change
from portal.inventory.importer.parse import normalise_email
from portal.inventory.models import Item
from portal.verification.services import is_valid_email

# Every item of a category is listed on the correction page, up to this many.
MAX_LISTED = 300
_PHONE = re.compile(r"^\+?[0-9()\-\s]+$")
PHONE_FIELDS = frozenset({"phone", "mobile", "tel", "telephone", "phone_number", "work_phone", "fax"})
EMAIL_FIELDS = email_change.EMAIL_FIELDS


def self_service_fields() -> frozenset[str]:
    setting = current_app.config.get("PORTAL_SELF_SERVICE_FIELDS") or ""
    if isinstance(setting, str):
        setting = setting.split(",")
    return frozenset(name.strip() for name in setting if name.strip())


def is_self_service(item: Item) -> bool:
    """May the customer change this item's value themselves, without staff?"""
    return isinstance(item.value, str) and f"{item.category.value}.{item.field}" in self_service_fields()


# Ids past a 64-bit integer cannot be in the database (and SQLite refuses to bind them).
MAX_ID = 2 ** 63 - 1


def own_item(person_id: int, item_id: int) -> Item | None:
    if not 0 < item_id <= MAX_ID:
        return None
    item = db.session.get(Item, item_id)
    return item if item is not None and item.person_id == person_id else None


def correctable_items(person_id: int) -> list[Item]:
    """The items of the person's smaller categories, in the order "my data" shows them.

    Purchase and point lines are corrected one by one from their own line.
    """
    items = db.session.scalars(
        sa.select(Item).where(Item.person_id == person_id, Item.category.not_in(sorted(BULK_CATEGORIES)))
        .order_by(Item.id).limit(MAX_LISTED)
    )
    return sorted(items, key=lambda item: (CATEGORY_ORDER.index(item.category), field_order(item.field), item.id))


def normalise_proposal(item: Item | None, value: str) -> str:
    """Full-width digits and letters from a Japanese keyboard become half-width where it matters."""
    if item is not None and item.field in EMAIL_FIELDS:
        return normalise_email(value)
    if item is not None and item.field in PHONE_FIELDS:
        return unicodedata.normalize("NFKC", value).strip()
    return value.strip()


def value_problem(item: Item, value: str):
    """Why a proposed new value cannot be taken (a lazy message), or None."""
    if value == (item.value if isinstance(item.value, str) else None):
        return _l("This is the value we already hold.")
    if item.field in EMAIL_FIELDS and not is_valid_email(value):
        return _l("This does not look like an email address. Please check it, e.g. taro@example.jp.")
    if item.field in PHONE_FIELDS:
        digits = re.sub(r"\D", "", value)
        if not _PHONE.match(value) or not 9 <= len(digits) <= 15:
            return _l("Please enter a phone number with digits only or with hyphens, e.g. 090-1234-5678.")
    return None


@dataclass
class Proposal:
    action: str  # change | add | delete
    item: Item | None  # None for an addition
    category: str
    field: str  # the item's field, or the customer's words for what is missing
    proposed: str | None = None
    reason: str | None = None

    def detail(self) -> dict[str, Any]:
        """The request's record of it; `current` is a snapshot to show next to the proposal."""
        return {
            "item_id": self.item.id if self.item else None, "category": self.category, "field": self.field,
            "action": self.action, "current": self.item.value if self.item else None,
            "proposed": self.proposed, "reason": self.reason or None,
        }


def filed_before(requester: Requester, idempotency_key: str) -> list[Change]:
    """The requests this form already filed (a second tap on "send"), as replays; [] if none.

    Checked before the proposals are: the first tap may have changed the value the second
    one would now find "unchanged".
    """
    found = (find_by_idempotency_key(requester.key(f"{idempotency_key}{suffix}")) for suffix in (".self", ".staff"))
    return [Change(request, [], created=False) for request in found if request is not None]


def file_correction(requester: Requester, proposals: list[Proposal], *, residence: str,
                    idempotency_key: str) -> tuple[list[Change], list[email_change.Pending]]:
    """Apply what the customer may change themselves, send the rest to staff; one request each.
    A new email address is only mailed a link (the change waits for it): those come back as
    the second list.

    Raises `ChangeRefused` (the caller rolls back: nothing changes) when a new email address
    belongs to another customer record.
    """
    self_service = [p for p in proposals if p.action == "change" and p.item is not None and is_self_service(p.item)]
    to_confirm = [p for p in self_service if email_change.needs_confirmation(p.item)]
    at_once = [p for p in self_service if p not in to_confirm]
    for_staff = [p for p in proposals if p not in self_service]
    for proposal in self_service:
        # Refuse before filing anything: a refusal then leaves no request behind.
        check_change(proposal.item, proposal.proposed)
    pending = [email_change.ask_confirmation(requester, p.item, p.proposed, residence=residence) for p in to_confirm]
    changes = []
    if at_once:
        change = file_request(requester, type=RequestType.CORRECTION, residence=residence,
                              details={"changes": [p.detail() for p in at_once], "self_service": True},
                              idempotency_key=f"{idempotency_key}.self", send_receipt=False)
        if change.created:
            for proposal in at_once:
                change_item_value(proposal.item, proposal.proposed, actor=requester.actor,
                                  request_id=change.request.id)
            applied = {"items": [{"item_id": p.item.id, "category": p.category, "field": p.field} for p in at_once]}
            done = "\n".join(_("%(item)s: changed", item=f"{category_name(p.category)}: {field_name(p.field, p.category)}")
                             for p in at_once)
            change = complete_at_once(change, applied=applied, body=done)
            notify(change)
        changes.append(change)
    if for_staff:
        changes.append(file_request(requester, type=RequestType.CORRECTION, residence=residence,
                                    details={"changes": [p.detail() for p in for_staff]},
                                    idempotency_key=f"{idempotency_key}.staff"))
    return changes, pending
