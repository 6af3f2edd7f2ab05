"""The customer's data as files a person reads: CSV with headers in the customer's language,
names instead of codes, the parts of a purchase line as columns of their own, and a README
that says what every file and column is.

Built from the same records as the JSON Lines export (`export_person_records`), which goes in
the ZIP beside them for other services.
"""
from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable, Iterator

from flask_babel import gettext as _

from portal.common.json_text import compact_json
from portal.common.time import JST
from portal.inventory.labels import BASIS_WORDS, category_name, detail_name, field_name, item_name, source_kind_words
from portal.inventory.recipients import ENTRUSTMENT, JOINT_USE, kind_of
from portal.i18n import current_language
from portal.inventory.models import ProvisionBasis


def _when(iso: str | None) -> str:
    """`2024-06-10 10:00` in Japan time: what a spreadsheet reads as a time, without seconds."""
    if not iso:
        return ""
    moment = datetime.fromisoformat(iso)
    return moment.astimezone(JST).strftime("%Y-%m-%d %H:%M") if moment.tzinfo else moment.strftime("%Y-%m-%d %H:%M")


def _text(value: Any) -> str | None:
    """A bilingual text of the import format in the customer's language."""
    if isinstance(value, dict):
        return value.get(current_language()) or value.get("ja") or value.get("en")
    return value


def _yes(flag: bool | None) -> str:
    return _("Yes") if flag else _("No")


def _kind_words(basis: str) -> str:
    kind = kind_of(ProvisionBasis(basis))
    if kind == ENTRUSTMENT:
        return _("Entrustment (contractor)")
    if kind == JOINT_USE:
        return _("Joint use")
    return _("Provision to a third party")


def JSON_FIELDS() -> list[tuple[str, str]]:  # noqa: N802  (translated when called)
    """What each record type of the JSON Lines holds, for the README."""
    return [
        ("source", _("where data came from: key, kind, name (ja/en), obtained_on, provider and "
                     "provider_obtained_by (for data another company gave us), notice_version (the notice "
                     "shown when the data was collected)")),
        ("purpose", _("what data is used for: key, title and description (ja/en), consent_required, channel "
                      "(email, post, phone, sms, none)")),
        ("person", _("your customer record: key, email, name, name_kana, phone, birthdate, customer_number")),
        ("item", _("one piece of data: category, field, value (text, or an object such as a purchase line), "
                   "source (a source key), collected_at, purposes (purpose keys), retain_until, suspended_at")),
        ("consent", _("one grant or withdrawal: purpose (a purpose key), state (granted or withdrawn), at, "
                      "method, source, notice_version (the consent wording shown)")),
        ("provision", _("one record of giving data to another company: recipient (name, address, representative), "
                        "provided_at, basis (consent, opt_out, law, entrustment, joint_use), items (category.field)")),
    ]


class DeflatedText:
    """Text written once and read back once, held deflated (JSON Lines shrink about tenfold)."""

    def __init__(self) -> None:
        self._compressor = zlib.compressobj(1)  # fast: it is undone in the same request
        self._parts: list[bytes] = []

    def write(self, text: str) -> None:
        self._parts.append(self._compressor.compress(text.encode()))

    def chunks(self) -> Iterator[bytes]:
        self._parts.append(self._compressor.flush())
        decompressor = zlib.decompressobj()
        parts, self._parts = self._parts, []
        for part in parts:
            if part:
                yield decompressor.decompress(part)
        yield decompressor.flush()

    def lines(self) -> Iterator[str]:
        """What was written, line by line (each write ending in a newline)."""
        rest = b""
        for chunk in self.chunks():
            *whole, rest = (rest + chunk).split(b"\n")
            for line in whole:
                yield line.decode()


@dataclass
class _Lines:
    """A category's purchase or point lines, kept deflated as they come (by date, the export's
    order), with their columns: the parts of their values in the order they first appear, and
    whether any line is other than a plain "line" (then each line says which item it is)."""

    spool: DeflatedText = field(default_factory=DeflatedText)
    keys: dict[str, None] = field(default_factory=dict)
    named: bool = False
    in_order: bool = True
    last: str = ""

    def add(self, record: dict) -> None:
        self.keys.update(dict.fromkeys(record["value"]))
        self.named = self.named or record["field"] != "line"
        at = record.get("collected_at") or ""
        self.in_order, self.last = self.in_order and at >= self.last, at
        self.spool.write(compact_json({name: record.get(name) for name in LINE_FIELDS}) + "\n")

    def records(self) -> Iterator[dict]:
        """The lines by date (sorted here only if they did not come in that order)."""
        records = map(json.loads, self.spool.lines())
        return records if self.in_order else iter(sorted(records, key=lambda r: r.get("collected_at") or ""))


