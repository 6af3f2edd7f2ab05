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
        click.echo(f"audit log intact: {report.checked} entries checked")
        return
    click.echo(
        f"audit log BROKEN at entry {report.first_broken_id}: {report.reason} "
        f"({report.checked} entries before it are intact)",
        err=True,
    )
    raise SystemExit(1)
