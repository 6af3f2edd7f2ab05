"""`flask --app portal find-duplicates`: the candidate pairs as CSV, for an integrator's review.

Keys and evidence only (no names or addresses): the CSV leaves the building, the keys are
enough to look the records up in the CRM, and the export itself is audited.
"""
from __future__ import annotations

import csv
import sys

import click
from flask import Blueprint

from portal.audit.services import Actor, record
from portal.extensions import db
from portal.merging.candidates import find_candidates

bp = Blueprint("merging_cli", __name__, cli_group=None)

HEADER = ["first_key", "second_key", "evidence"]


def write_candidates(out, *, actor: Actor) -> int:
    """Write the CSV to the text stream `out`; audit the export and commit."""
    found = find_candidates()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for candidate in found:
        writer.writerow([candidate.first.key, candidate.second.key, ";".join(candidate.evidence)])
    record("person.duplicates_exported", actor=actor, target_type="person", details={"candidates": len(found)})
    db.session.commit()
    return len(found)


@bp.cli.command("find-duplicates")
def find_duplicates_command() -> None:
    """CSV of pairs of records that may be one person (same phone, email, or name with birth date or postal code)."""
    count = write_candidates(sys.stdout, actor=Actor.cli())
    click.echo(f"{count} candidate pair(s)", err=True)
