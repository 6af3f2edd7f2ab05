"""The data a disclosure letter carries: every item by category, with source, purposes and
retention, and the provision records — the same facts as "my data", on paper."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import get_locale
from sqlalchemy.orm import joinedload, selectinload

from portal.inventory.labels import BASIS_WORDS, CATEGORY_ORDER, category_name, detail_name, field_name, item_name
from portal.dsr.models import DataRequest, RequestType
from portal.extensions import db
from portal.i18n import localized
from portal.inventory.models import Item, Provision


@dataclass
class Line:
    field: str
    value: str
    source: str
    purposes: str
    collected_at: datetime | None
    retain_until: date | None


@dataclass
class Section:
    title: str
    lines: list[Line] = field(default_factory=list)


@dataclass
class ProvisionLine:
    provided_at: date
    recipient_name: str
    recipient_address: str | None
    basis: str
    items: str


@dataclass
class Appendix:
    sections: list[Section]
    provisions: list[ProvisionLine]


def _separator() -> str:
    return "、" if str(get_locale()) == "ja" else ", "


def _words(value) -> str:
    if isinstance(value, dict):
        return _separator().join(f"{detail_name(key)}: {part}" for key, part in value.items()
                                 if part not in (None, ""))
    if isinstance(value, list):
        return _separator().join(str(part) for part in value)
    return "" if value is None else str(value)


def disclosure_appendix(request: DataRequest) -> Appendix:
    """Everything held about the request's person (provision records only, for that request type)."""
    person_id = request.person_id
    provisions = [
        ProvisionLine(p.provided_at, p.recipient_name, p.recipient_address, str(BASIS_WORDS[p.basis]),
                      _separator().join(item_name(name) for name in p.items or []))
        for p in db.session.scalars(
            sa.select(Provision).where(Provision.person_id == person_id).order_by(Provision.provided_at, Provision.id))
    ]
    if request.type is RequestType.PROVISION_RECORDS:
        return Appendix([], provisions)
    items = db.session.scalars(
        sa.select(Item).where(Item.person_id == person_id)
        .options(joinedload(Item.source), selectinload(Item.purposes))
        .order_by(Item.collected_at, Item.id)).unique()
    sections: dict[str, Section] = {}
    for item in items:
        section = sections.setdefault(item.category, Section(category_name(item.category)))
        section.lines.append(Line(
            field=field_name(item.field, item.category), value=_words(item.value),
            source=localized(item.source, "name") if item.source else "",
            purposes=_separator().join(localized(purpose, "title") for purpose in item.purposes),
            collected_at=item.collected_at, retain_until=item.retain_until))
    ordered = [sections[c] for c in CATEGORY_ORDER if c in sections]
    return Appendix(ordered, provisions)

