"""The customer's downloads (APPI Art. 33 electronic disclosure): JSON Lines, and a ZIP of
readable CSV files with the JSON Lines and a README.

Both are built from `export_person_records`; the JSON Lines speak the import vocabulary and
stream while the items are read in batches.
"""
from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import datetime
from typing import Collection, Iterable, Iterator

from portal.common.time import JST
from portal.inventory.readable import DeflatedText, Table, build, rows_of
from portal.inventory.export import export_person_records
from portal.inventory.models import THIRD_PARTY_KINDS

THIRD_PARTY_KIND_VALUES = frozenset(kind.value for kind in THIRD_PARTY_KINDS)

JSONL_NAME = "my-data.jsonl"

# Excel and other spreadsheets run a cell starting with these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def jsonl_chunks(person_id: int, *, only: Collection[str] | None = None) -> Iterator[bytes]:
    """One JSON object per line, exactly what `import-data` reads (`only`: these record types).

    The provision records (Art. 33(5)) come with the records of receipt: the sources through
    which another company gave us the person's data (provider, date, how they obtained it)."""
    for record in export_person_records(person_id, only=_with_receipts(only)):
        if only is not None and record["type"] not in only and not _is_receipt(record):
            continue
        yield (json.dumps(record, ensure_ascii=False) + "\n").encode()


def _with_receipts(only: Collection[str] | None) -> set[str] | None:
    return None if only is None else set(only) | ({"source"} if "provision" in only else set())


def _is_receipt(record: dict) -> bool:
    return record["type"] == "source" and record.get("kind") in THIRD_PARTY_KIND_VALUES


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


def _table_text(table: Table) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows_of(table):
        writer.writerow([neutralise(_cell(value)) for value in row])
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def zip_chunks(person_id: int, *, only: Collection[str] | None = None) -> Iterator[bytes]:
    """A ZIP a person can read and another service can load: CSV files with headers in the
    customer's language and names instead of codes (UTF-8 with BOM, for Excel), the same data
    as JSON Lines in the import vocabulary, and a README saying what each file and column is.

    `only` keeps these record types; the provision records (Art. 33(5)) bring the records of
    receipt with them. The records are read once: while the CSV tables are built (the purchase and
    point lines kept deflated, see `readable.build`), their JSON Lines are kept deflated in memory
    — a tenth of their size — until their file's turn in the ZIP."""
    jsonl = DeflatedText()

    def records() -> Iterator[dict]:
        for record in export_person_records(person_id, only=_with_receipts(only)):
            if only is None or record["type"] in only or _is_receipt(record):
                jsonl.write(json.dumps(record, ensure_ascii=False) + "\n")
                yield record

    readable = build(records(), only=None if only is None else set(only))
    pipe = _Pipe()
    made = datetime.now(JST).timetuple()[:6]
    with zipfile.ZipFile(pipe, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:
        def entry(filename: str, chunks: Iterable[str | bytes]) -> Iterator[bytes]:
            info = zipfile.ZipInfo(filename, date_time=made)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16  # readable files once unpacked
            with archive.open(info, mode="w") as handle:
                for text in chunks:
                    handle.write(text.encode() if isinstance(text, str) else text)
                    yield pipe.drain()

        yield from entry("README.txt", [BOM, readable.readme(jsonl_name=JSONL_NAME)])
        for table in readable.tables:
            yield from entry(table.filename, [BOM, *_table_text(table)])
        yield from entry(JSONL_NAME, jsonl.chunks())
    yield pipe.drain()
