"""`flask --app portal create-api-token --email E --scopes S[,S] [--days N] [--name NAME]`."""
from __future__ import annotations

import click
from flask import Blueprint

from portal.api import tokens
from portal.audit.services import Actor
from portal.extensions import db

bp = Blueprint("api_cli", __name__, cli_group=None)

MESSAGES = {
    "no_scopes": "name at least one scope",
    "unknown_scope": "unknown scope(s): {detail} (known: " + ", ".join(tokens.SCOPES) + ")",
    "scope_beyond_role": "the owner's role does not include: {detail}",
    "owner_inactive": "the owner's account is deactivated",
    "name_invalid": "the name must be 1 to 120 characters",
    "days_invalid": f"--days must be 1 to {tokens.MAX_DAYS}",
}


@bp.cli.command("create-api-token")
@click.option("--email", required=True, help="The owning staff user's e-mail address; calls act in their name.")
@click.option("--scopes", required=True, metavar="S[,S]", help="Comma-separated: " + ", ".join(tokens.SCOPES) + ".")
@click.option("--days", type=int, default=tokens.DEFAULT_DAYS, show_default=True, help="Days until it expires.")
@click.option("--name", default=None, help="What the token is for (default: 'CLI token').")
def create_api_token_command(email: str, scopes: str, days: int, name: str | None) -> None:
    """Create an API token and print it once (only its hash is kept)."""
    owner = tokens.owner_by_email(email)
    if owner is None:
        raise click.ClickException("create-api-token: no staff user has this e-mail address")
    try:
        token, raw = tokens.create_token(owner=owner, name=name or "CLI token", scopes=tokens.parse_scopes(scopes),
                                         days=days, actor=Actor.cli())
    except tokens.TokenRefused as refused:
        message = MESSAGES.get(refused.code, refused.code).format(detail=refused.detail)
        raise click.ClickException(f"create-api-token: {message}") from None
    db.session.commit()
    click.echo(raw)
    click.echo(f"token #{token.id} for {owner.email}: scopes {', '.join(token.scopes)}; "
               f"expires {token.expires_at:%Y-%m-%d %H:%M} UTC. It is shown only now.", err=True)
