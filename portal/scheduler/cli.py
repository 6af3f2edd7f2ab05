"""`flask --app portal tick`: one pass of periodic work, one line per job."""
from __future__ import annotations

import logging

import click
from flask import Blueprint

from portal.extensions import db
from portal.scheduler.jobs import registered_jobs

log = logging.getLogger(__name__)

bp = Blueprint("scheduler", __name__, cli_group=None)


@bp.cli.command("tick")
def tick() -> None:
    """Send queued mail, remind, escalate, purge: every registered job, once.

    Each job runs in its own transaction, so one job's failure neither undoes nor stops
    the others. Safe to run from several machines at once."""
    failed = []
    for job in registered_jobs():
        try:
            summary = job.func()
            db.session.commit()
        except Exception as exc:  # report and go on with the next job
            db.session.rollback()
            failed.append(job.name)
            log.error("tick job %s failed: %s", job.name, type(exc).__name__)
            click.echo(f"{job.name}: failed ({type(exc).__name__})", err=True)
            continue
        click.echo(f"{job.name}: {summary}")
    if failed:
        raise click.exceptions.Exit(1)

