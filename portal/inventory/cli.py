"""`flask --app portal import-data FILE [--dry-run]` and `flask --app portal seed-demo`."""
from __future__ import annotations

from pathlib import Path

import click
from flask import Blueprint

from portal.audit.services import Actor
from portal.inventory.importer import ImportFailed, import_file

bp = Blueprint("inventory_cli", __name__, cli_group=None)

DEMO_FILE = Path(__file__).resolve().parent.parent / "demo" / "demo.jsonl"


def _run_import(path: Path, *, dry_run: bool) -> None:
    try:
        result = import_file(path, actor=Actor.cli(), dry_run=dry_run)
    except ImportFailed as failure:
        for problem in failure.problems:
            click.echo(str(problem), err=True)
        click.echo(f"nothing imported: {len(failure.problems)} problem(s)", err=True)
        raise SystemExit(1)
    prefix = "would import" if dry_run else "imported"
    click.echo(f"{prefix}: {result.summary()}")
    if not dry_run:
        click.echo(f"changes: {result.change_summary()}")


@bp.cli.command("import-data")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validate and count without writing anything.")
def import_data_command(file: Path, dry_run: bool) -> None:
    """Load a JSON Lines file in the import format (atomic and idempotent)."""
    _run_import(file, dry_run=dry_run)


@bp.cli.command("seed-demo")
def seed_demo_command() -> None:
    """Load the fictional demo company's data (safe to run again: nothing changes)."""
    _run_import(DEMO_FILE, dry_run=False)
