"""`flask --app portal create-staff --email E --name N --role agent|manager|admin [--password-stdin]`."""
from __future__ import annotations

import sys

import click
from flask import Blueprint

from portal.audit.services import Actor
from portal.extensions import db
from portal.staff import services
from portal.staff.login import two_factor_required
from portal.staff.models import StaffRole
from portal.staff.security import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH

bp = Blueprint("staff_cli", __name__, cli_group=None)

# The CLI speaks English, like the other commands; the web forms word the same refusals in Japanese.
MESSAGES = {
    "email_invalid": "not a valid e-mail address",
    "email_taken": "a staff account with this e-mail address already exists",
    "name_invalid": "the name must be 1 to 120 characters",
    "password_too_short": f"the password must be at least {MIN_PASSWORD_LENGTH} characters",
    "password_too_long": f"the password must be at most {MAX_PASSWORD_LENGTH} characters",
    "password_is_email": "the password must not be the e-mail address",
    "password_common": "the password is among the most used ones; choose another",
}


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt="Repeat the password")


@bp.cli.command("create-staff")
@click.option("--email", required=True, help="Log-in address of the staff member.")
@click.option("--name", required=True, help="Name shown to colleagues.")
@click.option("--role", required=True, type=click.Choice([r.value for r in StaffRole]),
              help="agent: works requests; manager: also reports; admin: also staff and policies.")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input instead of prompting.")
def create_staff_command(email: str, name: str, role: str, password_stdin: bool) -> None:
    """Create a staff account with a password (managers and admins set up 2FA at first log-in)."""
    password = _read_password(password_stdin)
    try:
        user = services.create_staff(email=email, name=name, role=role, password=password, actor=Actor.cli())
    except services.StaffAccountError as refused:
        raise click.ClickException(f"create-staff: {MESSAGES.get(refused.code, refused.code)}") from None
    db.session.commit()
    note = " (two-factor authentication will be set up at the first log-in)" if two_factor_required(user) else ""
    click.echo(f"created {user.role.value} account #{user.id}{note}")
