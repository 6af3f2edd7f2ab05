"""Bearer tokens on every API call: who is calling, and may they do this?

401 when no token is sent or it is unknown, expired, revoked, or its owner is inactive
(the caller must fix its credentials); 403 when the token is fine but lacks the scope, or
its owner's role no longer includes it (the caller must ask for more). Cookies never count:
a logged-in staff browser has no access to the API without a token.
"""
from __future__ import annotations

from datetime import timedelta
from functools import wraps

from flask import g, request

from portal.api.models import ApiToken
from portal.api.problems import ApiProblem
from portal.api.tokens import SCOPES, find_token, owner_may_hold
from portal.audit.services import Actor
from portal.common.time import utcnow

# Writing last_used_at on every call would make each read a write; once a minute is enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)
CHALLENGE = 'Bearer realm="madoguchi-api"'


def bearer_from_header() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def authenticate() -> ApiToken:
    """The token of this call (cached on `g`), or raise the 401 problem."""
    token = g.get("api_token")
    if token is not None:
        return token
    raw = bearer_from_header()
    if raw is None:
        raise ApiProblem("unauthorized", "Send the header `Authorization: Bearer <token>`.",
                         headers={"WWW-Authenticate": CHALLENGE})
    token = find_token(raw)
    now = utcnow()
    reason = None
    if token is None:
        reason = "The token is not known."
    elif token.revoked_at is not None:
        reason = "The token has been revoked."
    elif token.expires_at <= now:
        reason = "The token has expired."
    elif not token.owner.active:
        reason = "The token's owner account is deactivated."
    if reason:
        raise ApiProblem("invalid-token", reason, headers={"WWW-Authenticate": CHALLENGE + ', error="invalid_token"'})
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now  # committed with the call's audit entry
    g.api_token = token
    return token


def require_scope(token: ApiToken, scope: str) -> None:
    if scope not in token.scopes:
        raise ApiProblem("insufficient-scope", f"This operation needs a token with the scope {scope}.",
                         required_scope=scope,
                         headers={"WWW-Authenticate": CHALLENGE + f', error="insufficient_scope", scope="{scope}"'})
    if not owner_may_hold(token.owner, scope):
        raise ApiProblem("insufficient-scope",
                         f"The token's owner's role no longer includes the scope {scope}.", required_scope=scope)


def token_required(scope: str):
    """Only for calls with a valid bearer token holding `scope` (visible at the route)."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            require_scope(authenticate(), scope)
            return view(*args, **kwargs)

        wrapped.required_scope = scope
        return wrapped

    return decorator


def current_token() -> ApiToken:
    return g.api_token


def api_actor() -> Actor:
    """The token's owner: changes made through the API are theirs, like changes made on the pages."""
    return Actor("staff", g.api_token.owner_id)
