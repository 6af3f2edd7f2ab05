"""`flask --app portal import-data FILE [--dry-run]`, `seed-demo` and `legal-hold`."""
from __future__ import annotations

import json
import re
import sys
import time
from datetime import date
from pathlib import Path

import click
from flask import Blueprint

from portal.audit.services import Actor
from portal.inventory.importer import ImportFailed, Mapping, MappingInvalid, import_csv, import_file
from portal.inventory.legal_holds import (
    BATCH_SIZE,
    LegalHoldRefused,
    apply_legal_hold,
    check_hold,
    longer_holds,
    resolve_scope,
)

bp = Blueprint("inventory_cli", __name__, cli_group=None)

DEMO_FILE = Path(__file__).resolve().parent.parent / "demo" / "demo.jsonl"


class ProgressLine:
    """`1,234,000 records, 52,000 records/s, 40%, about 35 s left` on the terminal, rewritten in
    place at most twice a second; nothing when stderr is not a terminal (cron, pipes)."""

    def __init__(self, total_bytes: int, *, shown: bool | None = None) -> None:
        self.total = max(total_bytes, 1)
        self.shown = sys.stderr.isatty() if shown is None else shown
        self.started = self.last = time.monotonic()
        self.width = 0

    def __call__(self, records: int, bytes_read: int) -> None:
        now = time.monotonic()
        if not self.shown or now - self.last < 0.5:
            return
        self.last = now
        elapsed = now - self.started
        left = (self.total - bytes_read) * elapsed / max(bytes_read, 1)
        text = (f"{records:,} records, {records / elapsed:,.0f} records/s, "
                f"{100 * bytes_read // self.total}%, about {left:,.0f} s left")
        click.echo("\r" + text.ljust(self.width), err=True, nl=False)
        self.width = len(text)

    def clear(self) -> None:
        if self.width:
            click.echo("\r" + " " * self.width + "\r", err=True, nl=False)


def _run_import(path: Path, *, dry_run: bool, mapping: Mapping | None = None, encoding: str | None = None) -> None:
    progress = ProgressLine(path.stat().st_size)
    try:
        if mapping is None:
            result = import_file(path, actor=Actor.cli(), dry_run=dry_run, progress=progress)
        else:
            with path.open("rb") as stream:
                result = import_csv(stream, mapping, actor=Actor.cli(), encoding=encoding, dry_run=dry_run,
                                    origin=path.name, progress=progress)
    except ImportFailed as failure:
        progress.clear()
        for problem in failure.problems:
            click.echo(str(problem), err=True)
        click.echo(f"nothing imported: {len(failure.problems)} problem(s)", err=True)
        raise SystemExit(1)
    progress.clear()
    prefix = "would import" if dry_run else "imported"
    click.echo(f"{prefix}: {result.summary()}")
    if not dry_run:
        click.echo(f"changes: {result.change_summary()}")


def _read_mapping(path: Path) -> Mapping:
    try:
        return Mapping.from_json(json.loads(path.read_text(encoding="utf-8-sig")))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        problems = [f"not a UTF-8 JSON file ({exc})"]
    except MappingInvalid as invalid:
        problems = invalid.problems
    for problem in problems:
        click.echo(f"{path.name}: {problem}", err=True)
    click.echo(f"nothing imported: {len(problems)} problem(s) in the mapping", err=True)
    raise SystemExit(1)


@bp.cli.command("import-data")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--mapping", "mapping_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Load FILE as a CSV export, its columns mapped by this JSON file (csv-import.md).")
@click.option("--encoding", help="The CSV's encoding (detected otherwise: UTF-8 with or without BOM, or CP932).")
@click.option("--dry-run", is_flag=True, help="Validate and count without writing anything.")
def import_data_command(file: Path, mapping_path: Path | None, encoding: str | None, dry_run: bool) -> None:
    """Load a JSON Lines file in the import format, or a CSV with --mapping (atomic and idempotent)."""
    if mapping_path is None and (encoding or file.suffix.lower() == ".csv"):
        click.echo("a CSV file is loaded with --mapping MAP.json (see csv-import.md); nothing imported", err=True)
        raise SystemExit(1)
    mapping = _read_mapping(mapping_path) if mapping_path else None
    _run_import(file, dry_run=dry_run, mapping=mapping, encoding=encoding)


@bp.cli.command("seed-demo")
def seed_demo_command() -> None:
    """Load the fictional demo company's data (safe to run again: nothing changes)."""
    _run_import(DEMO_FILE, dry_run=False)


def _refuse(message: str) -> None:
    click.echo(f"legal-hold: {message}; nothing changed", err=True)
    raise SystemExit(1)


def _parse_until(text: str) -> date:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise LegalHoldRefused(f"--until {text!r} is not a date YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise LegalHoldRefused(f"--until {text!r} is not a date YYYY-MM-DD") from None


@bp.cli.command("legal-hold")
@click.option("--category", required=True, metavar="CATEGORY", help="The items' category (e.g. purchase).")
@click.option("--field", default=None, metavar="FIELD", help="Only items of this field (e.g. line).")
@click.option("--person", "person_key", default=None, metavar="KEY",
              help="Only this person's items (the company's key); everyone's when omitted.")
@click.option("--until", default=None, metavar="YYYY-MM-DD", help="Keep the items until this day (inclusive).")
@click.option("--reason", default=None, metavar="TEXT",
              help="Why the law obliges keeping them; shown to the customer whose erasure it blocks.")
@click.option("--replace", is_flag=True,
              help="Also shorten holds that run longer (to correct a mistaken date); kept otherwise.")
@click.option("--lift", is_flag=True, help="Lift the hold instead of placing one.")
def legal_hold_command(category: str, field: str | None, person_key: str | None,
                       until: str | None, reason: str | None, replace: bool, lift: bool) -> None:
    """Place (--until, --reason) or lift (--lift) a legal retention hold on matching items.

    An erasure keeps held items and names them, with the reason, in the answer to the
    customer. Every changed item is audited. Items are changed in batches of 1,000, each
    committed on its own: every audited change takes the audit log's lock, so one
    transaction over millions of purchase lines would hold up the whole portal. If a run
    stops half-way, run it again: items that already have the wanted hold are skipped.
    Items already held as long or longer keep that hold unless --replace is given.
    """
    try:
        if lift == (until is not None):
            raise LegalHoldRefused("give either --until (with --reason) or --lift")
        if lift and (reason is not None or replace):
            raise LegalHoldRefused("--reason and --replace go with --until, not with --lift")
        hold_until = None if lift else _parse_until(until)
        clean_reason = check_hold(hold_until, reason)
        scope = resolve_scope(category, field=field, person_key=person_key)
    except LegalHoldRefused as refusal:
        _refuse(str(refusal))
    changed = apply_legal_hold(scope, until=hold_until, reason=clean_reason, actor=Actor.cli(),
                               replace=replace, batch_size=BATCH_SIZE)
    if lift:
        click.echo(f"lifted the legal hold on {changed} item(s)")
        return
    click.echo(f"placed a legal hold until {hold_until.isoformat()} on {changed} item(s)")
    if not replace and (kept := longer_holds(scope, hold_until, clean_reason)):
        click.echo(f"{kept} item(s) kept a hold that runs as long or longer (--replace shortens it)")
