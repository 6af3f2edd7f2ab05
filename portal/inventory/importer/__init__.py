"""Loading the import format (contracts/import-format.md): atomic, idempotent, every error reported.

The file is streamed in chunks of a few thousand lines: each chunk is validated (its keys
looked up in the database in a few batched queries) and, while no line so far had a problem,
written at once in bulk. After the first problem nothing more is written but every later
line is still checked, so all problems are reported; then the one transaction is rolled back.
Memory therefore holds one chunk and the keys seen, never the file.

`import_stream` is shared by the CLI and the JSON API so both have the same semantics.
"""
from __future__ import annotations

import gc
import io
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterator, Protocol

import sqlalchemy as sa

from portal.audit.services import Actor, record
from portal.extensions import db
from portal.inventory import summary
from portal.inventory.importer.apply import Changes, Writer, load_known_keys
from portal.inventory.importer.opt_out import OnwardOptOutCheck
from portal.inventory.provision_stops import refused_provisions
from portal.inventory.importer.csv_rows import CsvReader, Mapping, MappingInvalid, detect_encoding
from portal.inventory.importer.parse import RECORD_TYPES, KnownKeys, Seen, collect_references, validate_chunk
from portal.inventory.importer.reader import LineReader, Problem

__all__ = ["ImportFailed", "ImportResult", "Mapping", "MappingInvalid", "Problem", "Progress", "import_bytes",
           "import_csv", "import_file", "import_records", "import_stream"]

CHUNK_LINES = 5000
# A chunk ends before a person line once it is CHUNK_LINES long (a person's lines stay
# together), and at the latest at this length.
CHUNK_LINES_AT_MOST = 4 * CHUNK_LINES

Progress = Callable[[int, int], None]  # (records read, bytes read)


class ImportFailed(Exception):
    """The file had problems; nothing was written. `problems` lists every one, by line."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = sorted(problems, key=lambda problem: problem.line)


@dataclass
class ImportResult:
    counts: dict[str, int]
    dry_run: bool
    changes: Changes = field(default_factory=Changes)

    def summary(self) -> str:
        """`3 sources, 2 purposes, 1000 persons, …` — the contract's wording."""
        return ", ".join(f"{self.counts.get(kind, 0)} {kind}s" for kind in RECORD_TYPES)

    def change_summary(self) -> str:
        created = sum(self.changes.created.values())
        updated = sum(self.changes.updated.values())
        summary = f"{created} created, {updated} updated"
        if self.changes.not_restored:
            summary += f", {self.changes.not_restored} erased item lines not restored"
        if self.changes.not_restored_persons:
            summary += f", {self.changes.not_restored_persons} erased persons not restored"
        return summary


class RecordSource(Protocol):
    """Where records come from: JSON Lines (LineReader) or a mapped CSV (CsvReader)."""

    sha256: Any
    bytes_read: int

    def __iter__(self) -> Iterator[tuple[int, dict | Problem]]: ...


def _chunks(reader: RecordSource, problems: list[Problem]) -> Iterator[list[tuple[int, dict]]]:
    """Consecutive records in chunks; the reader's problems go straight to `problems`."""
    chunk: list[tuple[int, dict]] = []
    for number, parsed in reader:
        if isinstance(parsed, Problem):
            problems.append(parsed)
            continue
        if len(chunk) >= CHUNK_LINES_AT_MOST or (len(chunk) >= CHUNK_LINES and parsed.get("type") == "person"):
            yield chunk
            chunk = []
            _collect_young()  # the chunk just handled is freed by now: little is left to walk
        chunk.append((number, parsed))
    if chunk:
        yield chunk


def import_stream(stream: BinaryIO, *, actor: Actor, dry_run: bool = False, origin: str | None = None,
                  progress: Progress | None = None) -> ImportResult:
    """Validate and write a JSON Lines file in one transaction — or raise ImportFailed, nothing written."""
    return import_records(LineReader(stream), actor=actor, dry_run=dry_run, origin=origin, progress=progress)


def import_csv(stream: BinaryIO, mapping: Mapping, *, actor: Actor, encoding: str | None = None,
               dry_run: bool = False, origin: str | None = None, progress: Progress | None = None) -> ImportResult:
    """Validate and write a CSV export under a mapping, like a JSON Lines file (csv-import.md)."""
    detected, problem = detect_encoding(stream, encoding)
    if problem is not None:
        raise ImportFailed([problem])
    reader = CsvReader(stream, mapping, detected)
    return import_records(reader, actor=actor, dry_run=dry_run, origin=origin, progress=progress)


