"""What the customer's "my data" pages show, and the record of their downloads.

Values are masked here, on the server, before the step-up check: a masked page never
carries the full value anywhere in its HTML.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from portal.audit.services import Actor, record
from portal.customer import queries
from portal.inventory import recipients
from portal.inventory.labels import (
    BASIS_WORDS, CATEGORY_ORDER, category_name, detail_name, detail_value, field_name, item_name,
)
from portal.customer.masking import mask_person, mask_value
from portal.dsr.filing import record_self_service_disclosure
from portal.common.time import JST
from portal.i18n import current_language
from portal.inventory.models import Category, ConsentEvent, ConsentState, Item, Provision, Purpose, Source

PAGE_SIZE = 50
PREVIEW_LINES = 5
# Always summarised and paginated; any other category is too once it outgrows one page.
BULK_CATEGORIES = frozenset({Category.PURCHASE, Category.POINTS})
DOWNLOAD_FORMATS = ("json", "zip", "report")


@dataclass
class ItemView:
    id: int
    field: str
    field_label: str
    text: str | None           # a plain value, masked or not
    details: list[tuple[str, Any]] | None  # a structured value's parts (never before step-up)
    masked: bool
    source: Source | None
    purposes: list[Purpose]
    collected_at: datetime | None
    retain_until: date | None
    suspended: bool = False  # use suspended at the person's request (still held, still shown)


@dataclass
class CategoryGroup:
    category: Category
    name: str
    stats: queries.CategoryStats
    bulk: bool
    items: list[ItemView] = field(default_factory=list)
    total: Any = None
    total_hidden: bool = False  # there is a total, but it is a detail shown after step-up
    sources: list[Source] = field(default_factory=list)
    purposes: list[Purpose] = field(default_factory=list)
    report_lines: list[tuple[str, str]] = field(default_factory=list)  # (when, what): the printable report


@dataclass
class ConsentView:
    purpose: Purpose
    current: ConsentEvent
    history: list[ConsentEvent]  # newest first

    @property
    def granted(self) -> bool:
        return self.current.state is ConsentState.GRANTED


@dataclass
class ProvisionView:
    provision: Provision
    basis: str
    item_names: list[str]


@dataclass
class MyData:
    register: dict[str, Any]
    groups: list[CategoryGroup]
    consents: list[ConsentView]
    provisions: list[ProvisionView]
    stepped_up: bool
    recipients: list[recipients.RecipientGroup] = field(default_factory=list)
    received_from: list[Source] = field(default_factory=list)  # 受領記録: third parties who gave us data

    @property
    def item_count(self) -> int:
        return sum(group.stats.count for group in self.groups)


def _item_view(item: Item, *, stepped_up: bool) -> ItemView:
    value = item.value
    structured = isinstance(value, (dict, list))
    if stepped_up:
        text = None if structured else str(value)
        details = (list(value.items()) if isinstance(value, dict) else [("", v) for v in value]) if structured else None
    else:
        text, details = mask_value(item.field, value), None
    return ItemView(
        id=item.id, field=item.field, field_label=field_name(item.field, item.category), text=text, details=details,
        masked=not stepped_up, source=item.source, purposes=list(item.purposes),
        collected_at=item.collected_at, retain_until=item.retain_until, suspended=item.suspended_at is not None,
    )


def _register(person, *, stepped_up: bool) -> dict[str, Any]:
    """The person's entry in the customer register (name, email …), masked before step-up."""
    if not stepped_up:
        return mask_person(person)
    return {
        "name": person.name, "name_kana": person.name_kana, "email": person.email, "phone": person.phone,
        "birthdate": person.birthdate, "customer_number": person.customer_number,
    }


def _is_bulk(stats: queries.CategoryStats) -> bool:
    return stats.category in BULK_CATEGORIES or stats.count > PAGE_SIZE


def my_data(person_id: int, *, stepped_up: bool) -> MyData | None:
    """Everything held about the person, grouped by category, with large categories summarised."""
    person = queries.person(person_id)
    if person is None:
        return None
    stats = queries.category_stats(person_id)
    ordered = [stats[c] for c in CATEGORY_ORDER if c in stats]
    small = [s.category for s in ordered if not _is_bulk(s)]
    bulk = [s.category for s in ordered if _is_bulk(s)]
    preview_ids = [i for c in bulk for i in queries.newest_item_ids(person_id, c, PREVIEW_LINES)]
    loaded = queries.items(person_id, categories=small, extra_ids=preview_ids)
    purpose_ids = queries.purpose_ids_by_category(person_id, bulk)
    all_source_ids = {i for s in ordered for i in s.source_ids}
    sources = queries.by_id(Source, all_source_ids)  # the bulk categories' and, below, every third party's
    purposes = queries.by_id(Purpose, {i for ids in purpose_ids.values() for i in ids})

    groups = []
    for s in ordered:
        group = CategoryGroup(s.category, category_name(s.category), s, bulk=s.category in bulk)
        group.items = [_item_view(i, stepped_up=stepped_up) for i in loaded if i.category == s.category]
        if group.bulk:
            group.sources = [sources[i] for i in sorted(s.source_ids)]
            group.purposes = [purposes[i] for i in sorted(purpose_ids[s.category])]
            _set_total(group, s, stepped_up=stepped_up)
        else:
            group.items.sort(key=lambda view: field_order(view.field))
            group.sources = _unique(view.source for view in group.items)
            group.purposes = _unique(p for view in group.items for p in view.purposes)
        groups.append(group)
    provisions = queries.provisions(person_id)
    return MyData(
        register=_register(person, stepped_up=stepped_up), groups=groups,
        consents=_consents(queries.consent_events(person_id)),
        provisions=[_provision_view(p) for p in provisions],
        stepped_up=stepped_up,
        recipients=recipients.grouped(provisions),
        received_from=recipients.received_from(sources.values()),
    )


