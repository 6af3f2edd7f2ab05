"""`flask --app portal audit-verify`."""
import click
from flask import Blueprint

from portal.audit.services import verify_chain

bp = Blueprint("audit_cli", __name__, cli_group=None)


@bp.cli.command("audit-verify")
def audit_verify_command() -> None:
    """Check the audit log's hash chain and name the first broken entry."""
    report = verify_chain()
    if report.ok:
        click.echo(report.describe())
        return
    click.echo(report.describe(), err=True)
    raise SystemExit(1)