@contextmanager
def _collector_paused():
    """The cyclic garbage collector paused while the records stream through.

    An import makes millions of short-lived dicts, all freed by reference counting; each
    allocation burst would otherwise start a collection that walks every object the app
    holds, about a third of the import's CPU. A young-generation collection after each
    chunk (`_collect_young`) still frees any cycle a chunk made, so memory stays flat.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _collect_young() -> None:
    gc.collect(1)


def import_records(reader: RecordSource, *, actor: Actor, dry_run: bool = False, origin: str | None = None,
                   progress: Progress | None = None) -> ImportResult:
    """Validate and write the records in one transaction — or raise ImportFailed, nothing written."""
    with _collector_paused():
        return _import_records(reader, actor=actor, dry_run=dry_run, origin=origin, progress=progress)


def _import_records(reader: RecordSource, *, actor: Actor, dry_run: bool, origin: str | None,
                    progress: Progress | None) -> ImportResult:
    problems: list[Problem] = []
    counts = dict.fromkeys(RECORD_TYPES, 0)
    known, seen = KnownKeys(), Seen()
    try:
        writer = None if dry_run else Writer(known)
        onward_opt_out = OnwardOptOutCheck()
        records = 0
        for lines in _chunks(reader, problems):
            load_known_keys(collect_references(lines, known), known)
            chunk = validate_chunk(lines, known, seen)
            problems.extend(chunk.problems)
            # Before the chunk is written: a stop counts only against provision records not stored yet.
            problems.extend(Problem(line, message) for line, message in refused_provisions(
                [(row["line"], row) for row in chunk.rows["provision"]]))
            onward_opt_out.see(chunk)
            for kind, rows in chunk.rows.items():
                counts[kind] += len(rows)
            if writer is not None and not problems:
                writer.write(chunk)
            records += len(lines)
            lines = chunk = None  # freed before the next chunk is read (see _chunks)
            if progress is not None:
                progress(records, reader.bytes_read)
        problems.extend(onward_opt_out.problems())
        if writer is not None and not problems:
            writer.write_labels(getattr(reader, "labels", None) or [])  # a CSV mapping's labels
            writer.finish()
        if problems:
            raise ImportFailed(problems)
        result = ImportResult(counts=counts, dry_run=dry_run)
        if writer is None:
            db.session.rollback()
            return result
        result.changes = writer.changes
        record(
            "inventory.import",
            actor=actor,
            target_type="import",
            details={
                "origin": origin,
                "sha256": reader.sha256.hexdigest(),
                "counts": result.counts,
                "created": result.changes.created,
                "updated": result.changes.updated,
                "not_restored": result.changes.not_restored,
            },
        )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    _refresh_planner_statistics(result.changes)
    return result


# PostgreSQL's planner statistics after a load this large still describe the tables before it,
# until autovacuum catches up (a minute or more): look-ups made meanwhile, such as a re-import's,
# were planned for smaller tables (a 312,000-line re-import: 15.5 s, 10.5 s after ANALYZE).
ANALYZE_AFTER_CREATED = 50_000
LOADED_TABLES = ("person", "item", "item_purpose", "consent_event", "provision", *summary.SUMMARY_TABLES)


def _refresh_planner_statistics(changes: Changes) -> None:
    """ANALYZE the tables an import filled, after a large one (sampled: about a second at any size)."""
    if db.session.get_bind().dialect.name != "postgresql" or sum(changes.created.values()) < ANALYZE_AFTER_CREATED:
        return
    db.session.execute(sa.text(f"ANALYZE {', '.join(LOADED_TABLES)}"))
    db.session.commit()


def import_bytes(data: bytes, *, actor: Actor, dry_run: bool = False, origin: str | None = None) -> ImportResult:
    return import_stream(io.BytesIO(data), actor=actor, dry_run=dry_run, origin=origin)


def import_file(path: Path, *, actor: Actor, dry_run: bool = False, progress: Progress | None = None) -> ImportResult:
    with Path(path).open("rb") as stream:
        return import_stream(stream, actor=actor, dry_run=dry_run, origin=Path(path).name, progress=progress)
