"""CSV exports with a mapping file (contracts/csv-import.md): rows become import-format records.

A row becomes a `person` record and one `item` record per mapped item column whose cell is
not empty, all carrying the row's physical line number, and they go through the same
validation and writing as JSON Lines. Only the person fields a row has are updated: an
export from a card scanner does not blank the birth date the CRM loaded.
"""
from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from typing import BinaryIO, Iterator

from portal.inventory.importer.parse import PARTIAL, Invalid, field_labels
from portal.inventory.importer.reader import BOM, Problem
from portal.inventory.models import Category

PERSON_FIELDS = ("name", "name_kana", "email", "phone", "birthdate", "customer_number")
ENCODINGS = ("utf-8", "cp932")
_READ = 1 << 20
# Excel's usual date forms, with an optional time: 2023-09-14, 2023/9/14, 2023年9月14日 10:30
_DATE = re.compile(r"^\s*(\d{4})\s*[-/年]\s*(\d{1,2})\s*[-/月]\s*(\d{1,2})\s*日?"
                   r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*$")


class MappingInvalid(ValueError):
    """The mapping file itself is wrong; `problems` says how (nothing is read or written)."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Target:
    """Where a column goes: a person field, or an item of a category and field."""

    kind: str  # "person" or "item"
    category: str | None
    field: str


@dataclass
class Mapping:
    key: str
    source: str
    purposes: list[str]
    columns: dict[str, Target]
    key_prefix: str = ""
    collected_at: str | None = None
    # Further key: several columns joined into one value, e.g. 姓 + 名 → person.name.
    combine: dict[str, tuple[list[str], Target]] = field(default_factory=dict)
    # Further key: the company's words for its own fields, as a source record's `labels`.
    labels: list[dict] = field(default_factory=list)

    @classmethod
    def from_json(cls, data) -> Mapping:
        problems: list[str] = []
        if not isinstance(data, dict):
            raise MappingInvalid(["the mapping must be a JSON object"])

        def text(name: str, *, required: bool) -> str | None:
            value = data.get(name)
            if value in (None, "") and required:
                problems.append(f"'{name}' is required")
            elif value is not None and not isinstance(value, str):
                problems.append(f"'{name}' must be a string")
                return None
            return value or None

        key, source = text("key", required=True), text("source", required=True)
        prefix, collected_at = text("key_prefix", required=False) or "", text("collected_at", required=False)
        purposes = data.get("purposes")
        if not isinstance(purposes, list) or not purposes or not all(isinstance(p, str) and p for p in purposes):
            problems.append("'purposes' must be a non-empty list of purpose keys")
            purposes = []
        columns: dict[str, Target] = {}
        raw_columns = data.get("columns")
        if not isinstance(raw_columns, dict) or not raw_columns:
            problems.append("'columns' must map CSV column names to 'person.<field>' or '<category>.<field>'")
            raw_columns = {}
        for column, target in raw_columns.items():
            parsed = _target(target, problems)
            if parsed is not None:
                columns[column] = parsed
        combine: dict[str, tuple[list[str], Target]] = {}
        raw_combine = data.get("combine") or {}
        if not isinstance(raw_combine, dict):
            problems.append("'combine' must map a target to a list of columns")
            raw_combine = {}
        for target, parts in raw_combine.items():
            parsed = _target(target, problems)
            if not isinstance(parts, list) or not parts or not all(isinstance(p, str) for p in parts):
                problems.append(f"'combine' of {target!r} must be a list of column names")
            elif parsed is not None:
                combine[target] = (parts, parsed)
        try:
            labels = field_labels(data.get("labels"))
        except Invalid as error:
            problems.append(str(error))
            labels = []
        if problems:
            raise MappingInvalid(problems)
        return cls(key=key, source=source, purposes=purposes, columns=columns, key_prefix=prefix,
                   collected_at=collected_at, combine=combine, labels=labels)

    def named_columns(self) -> list[str]:
        """Every column the mapping reads (the collected_at one only if it is not a fixed time)."""
        names = [self.key, *self.columns]
        names += [part for parts, _ in self.combine.values() for part in parts]
        return list(dict.fromkeys(names))


def _target(text, problems: list[str]) -> Target | None:
    if not isinstance(text, str) or "." not in text:
        problems.append(f"{text!r} is not 'person.<field>' or '<category>.<field>'")
        return None
    kind, _, field_name = text.partition(".")
    if kind == "person":
        if field_name not in PERSON_FIELDS:
            problems.append(f"{text!r}: a person has no field '{field_name}' (one of: {', '.join(PERSON_FIELDS)})")
            return None
        return Target("person", None, field_name)
    category = kind.replace("-", "_")
    if category not in Category._value2member_map_ or not field_name:
        allowed = ", ".join(member.value for member in Category)
        problems.append(f"{text!r}: unknown category '{kind}' (one of: {allowed})")
        return None
    return Target("item", category, field_name)


def excel_date(text: str, *, with_time: bool) -> str:
    """`2023/9/14`, `2023年9月14日` or `2023-09-14 10:30` as ISO 8601 (times stay without an
    offset, so Japan time); anything else unchanged, for the validator to report."""
    match = _DATE.match(text)
    if not match:
        return text
    year, month, day, hour, minute, second = match.groups()
    day_part = f"{int(year):04d}-{int(month):02d}-{int(day):02d}"
    if not with_time:
        return day_part if hour is None else text
    return f"{day_part}T{int(hour or 0):02d}:{int(minute or 0):02d}:{int(second or 0):02d}"


def detect_encoding(stream: BinaryIO, forced: str | None = None) -> tuple[str | None, Problem | None]:
    """The file's encoding: `forced`, else UTF-8 (with or without BOM), else CP932 — checked
    over the whole file in a streaming pass; or the problem (with the line of the bad byte)."""
    candidates = (forced,) if forced else ENCODINGS
    if forced:
        try:
            codecs.lookup(forced)
        except LookupError:
            return None, Problem(1, f"unknown encoding {forced!r} (e.g. utf-8, cp932)")
    failures = []
    for encoding in candidates:
        failure = _first_bad_byte(stream, encoding)
        stream.seek(0)
        failures.append(failure)
        if failure is None:
            if encoding == "utf-8" and stream.read(len(BOM)) == BOM:
                encoding = "utf-8-sig"
            stream.seek(0)
            return encoding, None
    line, position = failures[0]  # where it stops being UTF-8 (or the forced encoding)
    if forced:
        return None, Problem(line, f"file is not {forced} (invalid byte at position {position})")
    return None, Problem(line, "file is neither UTF-8 nor CP932 (Shift_JIS): give its encoding with --encoding")


def _first_bad_byte(stream: BinaryIO, encoding: str) -> tuple[int, int] | None:
    decoder = codecs.getincrementaldecoder(encoding)()
    offset, lines = 0, 1
    while True:
        block = stream.read(_READ)
        try:
            decoder.decode(block, final=not block)
        except UnicodeDecodeError as exc:
            position = max(exc.start, 0)
            return lines + block.count(b"\n", 0, position), offset + position
        if not block:
            return None
        offset += len(block)
        lines += block.count(b"\n")


class _Tally(io.RawIOBase):
    """Passes a binary stream through, keeping its SHA-256 and how many bytes were read."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.sha256 = hashlib.sha256()
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.stream.read(len(buffer))
        buffer[:len(data)] = data
        self.sha256.update(data)
        self.bytes_read += len(data)
        return len(data)


class CsvReader:
    """Iterates a CSV's records (line, record or problem) under a mapping, like LineReader."""

    def __init__(self, stream: BinaryIO, mapping: Mapping, encoding: str) -> None:
        self.mapping = mapping
        self.labels = mapping.labels  # written with the rows (import_records)
        self.tally = _Tally(stream)
        self.text = io.TextIOWrapper(io.BufferedReader(self.tally), encoding=encoding, newline="")

    @property
    def sha256(self):
        return self.tally.sha256

    @property
    def bytes_read(self) -> int:
        return self.tally.bytes_read

    def __iter__(self) -> Iterator[tuple[int, dict | Problem]]:
        rows = csv.reader(self.text)
        header = next(rows, None)
        if header is None:
            yield 1, Problem(1, "the CSV is empty: a header row is expected on line 1")
            return
        header = [name.strip() for name in header]
        position = {name: index for index, name in enumerate(header) if name}
        missing = [name for name in self.mapping.named_columns() if name not in position]
        if missing:
            for name in missing:
                yield 1, Problem(1, f"column '{name}' named in the mapping is not in the header")
            return
        collected = self._collected_at(position)
        if isinstance(collected, Problem):
            yield 1, collected
            return
        line = rows.line_num + 1
        for row in rows:
            if any(cell.strip() for cell in row):
                yield from ((line, record) for record in self._records(line, row, position, collected))
            line = rows.line_num + 1

    def _collected_at(self, position: dict[str, int]):
        """A column's index, or the fixed time written in the mapping (None if not given)."""
        value = self.mapping.collected_at
        if value is None or value in position:
            return position.get(value) if value is not None else None
        fixed = excel_date(value, with_time=True)
        if fixed == value and "T" not in value:
            return Problem(1, f"'collected_at' {value!r} is neither a column of the header nor a date or time")
        return fixed

    def _records(self, line: int, row: list[str], position: dict[str, int], collected) -> Iterator[dict | Problem]:
        mapping = self.mapping

        def cell(name: str) -> str | None:
            index = position[name]
            value = row[index].strip() if index < len(row) else ""
            return value or None  # empty cells are absent values

        key = cell(mapping.key)
        if key is None:
            yield Problem(line, f"the row has no key (column '{mapping.key}' is empty)")
            return
        person_key = mapping.key_prefix + key
        values: list[tuple[Target, str]] = [(target, cell(column)) for column, target in mapping.columns.items()]
        for parts, target in mapping.combine.values():
            joined = " ".join(part for part in (cell(name) for name in parts) if part)
            values.append((target, joined or None))
        person: dict = {"type": "person", "key": person_key, PARTIAL: True}
        collected_at = None
        if isinstance(collected, int):
            row_time = cell(mapping.collected_at)
            collected_at = excel_date(row_time, with_time=True) if row_time else None
        elif isinstance(collected, str):
            collected_at = collected
        items: list[dict] = []
        seen: dict[tuple[str, str], int] = {}
        for target, value in values:
            if value is None:
                continue
            if target.kind == "person":
                person[target.field] = excel_date(value, with_time=False) if target.field == "birthdate" else value
                continue
            n = seen[(target.category, target.field)] = seen.get((target.category, target.field), 0) + 1
            suffix = "" if n == 1 else f".{n}"
            items.append({
                "type": "item", "key": f"{person_key}/{target.category}.{target.field}{suffix}",
                "person": person_key, "category": target.category, "field": target.field, "value": value,
                "source": mapping.source, "collected_at": collected_at, "purposes": mapping.purposes,
            })
        yield person
        yield from items
