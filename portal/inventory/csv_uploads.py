"""CSV exports uploaded by a manager, and the column mappings saved for them.

An upload is kept encrypted in the upload folder (like letters of authority) until it is
loaded, so the dry run and the load read the same bytes; saved mappings are the mapping
files of csv-import.md, stored by name. Loading goes through the one importer
(`import_csv`): atomic, idempotent, every problem by CSV line.
"""
from __future__ import annotations

import csv
import io
import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.audit.services import Actor, record
from portal.common.db import UTCDateTime
from portal.common.time import utcnow
from portal.common.uploads import upload_dir
from portal.encryption import files
from portal.encryption.types import EncryptedText
from portal.extensions import db
from portal.inventory.importer import ImportFailed, ImportResult, Mapping, import_csv
from portal.inventory.importer.csv_rows import detect_encoding

CSV_UPLOAD = "csv_upload"  # the sealed files' kind
PREVIEW_ROWS = 5


class CsvUpload(db.Model):
    """One uploaded CSV waiting to be mapped, checked and loaded."""

    __tablename__ = "csv_upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    stored_name: Mapped[str] = mapped_column(sa.String(32), unique=True)
    filename: Mapped[str] = mapped_column(EncryptedText("csv_upload.filename"))
    encoding: Mapped[str] = mapped_column(sa.String(20))
    # The header row: column names, which name no one.
    header: Mapped[list[str]] = mapped_column(sa.JSON)
    size: Mapped[int]
    uploaded_by: Mapped[str] = mapped_column(sa.String(80))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    loaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CsvMapping(db.Model):
    """A mapping file (csv-import.md) saved under a name, to be used again for the next export."""

    __tablename__ = "csv_mapping"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    mapping: Mapped[dict] = mapped_column(sa.JSON)
    saved_by: Mapped[str] = mapped_column(sa.String(80))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


def _who(actor: Actor) -> str:
    return f"{actor.type}:{actor.id}"


class UploadRefused(ValueError):
    """The file cannot be used; the message says why, for the person who sent it."""


def store_upload(data: bytes, filename: str, *, encoding: str | None, actor: Actor) -> CsvUpload:
    """Check that the file decodes and has a header, keep it encrypted, and record the upload."""
    detected, problem = detect_encoding(io.BytesIO(data), encoding)
    if problem is not None:
        raise UploadRefused(str(problem))
    header = next(csv.reader(io.StringIO(data.decode(detected))), None)
    header = [name.strip() for name in header or [] if name.strip()]
    if not header:
        raise UploadRefused("1: the CSV is empty: a header row is expected on line 1")
    folder = upload_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    upload = CsvUpload(stored_name=secrets.token_hex(16), filename=filename[:200], encoding=detected,
                       header=header, size=len(data), uploaded_by=_who(actor))
    files.write_file(folder / upload.stored_name, data, CSV_UPLOAD)
    db.session.add(upload)
    db.session.flush()
    record("inventory.csv_uploaded", actor=actor, target_type="csv_upload", target_id=upload.id,
           details={"size": len(data), "encoding": detected, "columns": len(header)})
    return upload


def read_upload(upload: CsvUpload) -> bytes:
    return files.read_file(upload_dir() / upload.stored_name, CSV_UPLOAD)


def preview_rows(upload: CsvUpload, count: int = PREVIEW_ROWS) -> list[list[str]]:
    """The first rows after the header, cut to the header's width (the caller audits the view)."""
    rows = csv.reader(io.StringIO(read_upload(upload).decode(upload.encoding)))
    next(rows, None)
    shown = []
    for row in rows:
        if len(shown) == count:
            break
        if any(cell.strip() for cell in row):
            shown.append([cell.strip() for cell in row[:len(upload.header)]])
    return shown


def save_mapping(name: str, mapping: dict, *, actor: Actor) -> CsvMapping:
    """Save (or replace) the mapping under `name`; MappingInvalid if it is not a valid mapping."""
    Mapping.from_json(mapping)
    saved = db.session.scalar(sa.select(CsvMapping).where(CsvMapping.name == name))
    if saved is None:
        saved = CsvMapping(name=name, mapping=mapping, saved_by=_who(actor))
        db.session.add(saved)
    else:
        saved.mapping, saved.saved_by = mapping, _who(actor)
    db.session.flush()
    record("inventory.csv_mapping_saved", actor=actor, target_type="csv_mapping", target_id=saved.id,
           details={"name": name})
    return saved


def run_upload(upload: CsvUpload, mapping: dict, *, dry_run: bool, actor: Actor) -> ImportResult:
    """Check (dry run) or load the upload under the mapping; ImportFailed lists the problems.

    The importer commits or rolls back its own transaction; after a load the file is deleted."""
    data = read_upload(upload)
    result = import_csv(io.BytesIO(data), Mapping.from_json(mapping), actor=actor, encoding=upload.encoding,
                        dry_run=dry_run, origin=f"csv_upload:{upload.id}")
    if not dry_run:
        upload.loaded_at = utcnow()
        (upload_dir() / upload.stored_name).unlink(missing_ok=True)
        db.session.commit()
    return result


__all__ = ["CsvMapping", "CsvUpload", "ImportFailed", "UploadRefused", "preview_rows", "run_upload",
           "save_mapping", "store_upload"]