def _unique(rows) -> list:
    """Sources or purposes once each, in the order first met (None left out)."""
    seen: dict[int, Any] = {}
    for row in rows:
        if row is not None:
            seen.setdefault(row.id, row)
    return list(seen.values())


def _set_total(group: CategoryGroup, stats: queries.CategoryStats, *, stepped_up: bool) -> None:
    """The total spent (or earned) reveals what the lines hold: shown only after step-up.

    Before it, the page only says that there is a total.
    """
    total = stats.amount_total if stats.category in queries.AMOUNT_CATEGORIES else None
    if stepped_up:
        group.total = total
    else:
        group.total_hidden = total is not None


def field_order(field_name_: str) -> tuple[int, str]:
    """Names before addresses before anything else, as a form would list them."""
    preferred = ("name", "name_kana", "email", "phone", "mobile", "postal_code", "address", "birthdate", "gender")
    return (preferred.index(field_name_) if field_name_ in preferred else len(preferred), field_name_)


def _consents(events: list[ConsentEvent]) -> list[ConsentView]:
    by_purpose: dict[int, list[ConsentEvent]] = {}
    for event in events:  # oldest first, so the last one per purpose is the current state
        by_purpose.setdefault(event.purpose_id, []).append(event)
    return [
        ConsentView(purpose=history[-1].purpose, current=history[-1], history=list(reversed(history)))
        for history in by_purpose.values()
    ]


def _provision_view(provision: Provision) -> ProvisionView:
    return ProvisionView(
        provision=provision, basis=str(BASIS_WORDS[provision.basis]),
        item_names=[item_name(name) for name in provision.items or []],
    )


@dataclass
class CategoryPage:
    group: CategoryGroup
    page: int
    pages: int
    matching: int                    # lines in the chosen period (all lines without one)
    since: date | None = None
    until: date | None = None
    common_source: Source | None = None     # said once above the lines when every line shares it
    common_purposes: list[Purpose] | None = None


def _japan_midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=JST)


def category_page(person_id: int, category: str, page: int, *, stepped_up: bool,
                  since: date | None = None, until: date | None = None) -> CategoryPage | None:
    """One page of a category's lines, newest first, optionally only those collected from
    `since` to `until` (Japan dates, both included); None when the person has no such page."""
    try:
        category = Category(category)
    except ValueError:
        return None
    stats = queries.category_stats(person_id, only=category).get(category)
    if stats is None:
        return None
    window = dict(since=_japan_midnight(since) if since else None,
                  before=_japan_midnight(until + timedelta(days=1)) if until else None)
    matching = queries.count_lines(person_id, category, **window) if since or until else stats.count
    pages = max(1, -(-matching // PAGE_SIZE))
    if not 1 <= page <= pages:
        return None
    ids = queries.newest_item_ids(person_id, category, PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, **window)
    group = CategoryGroup(category, category_name(category), stats, bulk=True)
    group.items = [_item_view(i, stepped_up=stepped_up) for i in queries.items(person_id, categories=[], extra_ids=ids)]
    if len(stats.source_ids) == 1:
        group.sources = list(queries.by_id(Source, stats.source_ids).values())
    purpose_ids = queries.purpose_ids_by_category(person_id, [category])[category]
    group.purposes = sorted(queries.by_id(Purpose, purpose_ids).values(), key=lambda p: p.id)
    _set_total(group, stats, stepped_up=stepped_up)
    common_purposes = None
    if group.items and all({p.id for p in view.purposes} == purpose_ids for view in group.items):
        common_purposes = group.purposes
    return CategoryPage(
        group=group, page=page, pages=pages, matching=matching, since=since, until=until,
        common_source=group.sources[0] if group.sources else None, common_purposes=common_purposes,
    )


def report(person_id: int) -> MyData | None:
    """Everything on "my data" with every line written out, for the printable report (after step-up).

    A person may have 10,000 lines: they are read as plain rows and written as ready text
    (one table row each), not as item views rendered through macros."""
    data = my_data(person_id, stepped_up=True)
    if data is None:
        return None
    for group in data.groups:
        if group.bulk:
            group.report_lines = [(when_text(at), line_text(value))
                                  for at, value in queries.line_values(person_id, group.category)]
    return data


def when_text(moment: datetime | None) -> str:
    """2024年6月10日 10:00 (English: Jun 10, 2024, 10:00), Japan time, without Babel's per-call cost."""
    if moment is None:
        return ""
    local = (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).astimezone(JST)
    if current_language() == "ja":
        return f"{local.year}年{local.month}月{local.day}日 {local.hour}:{local.minute:02d}"
    return local.strftime("%b %-d, %Y, %H:%M")


def line_text(value: Any) -> str:
    """A purchase or point line on one line: `商品 抹茶どら焼き · 数量 2 · 金額 ¥1,200`."""
    if isinstance(value, dict):
        return " · ".join(f"{detail_name(key)} {detail_value(key, part)}" for key, part in value.items())
    if isinstance(value, list):
        return " · ".join(map(str, value))
    return str(value)


def record_download(person_id: int, *, format: str, actor: Actor) -> None:
    """Note in the audit log that the person downloaded their data (no values in the entry),
    and in the request register as a disclosure completed at once, so the record of
    disclosures is complete."""
    if format not in DOWNLOAD_FORMATS:
        raise ValueError(f"unknown download format {format!r}")
    record(
        "customer.download", actor=actor, target_type="person", target_id=person_id,
        person_id=person_id, details={"format": format},
    )
    record_self_service_disclosure(person_id=person_id, format=format, actor=actor, language=current_language())
