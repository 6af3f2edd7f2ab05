"""`flask --app portal rotate-key`: move every stored value to the active key.

The procedure (README, "Encryption at rest"): put the new key FIRST in PORTAL_DATA_KEYS and
keep the old one after it, restart the portal (new writes use the new key, old values still
read), run this command (resumable; safe while serving), then drop the old key.
"""
from __future__ import annotations

import click
from flask import Blueprint

from portal.audit.services import Actor, record
from portal.encryption.cipher import keyring
from portal.encryption.rotation import DEFAULT_BATCH, rotate, stale_counts
from portal.extensions import db

bp = Blueprint("encryption_cli", __name__, cli_group=None)


@bp.cli.command("rotate-key")
@click.option("--batch-size", default=DEFAULT_BATCH, show_default=True, type=click.IntRange(1, 100_000),
              help="Rows re-encrypted per transaction.")
@click.option("--status", is_flag=True, help="Only count the rows still under an old key.")
def rotate_key(batch_size: int, status: bool) -> None:
    """Re-encrypt every stored value (and file) under the first key of PORTAL_DATA_KEYS."""
    active = keyring().active_id
    if status:
        stale = {table: count for table, count in stale_counts().items() if count}
        click.echo(f"active key: {active}; rows under an older key: {sum(stale.values())}")
        for table, count in stale.items():
            click.echo(f"  {table}: {count}")
        return
    click.echo(f"re-encrypting under key {active} in batches of {batch_size}")
    report = rotate(batch_size, progress=lambda table, done: click.echo(f"  {table}: {done}"))
    record("encryption.rotated", actor=Actor.system(), target_type="key", target_id=active,
           details={"values": report.values, "files": report.files})
    db.session.commit()
    click.echo(f"done: {report.values} values and {report.files} files now under key {active}")