LINE_FIELDS = ("collected_at", "field", "value", "source", "purposes", "retain_until")


@dataclass
class Table:
    """One CSV file: its name, what it holds (for the README), its columns and rows."""

    filename: str
    about: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)  # column → what it means


@dataclass
class Readable:
    """Every table, in the order they go in the ZIP."""

    tables: list[Table]

    def readme(self, *, jsonl_name: str | None) -> str:
        lines = [_("Your personal data held by us, as files"), "", _(
            "The CSV files open in Excel and other spreadsheets (UTF-8). Each is described below: "
            "what it holds and what each column means."), ""]
        for table in self.tables:
            lines += [f"{table.filename}: {table.about}"]
            lines += [f"  - {column}" + (f": {table.notes[column]}" if column in table.notes else "")
                      for column in table.columns]
            lines.append("")
        if jsonl_name:
            lines += [f"{jsonl_name}: " + _(
                "The same data for other services and programs, as JSON Lines: one JSON object per line, "
                "each with a \"type\". Codes (keys, categories, bases) are the company's own identifiers. "
                "Times are ISO 8601 (Japan time when no offset is given); dates are YYYY-MM-DD.")]
            lines += [f"  - {kind}: {words}" for kind, words in JSON_FIELDS()]
            lines.append("")
        return "\r\n".join(lines) + "\r\n"


def build(records: Iterable[dict], *, only: set[str] | None = None) -> Readable:
    """The readable tables of one person's export records (source, purpose, person, item,
    consent, provision, in that order). `only`: the record types asked for."""
    sources: dict[str, dict] = {}
    purposes: dict[str, dict] = {}
    person = Table("person.csv", _("Your customer record: name, contact details, birth date, customer number."),
                   [_("Item"), _("Value")])
    items = Table("items.csv", _("Every piece of data we hold about you, one line each (purchase and point lines "
                                 "are in files of their own)."),
                  [_("Category"), _("Item"), _("Value"), _("Where it came from"), _("Collected"), _("Used for"),
                   _("Kept until"), _("Use suspended")],
                  notes={_("Collected"): _("Japan time"), _("Use suspended"): _("at your request: still held, no longer used")})
    lines: dict[str, _Lines] = {}
    consents = Table("consents.csv", _("Your consents: every time you gave or withdrew one, oldest first."),
                     [_("Purpose"), _("State"), _("Date and time"), _("How"), _("Where it came from"),
                      _("Wording shown (version)")])
    provisions = Table("provisions.csv", _("Records of giving your data to other companies (第三者提供記録), and to "
                                           "contractors and joint-use partners, which the law does not count as third parties."),
                       [_("Kind"), _("Recipient"), _("Address"), _("Representative"), _("Date"), _("Why we could give it"),
                        _("What we gave")])
    # Filled as the records come: sources and purposes come first (export_person_records' order).
    names = _Names(sources, purposes)
    for record in records:
        kind = record["type"]
        if kind == "source":
            sources[record["key"]] = record
        elif kind == "purpose":
            purposes[record["key"]] = record
        elif kind == "person":
            for key, label in (("name", _("Name")), ("name_kana", _("Name (kana)")), ("email", _("Email address")),
                               ("phone", _("Phone number")), ("birthdate", _("Date of birth")),
                               ("customer_number", _("Customer number"))):
                if record.get(key):
                    person.rows.append([label, record[key]])
        elif kind == "item":
            if isinstance(record.get("value"), dict):
                lines.setdefault(record["category"], _Lines()).add(record)
                continue
            value = record.get("value")
            items.rows.append([
                category_name(record["category"]), field_name(record["field"], record["category"]),
                "; ".join(map(str, value)) if isinstance(value, list) else value,
                names.source(record.get("source")), _when(record.get("collected_at")),
                names.purposes(record.get("purposes")),
                record.get("retain_until") or "", _when(record.get("suspended_at")),
            ])
        elif kind == "consent":
            consents.rows.append([
                names.purpose(record["purpose"]),
                _("Consent given") if record["state"] == "granted" else _("Consent withdrawn"),
                _when(record.get("at")), record.get("method") or "", names.source(record.get("source")),
                record.get("notice_version") or "",
            ])
        elif kind == "provision":
            recipient = record.get("recipient") or {}
            provisions.rows.append([
                _kind_words(record["basis"]), recipient.get("name"), recipient.get("address") or "",
                recipient.get("representative") or "", record.get("provided_at") or "",
                str(BASIS_WORDS[ProvisionBasis(record["basis"])]),
                "; ".join(item_name(name) for name in record.get("items") or []),
            ])
    tables = []
    wanted = (lambda kind: only is None or kind in only)
    if wanted("person"):
        tables.append(person)
    if wanted("item"):
        tables.append(items)
        tables += [_lines_table(category, rows, names) for category, rows in lines.items()]
    if wanted("consent"):
        tables.append(consents)
    if wanted("provision"):
        tables += [provisions, _receipts(sources.values())]
    if wanted("source") and only is None:
        tables.append(_sources_table(sources.values()))
    if wanted("purpose") and only is None:
        tables.append(_purposes_table(purposes.values()))
    return Readable(tables)


