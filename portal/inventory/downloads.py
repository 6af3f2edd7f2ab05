"""The customer's downloads (APPI Art. 33 electronic disclosure): JSON Lines and a ZIP of CSVs.

Both are built from `export_person_records`, so they speak the import vocabulary, and both
are generators: the response streams while the items are read in batches.
"""
from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import datetime
from itertools import groupby
from typing import Collection, Iterable, Iterator

from portal.common.time import JST
from portal.inventory.export import export_person_records

# CSV files in the ZIP, in the order the export yields their records.
CSV_FILES = (
    ("source", "sources.csv", ("key", "kind", "name_ja", "name_en", "obtained_on", "provider", "provider_obtained_by", "note")),
    ("purpose", "purposes.csv", ("key", "title_ja", "title_en", "description_ja", "description_en", "consent_required", "channel")),
    ("person", "person.csv", ("key", "email", "name", "name_kana", "phone", "birthdate", "customer_number")),
    ("item", "items.csv", (
        "key", "category", "field", "value", "source", "collected_at", "purposes", "retain_until", "suspended_at",
    )),
    ("consent", "consents.csv", ("purpose", "state", "at", "method", "source")),
    ("provision", "provisions.csv", (
        "key", "recipient_name", "recipient_address", "recipient_representative", "provided_at", "basis", "items",
    )),
)
# Excel and other spreadsheets run a cell starting with these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def jsonl_chunks(person_id: int, *, only: Collection[str] | None = None) -> Iterator[bytes]:
    """One JSON object per line, exactly what `import-data` reads (`only`: these record types)."""
    for record in export_person_records(person_id, only=only):
        yield (json.dumps(record, ensure_ascii=False) + "\n").encode()


def neutralise(cell: str) -> str:
    """A leading quote makes a spreadsheet show `=HYPERLINK(…)` as text instead of running it."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def _cell(value) -> str:
    """Lists of names (purposes, provided items) read as `a; b`; structured values as JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list) and all(isinstance(entry, str) for entry in value):
        return "; ".join(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _flatten(record: dict) -> dict:
    """Bilingual texts and the recipient become columns of their own."""
    flat = dict(record)
    for name in ("name", "title", "description"):
        if isinstance(flat.get(name), dict) and record["type"] in ("source", "purpose"):
            text = flat.pop(name)
            flat[f"{name}_ja"], flat[f"{name}_en"] = text.get("ja"), text.get("en")
    recipient = flat.pop("recipient", None)
    if recipient:
        for part in ("name", "address", "representative"):
            flat[f"recipient_{part}"] = recipient.get(part)
    return flat


def _csv_rows(columns: tuple[str, ...], records: Iterable[dict]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for record in records:
        flat = _flatten(record)
        writer.writerow([neutralise(_cell(flat.get(column))) for column in columns])
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


class _Pipe:
    """A write-only file for `zipfile`: whatever is written is handed on as the next chunk."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        data, self.chunks = b"".join(self.chunks), []
        return data


def zip_chunks(person_id: int, *, only: Collection[str] | None = None) -> Iterator[bytes]:
    """A ZIP of UTF-8 (with BOM, for Excel) CSV files, streamed entry by entry.

    `only` keeps these record types, and their files only."""
    pipe = _Pipe()
    made = datetime.now(JST).timetuple()[:6]
    groups = groupby(export_person_records(person_id, only=only), key=lambda record: record["type"])
    current = next(groups, None)
    with zipfile.ZipFile(pipe, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:
        for kind, filename, columns in CSV_FILES:
            if only is not None and kind not in only:
                continue
            records: Iterable[dict] = ()
            if current is not None and current[0] == kind:
                records, current = current[1], None
            info = zipfile.ZipInfo(filename, date_time=made)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16  # readable files once unpacked
            with archive.open(info, mode="w") as entry:
                entry.write(BOM.encode())
                for text in _csv_rows(columns, records):
                    entry.write(text.encode())
                    yield pipe.drain()
            if current is None:
                current = next(groups, None)
    yield pipe.drain()
