"""API tokens (kept only as hashes) and the responses remembered for idempotent retries."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.common.db import UTCDateTime
from portal.common.time import utcnow
from portal.encryption.types import EncryptedJSON
from portal.extensions import db
from portal.staff.models import StaffUser


class ApiToken(db.Model):
    """A bearer token for the JSON API, owned by a staff user whose name it acts in.

    Only the SHA-256 of the token is stored: the token is random and long, so a slow hash
    adds nothing, and a lookup by hash stays one index probe per call.
    """

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # The first characters of the token, so an admin can tell tokens apart without the secret.
    prefix: Mapped[str] = mapped_column(sa.String(16))
    # Scope names, e.g. ["requests:read", "requests:write"].
    scopes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    owner: Mapped[StaffUser] = relationship(lazy="joined", innerjoin=True)


class ApiIdempotencyRecord(db.Model):
    """The answer given to a POST with an `Idempotency-Key`, replayed when the key comes again.

    Keys are scoped to the token, and remembered with a hash of what was sent, so the same key
    with a different body (or another endpoint) is refused instead of answered wrongly.
    """

    __tablename__ = "api_idempotency_record"
    __table_args__ = (sa.UniqueConstraint("token_id", "key", name="uq_api_idempotency_record_token_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int] = mapped_column(sa.ForeignKey("api_token.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(100))
    # SHA-256 of method, path and body.
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    status_code: Mapped[int]
    # A replayed call gets the first answer, which may name the requester: encrypted.
    response_body: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON("api_idempotency_record.response_body"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
