"""`flask --app portal create-api-token`: prints the token once; only its hash is stored."""
from __future__ import annotations

import sqlalchemy as sa

from portal.api.models import ApiToken
from portal.api.tokens import hash_token
from portal.extensions import db


def test_create_api_token_prints_a_working_token_once(app, runner, create_staff, api):
    owner = create_staff("manager")
    result = runner.invoke(args=["create-api-token", "--email", owner.email.upper(),
                                 "--scopes", "requests:read,reports:read", "--days", "7"])
    assert result.exit_code == 0, result.output
    raw = result.stdout.strip()
    assert raw.startswith("mgk_")
    with app.app_context():
        token = db.session.scalar(sa.select(ApiToken))
        assert token.token_hash == hash_token(raw) and raw not in (token.prefix, token.name)
        assert token.scopes == ["reports:read", "requests:read"] and token.owner_id == owner.id
    assert api.get("/requests", headers={"Authorization": f"Bearer {raw}"}).status_code == 200


def test_a_scope_beyond_the_owners_role_is_refused(runner, create_staff, app):
    agent = create_staff("agent")
    result = runner.invoke(args=["create-api-token", "--email", agent.email, "--scopes", "inventory:write"])
    assert result.exit_code != 0 and "does not include: inventory:write" in result.output
    result = runner.invoke(args=["create-api-token", "--email", agent.email, "--scopes", "everything"])
    assert result.exit_code != 0 and "unknown scope" in result.output
    result = runner.invoke(args=["create-api-token", "--email", "nobody@example.jp", "--scopes", "requests:read"])
    assert result.exit_code != 0 and "no staff user" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0
