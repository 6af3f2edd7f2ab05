"""`flask --app portal tick`: one pass of periodic work, one line per job."""
from __future__ import annotations

import logging
import signal
import time

import click
from flask import Blueprint

from portal.extensions import db
from portal.mail.services import deliver_due
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


@bp.cli.command("send-mail")
@click.option("--watch", is_flag=True, help="Keep running: send what is due every --every seconds.")
@click.option("--every", default=2.0, show_default=True, type=click.FloatRange(0.2, 300),
              help="Seconds between passes with --watch.")
def send_mail(watch: bool, every: float) -> None:
    """Send the outbox's due mail (what `tick` does too); with --watch, as a long-running worker.

    Production leaves every mail to this worker (PORTAL_MAIL_AFTER_REQUEST=0), so a page never
    waits on the SMTP relay; the worker's pass is one indexed query when nothing is due. Several
    workers may run at once: each mail is claimed before it is sent."""
    stopping = []
    if watch:
        # systemd and docker stop with SIGTERM: finish the mail in hand, then leave.
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    while True:
        report = deliver_due()
        db.session.commit()
        if report.attempted or not watch:
            click.echo(f"mail: {report}")
        if not watch or stopping:
            return
        try:
            time.sleep(every)
        except KeyboardInterrupt:
            return
        if stopping:
            return
