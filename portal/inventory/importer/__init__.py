"""Loading the import format (contracts/import-format.md): atomic, idempotent, every error reported.

`import_bytes` is shared by the CLI and the JSON API so both have the same semantics.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from portal.audit.services import Actor, record
from portal.extensions import db
from portal.inventory.provision_stops import provision_stop_problems
from portal.inventory.importer.apply import Changes, apply_records, load_known_keys
from portal.inventory.importer.opt_out import onward_opt_out_problems
from portal.inventory.importer.parse import (
    RECORD_TYPES,
    Problem,
    collect_references,
    decode,
    read_records,
    validate_records,
)

__all__ = ["ImportFailed", "ImportResult", "Problem", "import_bytes", "import_file"]


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


def import_bytes(data: bytes, *, actor: Actor, dry_run: bool = False, origin: str | None = None) -> ImportResult:
    """Validate the whole file, then write it in one transaction — or raise ImportFailed."""
    text, problem = decode(data)
    if problem is not None:
        raise ImportFailed([problem])
    records, problems = read_records(text)
    try:
        known = load_known_keys(collect_references(records))
        parsed = validate_records(records, known)
        problems.extend(parsed.problems)
        problems.extend(onward_opt_out_problems(parsed))
        problems.extend(provision_stop_problems(parsed))
        if problems:
            raise ImportFailed(problems)
        result = ImportResult(counts=parsed.counts(), dry_run=dry_run)
        if dry_run:
            db.session.rollback()
            return result
        result.changes = apply_records(parsed)
        record(
            "inventory.import",
            actor=actor,
            target_type="import",
            details={
                "origin": origin,
                "sha256": hashlib.sha256(data).hexdigest(),
                "counts": result.counts,
                "created": result.changes.created,
                "updated": result.changes.updated,
                "not_restored": result.changes.not_restored,
            },
        )
        db.session.commit()
        return result
    except BaseException:
        db.session.rollback()
        raise


def import_file(path: Path, *, actor: Actor, dry_run: bool = False) -> ImportResult:
    return import_bytes(Path(path).read_bytes(), actor=actor, dry_run=dry_run, origin=Path(path).name)
