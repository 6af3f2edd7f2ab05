"""What staff can decide for a request, for the staff request page to render.

`describe_decision_form(request)` lists, per request type, the choices and what the person
asked (preselected): each proposed correction with the value held now, the person's kinds of
data with counts (and how many are under a legal hold an erasure will keep), the companies
their data went to, the formats of a disclosure. The form's field names are the ones
`decision_from_form` reads.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.inventory.labels import CATEGORY_ORDER, staff_category_name
from portal.dsr.decisions.correction import CATEGORIES
from portal.dsr.decisions.decision import asked
from portal.dsr.models import DataRequest, RequestType
from portal.extensions import db
from portal.inventory.erasure import japan_today, under_hold
from portal.inventory.models import Category, Item, Provision

T = RequestType
FORMAT_CHOICES = (
    ("zip", _l("ZIP of CSV files (opens in a spreadsheet)")),
    ("json", _l("JSON Lines file (machine-readable)")),
    ("post", _l("A letter by post")),
)


@dataclass
class ProposalOption:
    index: int  # form fields `proposal-<index>` (accept | refuse), `-reason`, `-field`
    action: str  # change | add | delete
    category: Category
    field: str
    item_id: int | None
    current: Any  # the value held now; None for an addition or an item no longer held
    proposed: Any
    reason: str | None  # the person's reason
    item_gone: bool = False  # the item was erased since: only a refusal is possible
    held_until: date | None = None  # a deletion of an item under a legal hold will keep it


@dataclass
class CategoryOption:
    category: Category  # form field `category`
    name: str
    count: int
    held: int  # items under a legal hold, which an erasure keeps
    suspended: int  # items already suspended
    asked: bool


@dataclass
class RecipientOption:
    name: str  # form field `recipient`
    last_provided: date | None
    asked: bool


@dataclass
class DecisionOptions:
    type: RequestType
    everything_asked: bool = True  # form field `scope` = all | chosen
    proposals: list[ProposalOption] = field(default_factory=list)
    categories: list[CategoryOption] = field(default_factory=list)
    recipients: list[RecipientOption] = field(default_factory=list)
    formats: tuple = ()  # form field `format`
    format_asked: str | None = None
    problem: str | None = None  # why no decision can be applied yet


def describe_decision_form(request: DataRequest) -> DecisionOptions:
    wanted = asked(request)
    options = DecisionOptions(type=request.type, everything_asked=wanted.everything)
    person_id = request.person_id
    if person_id is None:
        options.problem = _l("Match the request to a person before applying a decision.")
        return options
    if request.type is T.CORRECTION:
        options.proposals = _proposals(wanted.changes, person_id)
    elif request.type in (T.ERASURE, T.SUSPENSION):
        options.categories = _categories(person_id, wanted.categories)
    elif request.type is T.STOP_PROVISION:
        options.recipients = _recipients(person_id, wanted.recipients)
    elif request.type in (T.DISCLOSURE, T.PROVISION_RECORDS):
        options.formats = FORMAT_CHOICES
        options.format_asked = wanted.format or "zip"
    return options


def _proposals(changes: list[dict], person_id: int) -> list[ProposalOption]:
    ids = [change.get("item_id") for change in changes if change.get("item_id")]
    items = {item.id: item for item in db.session.scalars(
        sa.select(Item).where(Item.id.in_(ids), Item.person_id == person_id))} if ids else {}
    today = japan_today()
    proposals = []
    for index, change in enumerate(changes):
        item = items.get(change.get("item_id"))
        hold = item.legal_hold_until if item is not None and item.legal_hold_until else None
        proposals.append(ProposalOption(
            index=index, action=change.get("action"),
            # A category this portal does not know (a hand-filed request) must not break the page.
            category=Category(change["category"]) if change.get("category") in CATEGORIES else Category.OTHER,
            field=change.get("field") or "", item_id=change.get("item_id"),
            current=item.value if item is not None else None, proposed=change.get("proposed"),
            reason=change.get("reason"), item_gone=change.get("action") != "add" and item is None,
            held_until=hold if change.get("action") == "delete" and hold and hold >= today else None,
        ))
    return proposals


def _categories(person_id: int, asked_categories) -> list[CategoryOption]:
    held = sa.case((under_hold(japan_today()), 1), else_=0)
    rows = db.session.execute(
        sa.select(Item.category, sa.func.count(), sa.func.sum(held),
                  sa.func.count(Item.suspended_at))
        .where(Item.person_id == person_id).group_by(Item.category)
    )
    options = [CategoryOption(category, staff_category_name(category), count, int(held_count or 0), suspended,
                              category in asked_categories)
               for category, count, held_count, suspended in rows]
    return sorted(options, key=lambda option: CATEGORY_ORDER.index(option.category))


def _recipients(person_id: int, asked_recipients) -> list[RecipientOption]:
    rows = db.session.execute(
        sa.select(Provision.recipient_name, sa.func.max(Provision.provided_at))
        .where(Provision.person_id == person_id).group_by(Provision.recipient_name)
        .order_by(Provision.recipient_name)
    )
    options = [RecipientOption(name, last, name in asked_recipients) for name, last in rows]
    known = {option.name for option in options}
    # A company the person named that our records do not show is still theirs to stop.
    options += [RecipientOption(name, None, True) for name in asked_recipients if name not in known]
    return options