class _Names:
    """Names of sources and purposes in the customer's language, each worked out once: a person
    with 100,000 lines names the same few sources and purposes on every line."""

    def __init__(self, sources: dict[str, dict], purposes: dict[str, dict]) -> None:
        self._sources, self._purposes = sources, purposes
        self._known: dict[tuple, str] = {}

    def source(self, key: str | None) -> str:
        found = self._known.get(("source", key))
        if found is None:
            found = self._known[("source", key)] = _source_name(self._sources, key)
        return found

    def purpose(self, key: str) -> str:
        found = self._known.get(("purpose", key))
        if found is None:
            found = self._known[("purpose", key)] = _purpose_title(self._purposes, key)
        return found

    def purposes(self, keys: list[str] | None) -> str:
        return "; ".join(self.purpose(key) for key in keys or [])


def _source_name(sources: dict[str, dict], key: str | None) -> str:
    return (_text(sources[key]["name"]) or key) if key in sources else (key or "")


def _purpose_title(purposes: dict[str, dict], key: str) -> str:
    return (_text(purposes[key]["title"]) or key) if key in purposes else key


def _lines_table(category: str, lines: _Lines, names: _Names) -> Table:
    """Purchase (or point) lines by date, each part of a line as a column of its own."""
    keys, named = list(lines.keys), lines.named
    table = Table(f"{category}.csv", _("%(category)s: one line each, the parts of a line as columns.",
                                       category=category_name(category)),
                  [_("Collected"), *([_("Item")] if named else []), *(detail_name(key) for key in keys),
                   _("Where it came from"), _("Used for"), _("Kept until")], notes={_("Collected"): _("Japan time")})
    table.rows = ([
        _when(record.get("collected_at")), *([field_name(record["field"], category)] if named else []),
        *(record["value"].get(key, "") for key in keys),
        names.source(record.get("source")),
        names.purposes(record.get("purposes")),
        record.get("retain_until") or "",
    ] for record in lines.records())
    return table


def _receipts(sources: Iterable[dict]) -> Table:
    """Records of receipt (受領記録, APPI Art. 30): the third parties who gave us the data."""
    table = Table("receipts.csv", _("Records of receiving your data from other companies (受領記録): from whom, "
                                    "when, and how they obtained it."),
                  [_("Provided by"), _("Source"), _("Received on"), _("How they obtained it")])
    for source in sources:
        if source.get("provider"):
            table.rows.append([source["provider"], _text(source["name"]), source.get("obtained_on") or "",
                               source.get("provider_obtained_by") or ""])
    return table


def _sources_table(sources: Iterable[dict]) -> Table:
    table = Table("sources.csv", _("Where your data came from."),
                  [_("Source"), _("Kind"), _("Obtained on"), _("Provided by"), _("How they obtained it"),
                   _("Notice shown at collection (version)")])
    for source in sources:
        table.rows.append([_text(source["name"]), source_kind_words(source["kind"]), source.get("obtained_on") or "",
                           source.get("provider") or "", source.get("provider_obtained_by") or "",
                           source.get("notice_version") or ""])
    return table


def _purposes_table(purposes: Iterable[dict]) -> Table:
    table = Table("purposes.csv", _("What we use your data for."),
                  [_("Purpose"), _("Description"), _("Needs your consent"), _("How we contact you for it")])
    channels = {"email": _("Email"), "post": _("Post"), "phone": _("Phone"), "sms": _("SMS"), "none": _("No contact")}
    for purpose in purposes:
        table.rows.append([_text(purpose["title"]), _text(purpose.get("description")) or "",
                           _yes(purpose.get("consent_required")), channels.get(purpose.get("channel"), "")])
    return table


def rows_of(table: Table) -> Iterator[list[Any]]:
    yield table.columns
    yield from table.rows

