"""Creating, checking and revoking API tokens.

A token is `mgk_` + 43 random URL-safe characters, shown once; only its SHA-256 is kept. It
acts in the name of its owner, a staff user: a scope is granted only when the owner's role
includes it (and checked again on every call, so demoting the owner narrows the token).
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa

from portal.api.models import ApiToken
from portal.audit.services import Actor, record
from portal.common.text import normalise_email
from portal.common.time import utcnow
from portal.extensions import db
from portal.staff.models import StaffRole, StaffUser

TOKEN_PREFIX = "mgk_"
DEFAULT_DAYS = 90
MAX_DAYS = 366

#: Every scope, and the least role whose owner may hold it.
SCOPES: dict[str, StaffRole] = {
    "requests:read": StaffRole.AGENT,
    "requests:write": StaffRole.AGENT,
    "suppressions:read": StaffRole.AGENT,
    "reports:read": StaffRole.MANAGER,
    "inventory:write": StaffRole.ADMIN,
}


class TokenRefused(ValueError):
    """The token cannot be created as asked; `code` names why (the CLI and the page word it)."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code, self.detail = code, detail


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def parse_scopes(text: str | list[str]) -> list[str]:
    names = text.split(",") if isinstance(text, str) else list(text)
    return sorted({name.strip() for name in names if name.strip()})


def owner_may_hold(owner: StaffUser, scope: str) -> bool:
    return scope in SCOPES and owner.may(SCOPES[scope])


def create_token(*, owner: StaffUser, name: str, scopes: list[str], days: int = DEFAULT_DAYS,
                 actor: Actor, now: datetime | None = None) -> tuple[ApiToken, str]:
    """A new token for `owner`; returns it and the secret, which is never readable again."""
    scopes = parse_scopes(scopes)
    name = (name or "").strip()
    if not scopes:
        raise TokenRefused("no_scopes")
    unknown = [scope for scope in scopes if scope not in SCOPES]
    if unknown:
        raise TokenRefused("unknown_scope", ", ".join(unknown))
    beyond = [scope for scope in scopes if not owner_may_hold(owner, scope)]
    if beyond:
        raise TokenRefused("scope_beyond_role", ", ".join(beyond))
    if not owner.active:
        raise TokenRefused("owner_inactive")
    if not 1 <= len(name) <= 120:
        raise TokenRefused("name_invalid")
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise TokenRefused("days_invalid")
    now = now or utcnow()
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(owner_id=owner.id, owner=owner, name=name, token_hash=hash_token(raw),
                     prefix=raw[:12], scopes=scopes, created_at=now, expires_at=now + timedelta(days=days))
    db.session.add(token)
    db.session.flush()
    record("api.token_created", actor=actor, target_type="api_token", target_id=token.id,
           details={"owner_id": owner.id, "scopes": scopes, "expires_at": token.expires_at.isoformat()})
    return token, raw


def revoke_token(token: ApiToken, *, actor: Actor, now: datetime | None = None) -> bool:
    """Revoke at once; False when it already was."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = now or utcnow()
    db.session.flush()
    record("api.token_revoked", actor=actor, target_type="api_token", target_id=token.id,
           details={"owner_id": token.owner_id})
    return True


def find_token(raw: str) -> ApiToken | None:
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    return db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_token(raw)))


def owner_by_email(email: str) -> StaffUser | None:
    return db.session.scalar(sa.select(StaffUser).where(StaffUser.email == normalise_email(email)))


def list_tokens() -> list[ApiToken]:
    """Every token, usable ones first, newest first."""
    return list(db.session.scalars(
        sa.select(ApiToken).order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc())
    ))


def get_token(token_id: int) -> ApiToken | None:
    return db.session.get(ApiToken, token_id)
