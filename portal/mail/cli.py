"""`flask --app portal send-mail [--watch]`: the outbox's sender, once or as a long-running worker."""
from __future__ import annotations

import signal
import time

import click
from flask import Blueprint

from portal.extensions import db
from portal.mail.services import deliver_due

bp = Blueprint("mail_cli", __name__, cli_group=None)


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
