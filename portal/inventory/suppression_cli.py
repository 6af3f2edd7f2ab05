"""`flask --app portal export-suppressions --purpose KEY [--since TIME]` (DESIGN.md contract),
and `export-provision-stops [--recipient NAME]`.

Writes the suppression list as CSV (UTF-8, header row) to stdout, for marketing systems to
load before every campaign. An unknown purpose is one line on stderr and exit status 1, so a
scheduled job fails loudly instead of sending to everyone.
"""
from __future__ import annotations

import sys
from datetime import datetime

import click
from flask import Blueprint

from portal.audit.services import Actor, record
from portal.common.time import parse_datetime
from portal.extensions import db
from portal.inventory.provision_stops import stops_csv, stops_in_force
from portal.inventory.suppression import (UnknownPurpose, csv_chunks, purpose_by_key,
                                          stream_rows, suppression_statement)

bp = Blueprint("suppression_cli", __name__, cli_group=None)


class _IsoTime(click.ParamType):
    name = "ISO-8601 time"

    def convert(self, value, param, ctx) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            return parse_datetime(value)
        except ValueError:
            self.fail(f"{value!r} is not an ISO 8601 time (e.g. 2026-04-01T09:00:00+09:00)", param, ctx)


def export_suppressions(purpose_key: str, *, since: datetime | None, out, actor: Actor) -> int:
    """Write the CSV to the binary stream `out`, audit the export (counts only) and commit."""
    purpose = purpose_by_key(purpose_key)
    counter = [0]
    try:
        for chunk in csv_chunks(stream_rows(suppression_statement(purpose, since=since)), counter):
            out.write(chunk)
        out.flush()
    finally:
        # Also when the reader went away half-way: what left the building is on record.
        record("inventory.suppressions_exported", actor=actor, target_type="purpose",
               target_id=purpose.key,
               details={"purpose": purpose.key, "rows": counter[0],
                        "since": since.isoformat() if since else None})
        db.session.commit()
    return counter[0]


@bp.cli.command("export-suppressions")
@click.option("--purpose", "purpose_key", required=True, metavar="KEY",
              help="The purpose's key, as in the import file (e.g. newsletter-email).")
@click.option("--since", type=_IsoTime(), default=None,
              help="Only entries that began after this time (ISO 8601; no offset means Japan time).")
def export_suppressions_command(purpose_key: str, since: datetime | None) -> None:
    """CSV of everyone not to be contacted for a purpose (withdrawn consent, suspension, erasure)."""
    try:
        export_suppressions(purpose_key, since=since, out=sys.stdout.buffer,
                            actor=Actor.cli())
    except UnknownPurpose as error:
        click.echo(f"export-suppressions: {error}", err=True)
        raise SystemExit(1)


@bp.cli.command("export-provision-stops")
@click.option("--recipient", default=None, metavar="NAME",
              help="Only the stops covering this company (named so, or every recipient).")
def export_provision_stops_command(recipient: str | None) -> None:
    """CSV of the stops of third-party provision in force: person key, recipient (empty: every
    recipient), since, and the request that asked for it."""
    counter = [0]
    try:
        for chunk in stops_csv(stops_in_force(recipient=recipient), counter):
            sys.stdout.write(chunk)
        sys.stdout.flush()
    finally:
        record("inventory.provision_stops_exported", actor=Actor.cli(), target_type="provision_stops",
               details={"rows": counter[0], "recipient": recipient is not None})
        db.session.commit()
