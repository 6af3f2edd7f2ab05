"""`flask --app portal dispose-expired [--dry-run]`: what /staff/retention's disposal does, from a terminal."""
from __future__ import annotations

import click
from flask import Blueprint

from portal.audit.services import Actor
from portal.extensions import db
from portal.retention.disposal import dispose_expired

bp = Blueprint("retention_cli", __name__, cli_group=None)


@bp.cli.command("dispose-expired")
@click.option("--dry-run", is_flag=True, help="Only count what would go; change nothing.")
def dispose_expired_command(dry_run: bool) -> None:
    """Dispose of every item past its retention date (retain_until before today, Japan time)
    that no legal hold keeps: one transaction, tombstones instead of values, one audit entry
    with the counts per category. Prints the counts per category and source (no values)."""
    done = dispose_expired(actor=Actor.cli(), dry_run=dry_run)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    for group in done.groups:
        click.echo(f"{group.category}\t{group.source_key or '-'}\t{group.items} item(s)\t{group.people} person(s)"
                   f"\toldest retain_until {group.oldest.isoformat()}")
    verb = "would dispose of" if dry_run else "disposed of"
    click.echo(f"{verb} {done.items} item(s) past their retention date (before {done.today.isoformat()})")
