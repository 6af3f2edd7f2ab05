"""Turning import-format records into validated rows, collecting every problem with its line.

Nothing here touches the database: the caller fills `KnownKeys` with the keys that already
exist (chunk by chunk, only those the chunk mentions), so references to earlier imports resolve.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date, datetime
from typing import Any, Callable

from portal.common.time import parse_date, parse_datetime
from portal.inventory.importer.reader import Problem
from portal.inventory.models import (
    THIRD_PARTY_KINDS,
    Category,
    Channel,
    ConsentState,
    ProvisionBasis,
    SourceKind,
)

RECORD_TYPES = ("source", "purpose", "person", "item", "consent", "provision")
PERSON_VALUES = ("email", "name", "name_kana", "phone", "birthdate", "customer_number")
# Marks a person record that updates only the fields it has (a CSV row); not a string, so
# no JSON line can carry it: there, a field left out is a field without a value.
PARTIAL = object()


class Invalid(Exception):
    """One problem with the record being read; the parser turns it into a `Problem`."""


@dataclass
class KnownKeys:
    """Keys that exist (in the database or earlier in the file), each with its row id once
    written (None in a dry run, or before the chunk that defines it is written)."""

    sources: dict[str, int | None] = field(default_factory=dict)
    purposes: dict[str, int | None] = field(default_factory=dict)
    persons: dict[str, int | None] = field(default_factory=dict)
    # The emails of the chunk being validated that a stored person already has: email → key.
    email_owner: dict[str, str] = field(default_factory=dict)
    # Lists of purpose keys already found valid (known keys are never forgotten in a run).
    purpose_lists: dict[tuple, list[str]] = field(default_factory=dict)


@dataclass
class Chunk:
    """A run of consecutive lines, validated: clean rows by type, and the problems found."""

    rows: dict[str, list[dict]] = field(default_factory=lambda: {kind: [] for kind in RECORD_TYPES})
    problems: list[Problem] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {kind: len(rows) for kind, rows in self.rows.items()}


def normalise_email(email: str) -> str:
    return email.strip().lower()


# --- field readers: each returns a clean value or raises Invalid with a plain message ---

def _required(record: dict, name: str) -> Any:
    value = record.get(name)
    if value is None or value == "":
        raise Invalid(f"missing required field '{name}'")
    return value


def _string(record: dict, name: str, *, required: bool = False, max_length: int = 2000) -> str | None:
    value = _required(record, name) if required else record.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise Invalid(f"'{name}' must be a string")
    if len(value) > max_length:
        raise Invalid(f"'{name}' is longer than {max_length} characters")
    return value


def _text(record: dict, name: str, *, required: bool = False) -> tuple[str | None, str | None]:
    """A `{"ja","en"}` text or a plain string used for both languages."""
    value = _required(record, name) if required else record.get(name)
    if value is None:
        return None, None
    if isinstance(value, str):
        return value, value
    if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()) and (
        value.get("ja") or value.get("en")
    ):
        ja = value.get("ja") or value.get("en")
        en = value.get("en") or value.get("ja")
        return ja, en
    raise Invalid(f"'{name}' must be a string or an object with 'ja' and/or 'en' strings")


def _choice(record: dict, name: str, enum_cls, *, required: bool = True, default=None):
    value = _required(record, name) if required else record.get(name)
    if value is None:  # absent or null: the default (a purpose with "channel": null has none)
        value = default
    if value is None:
        return None
    try:
        return enum_cls(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum_cls)
        raise Invalid(f"unknown {name} {value!r} (expected one of: {allowed})") from None


def _date(record: dict, name: str, *, required: bool = False) -> date | None:
    value = _required(record, name) if required else record.get(name)
    if value is None:
        return None
    try:
        return parse_date(value) if isinstance(value, str) else _bad()
    except (ValueError, TypeError):
        raise Invalid(f"bad date in '{name}': {value!r} (expected YYYY-MM-DD)") from None


def _datetime(record: dict, name: str, *, required: bool = False) -> datetime | None:
    value = _required(record, name) if required else record.get(name)
    if value is None:
        return None
    try:
        return parse_datetime(value) if isinstance(value, str) else _bad()
    except (ValueError, TypeError):
        raise Invalid(f"bad time in '{name}': {value!r} (expected ISO 8601)") from None


def _bad():
    raise ValueError


def _bool(record: dict, name: str, default: bool) -> bool:
    value = record.get(name, default)
    if not isinstance(value, bool):
        raise Invalid(f"'{name}' must be true or false")
    return value


def _reference(record: dict, name: str, known: set[str], label: str, *, required: bool = True) -> str | None:
    key = _string(record, name, required=required, max_length=160)
    if key is not None and key not in known:
        raise Invalid(f"unknown {label} '{key}' in '{name}' (define it earlier in the file or import it first)")
    return key


class Collect:
    """Runs field readers, keeping every `Invalid` so one line reports all its problems."""

    def __init__(self, record: dict) -> None:
        self.record = record
        self.errors: list[str] = []

    def __call__(self, reader: Callable, *args, **kwargs):
        try:
            return reader(self.record, *args, **kwargs)
        except Invalid as exc:
            self.errors.append(str(exc))
            return None

    def check(self, action: Callable[[], None]) -> None:
        """Run a check that is not a field read (duplicates, cross-record rules)."""
        try:
            action()
        except Invalid as exc:
            self.errors.append(str(exc))


# --- one validator per record type ---

def _email(record: dict, name: str) -> str | None:
    """An email address, or None: a person may have none (served by post and at the counter)."""
    text = _string(record, name, max_length=254)
    if text is None or not text.strip():
        return None
    email = normalise_email(text)
    local, _, domain = email.partition("@")
    if not local or "." not in domain or " " in email:
        raise Invalid(f"'{name}' is not a valid address: {email!r}")
    return email


def _value(record: dict, name: str) -> str | dict:
    value = _required(record, name)
    if not isinstance(value, (str, dict)):
        raise Invalid(f"'{name}' must be a string or a JSON object")
    return value


def _purpose_keys(record: dict, name: str, known: KnownKeys) -> list[str]:
    keys = record.get(name, [])
    if isinstance(keys, list):
        try:
            return known.purpose_lists[tuple(keys)]  # most items repeat a few lists
        except (KeyError, TypeError):
            pass
    if not isinstance(keys, list) or not all(isinstance(key, str) for key in keys):
        raise Invalid(f"'{name}' must be a list of purpose keys")
    unknown = [key for key in keys if key not in known.purposes]
    if unknown:
        raise Invalid(
            f"unknown purpose '{unknown[0]}' in '{name}' (define it earlier in the file or import it first)"
        )
    return known.purpose_lists.setdefault(tuple(keys), list(dict.fromkeys(keys)))


def _item_names(record: dict, name: str) -> list[str]:
    names = record.get(name, [])
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise Invalid(f"'{name}' must be a list of 'category.field' names")
    for entry in names:
        category, dot, field_name = entry.partition(".")
        if not dot or not field_name or category not in Category._value2member_map_:
            raise Invalid(f"'{name}' entry {entry!r} is not a 'category.field' name with a known category")
    return names


def _recipient(record: dict, name: str) -> dict:
    recipient = _required(record, name)
    if not isinstance(recipient, dict):
        raise Invalid(f"'{name}' must be an object with 'name', 'address' and 'representative'")
    return {
        "recipient_name": _string(recipient, "name", required=True, max_length=300),
        "recipient_address": _string(recipient, "address", max_length=500),
        "recipient_representative": _string(recipient, "representative", max_length=300),
    }


LABEL_MAX = 200


def field_labels(value: Any, name: str = "labels") -> list[dict]:
    """An optional `labels` object: `{"membership.sakura_card": {"ja": "さくらカード", "en": "Sakura card"}}`
    (or a plain string for both languages) → rows of the field_label table. Raises Invalid."""
    if value is None:
        return []
    if not isinstance(value, dict):
        raise Invalid(f"'{name}' must be an object mapping 'category.field' to a label")
    rows = []
    for target, label in value.items():
        category, dot, field_name = str(target).partition(".")
        category = category.replace("-", "_")
        if not dot or not field_name or category not in Category._value2member_map_:
            allowed = ", ".join(member.value for member in Category)
            raise Invalid(f"'{name}' key {target!r} is not 'category.field' with a known category (one of: {allowed})")
        if len(field_name) > 64:
            raise Invalid(f"'{name}' key {target!r}: the field is longer than 64 characters")
        try:
            ja, en = _text({"label": label}, "label", required=True)
        except Invalid:
            raise Invalid(f"'{name}' of {target!r} must be a non-empty string or an object with 'ja' and/or "
                          "'en' strings") from None
        ja, en = ja.strip(), en.strip()
        if not ja or not en:
            raise Invalid(f"'{name}' of {target!r} is empty")
        if len(ja) > LABEL_MAX or len(en) > LABEL_MAX:
            raise Invalid(f"'{name}' of {target!r} is longer than {LABEL_MAX} characters")
        rows.append({"category": Category(category), "field": field_name, "label_ja": ja, "label_en": en})
    return rows


def _labels(record: dict, name: str) -> list[dict]:
    return field_labels(record.get(name), name)


def _source(f: Collect, known: KnownKeys) -> dict:
    kind = f(_choice, "kind", SourceKind)
    name_ja, name_en = f(_text, "name", required=True) or (None, None)
    provider = f(_string, "provider", max_length=300)
    if kind in THIRD_PARTY_KINDS and not provider:
        f.errors.append(f"missing required field 'provider' (required for kind '{kind.value}')")
    return {
        "key": f(_string, "key", required=True, max_length=64),
        "kind": kind,
        "name_ja": name_ja,
        "name_en": name_en,
        "obtained_on": f(_date, "obtained_on"),
        "provider": provider,
        "provider_obtained_by": f(_string, "provider_obtained_by"),
        "note": f(_string, "note"),
        "notice_version": f(_string, "notice_version", max_length=64),
        # Optional: the company's words for fields only its data defines (written to field_label).
        "labels": f(_labels, "labels") or [],
        **_opt_out_source(f),
    }


def _opt_out_source(f: Collect) -> dict:
    """Optional: the source gave us the data by opt-out, and when it filed that with the Commission."""
    via_opt_out = f(_bool, "obtained_via_opt_out", False)
    filed_on = f(_date, "provider_opt_out_filed_on")
    if filed_on and not via_opt_out:
        f.errors.append("'provider_opt_out_filed_on' needs 'obtained_via_opt_out': true")
    return {"obtained_via_opt_out": via_opt_out, "provider_opt_out_filed_on": filed_on}


def _purpose(f: Collect, known: KnownKeys) -> dict:
    title_ja, title_en = f(_text, "title", required=True) or (None, None)
    description_ja, description_en = f(_text, "description") or (None, None)
    return {
        "key": f(_string, "key", required=True, max_length=64),
        "title_ja": title_ja,
        "title_en": title_en,
        "description_ja": description_ja,
        "description_en": description_en,
        "consent_required": f(_bool, "consent_required", False),
        "channel": f(_choice, "channel", Channel, required=False, default="none"),
        # Optional: a sale or sharing in the CCPA's words (Global Privacy Control withdraws it).
        "sale_or_sharing": f(_bool, "sale_or_sharing", False),
    }


def _person(f: Collect, known: KnownKeys) -> dict:
    given = frozenset(name for name in PERSON_VALUES if name in f.record) if f.record.get(PARTIAL) else None
    return {
        "given": given,
        "key": f(_string, "key", required=True, max_length=64),
        "email": f(_email, "email"),
        "name": f(_string, "name", max_length=200),
        "name_kana": f(_string, "name_kana", max_length=200),
        "phone": f(_string, "phone", max_length=40),
        "birthdate": f(_date, "birthdate"),
        "customer_number": f(_string, "customer_number", max_length=64),
    }


def _item(f: Collect, known: KnownKeys) -> dict:
    return {
        "key": f(_string, "key", max_length=160),
        "person": f(_reference, "person", known.persons, "person"),
        "category": f(_choice, "category", Category),
        "field": f(_string, "field", required=True, max_length=64),
        "value": f(_value, "value"),
        "source": f(_reference, "source", known.sources, "source", required=False),
        "collected_at": f(_datetime, "collected_at"),
        "purposes": f(_purpose_keys, "purposes", known),
        "retain_until": f(_date, "retain_until"),
    }


_CATEGORIES = Category._value2member_map_


def common_item(record: dict, known: KnownKeys) -> dict | None:
    """The clean row of an item line in the common shape, or None: then `_item` reads it field
    by field and says what is wrong. Most lines of a file are such items, and reading them in
    one go is several times cheaper than one reader call per field; both give the same row."""
    key, person, category, field_name = record.get("key"), record.get("person"), record.get("category"), record.get("field")
    value, source, purposes = record.get("value"), record.get("source"), record.get("purposes", [])
    if not (
        (key is None or (type(key) is str and 0 < len(key) <= 160))
        and type(person) is str and person in known.persons  # a known key is short enough
        and type(category) is str and category in _CATEGORIES
        and type(field_name) is str and 0 < len(field_name) <= 64
        and ((type(value) is str and value) or type(value) is dict)
        and (source is None or (type(source) is str and source in known.sources))
        and type(purposes) is list
    ):
        return None
    purpose_keys = known.purpose_lists.get(tuple(purposes)) if all(type(p) is str for p in purposes) else None
    if purpose_keys is None:
        return None
    collected_at, retain_until = record.get("collected_at"), record.get("retain_until")
    try:
        collected_at = None if collected_at is None else parse_datetime(collected_at)
        retain_until = None if retain_until is None else _retention_date(retain_until)
    except (ValueError, TypeError):
        return None
    return {"key": key, "person": person, "category": _CATEGORIES[category], "field": field_name, "value": value,
            "source": source, "collected_at": collected_at, "purposes": purpose_keys, "retain_until": retain_until}


@lru_cache(maxsize=4096)
def _retention_date(text: str) -> date:
    """A file repeats a few retention dates across its lines."""
    return parse_date(text)


def _consent(f: Collect, known: KnownKeys) -> dict:
    return {
        "person": f(_reference, "person", known.persons, "person"),
        "purpose": f(_reference, "purpose", known.purposes, "purpose"),
        "state": f(_choice, "state", ConsentState),
        "at": f(_datetime, "at", required=True),
        "method": f(_string, "method", max_length=64),
        "notice_version": f(_string, "notice_version", max_length=64),
        "source": f(_reference, "source", known.sources, "source", required=False),
    }


def _provision(f: Collect, known: KnownKeys) -> dict:
    return {
        "key": f(_string, "key", max_length=64),
        "person": f(_reference, "person", known.persons, "person"),
        **(f(_recipient, "recipient") or {}),
        "provided_at": f(_date, "provided_at", required=True),
        "basis": f(_choice, "basis", ProvisionBasis),
        "items": f(_item_names, "items"),
    }


VALIDATORS: dict[str, Callable[[Collect, KnownKeys], dict]] = {
    "source": _source,
    "purpose": _purpose,
    "person": _person,
    "item": _item,
    "consent": _consent,
    "provision": _provision,
}


class Seen:
    """Keys and emails defined so far in this file, to report duplicates with the line of the
    first definition. It holds keys, never rows: it grows with the number of keys, not lines."""

    def __init__(self) -> None:
        self.by_kind: dict[str, dict[str, int]] = {kind: {} for kind in RECORD_TYPES}
        self.emails: dict[str, tuple[int, str]] = {}

    def claim(self, kind: str, key: str | None, line: int) -> None:
        if key is None:
            return
        first = self.by_kind[kind].setdefault(key, line)
        if first != line:
            raise Invalid(f"duplicate {kind} key '{key}' (first defined on line {first})")


def _register(kind: str, clean: dict, line: int, known: KnownKeys, seen: Seen) -> None:
    """Record what this line defines so that later lines may refer to it."""
    seen.claim(kind, clean.get("key"), line)
    if kind == "person":
        email, key = clean["email"], clean["key"]
        if email is not None:
            if email in seen.emails and seen.emails[email][1] != key:
                raise Invalid(f"duplicate email (also on line {seen.emails[email][0]})")
            owner = known.email_owner.get(email)
            if owner is not None and owner != key:
                raise Invalid(f"duplicate email: already used by person '{owner}'")
            seen.emails[email] = (line, key)
        known.persons.setdefault(key, None)
    elif kind == "source":
        known.sources.setdefault(clean["key"], None)
    elif kind == "purpose":
        known.purposes.setdefault(clean["key"], None)


@dataclass
class References:
    """Keys and emails a chunk mentions that are not known yet: only those are looked up."""

    sources: set[str] = field(default_factory=set)
    purposes: set[str] = field(default_factory=set)
    persons: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)


def collect_references(records: list[tuple[int, dict]], known: KnownKeys) -> References:
    refs = References()
    persons, sources, purposes = known.persons, known.sources, known.purposes
    for _, record in records:
        get = record.get
        person, source, purpose, listed = get("person"), get("source"), get("purpose"), get("purposes")
        if isinstance(person, str) and person not in persons:
            refs.persons.add(person)
        if isinstance(source, str) and source not in sources:
            refs.sources.add(source)
        if isinstance(purpose, str) and purpose not in purposes:
            refs.purposes.add(purpose)
        if isinstance(listed, list):
            for key in listed:
                if isinstance(key, str) and key not in purposes:
                    refs.purposes.add(key)
        if get("type") == "person":
            key, email = get("key"), get("email")
            if isinstance(key, str) and key not in persons:
                refs.persons.add(key)
            if isinstance(email, str):
                refs.emails.add(normalise_email(email))
    return refs


def validate_chunk(records: list[tuple[int, dict]], known: KnownKeys, seen: Seen) -> Chunk:
    """Validate records in file order; collect all problems rather than stopping at the first."""
    chunk = Chunk()
    for number, record in records:
        kind = record.get("type")
        validator = VALIDATORS.get(kind) if isinstance(kind, str) else None
        if validator is None:
            expected = ", ".join(RECORD_TYPES)
            what = "missing required field 'type'" if kind is None else f"unknown type {kind!r}"
            chunk.problems.append(Problem(number, f"{what} (expected one of: {expected})"))
            continue
        if kind == "item" and (clean := common_item(record, known)) is not None:
            if clean["key"] is not None:
                try:
                    seen.claim(kind, clean["key"], number)
                except Invalid as exc:
                    chunk.problems.append(Problem(number, f"{kind}: {exc}"))
                    continue
            chunk.rows[kind].append(clean)
            continue
        fields = Collect(record)
        clean = validator(fields, known)
        if not fields.errors:
            fields.check(lambda: _register(kind, clean, number, known, seen))
        if fields.errors:
            chunk.problems.extend(Problem(number, f"{kind}: {error}") for error in fields.errors)
            continue
        if kind == "provision":
            clean["line"] = number  # for checks made after the whole file is seen (opt_out.py)
        chunk.rows[kind].append(clean)
    return chunk
