"""The audit log as CSV: one line per entry, streamed, safe to open in a spreadsheet."""
from __future__ import annotations

import csv
import io
import json
from typing import Iterable, Iterator

from portal.audit_log.browse import staff_names
from portal.audit.models import AuditEntry
from portal.common.time import JST

# Column names are part of what auditors' tools read, so they stay English and stable.
COLUMNS = (
    "id", "time_jst", "actor_type", "actor_id", "actor_name", "action",
    "target_type", "target_id", "person_id", "ip", "details", "prev_hash", "hash",
)
# A cell starting with one of these is a formula to Excel and LibreOffice (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _row(entry: AuditEntry, names: dict[str, str]) -> list[str]:
    actor_name = names.get(entry.actor_id or "") if entry.actor_type == "staff" else None
    details = json.dumps(entry.details or {}, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    values = (
        entry.id, entry.at.astimezone(JST).isoformat(timespec="seconds"), entry.actor_type,
        entry.actor_id, actor_name, entry.action, entry.target_type, entry.target_id,
        entry.person_id, entry.ip, details, entry.prev_hash, entry.hash,
    )
    return [_cell(value) for value in values]


def csv_lines(chunks: Iterable[list[AuditEntry]]) -> Iterator[str]:
    """The header, then the entries chunk by chunk; a BOM first so Excel reads UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    yield "\ufeff" + buffer.getvalue()
    for chunk in chunks:
        buffer.seek(0)
        buffer.truncate()
        names = staff_names(chunk)
        for entry in chunk:
            writer.writerow(_row(entry, names))
        yield buffer.getvalue()
