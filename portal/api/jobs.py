"""The API's part of `tick`: forget idempotency keys after a week (retries come within minutes)."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from portal.api.models import ApiIdempotencyRecord
from portal.common.time import utcnow
from portal.extensions import db
from portal.scheduler.jobs import register_job

KEEP_KEYS_FOR = timedelta(days=7)


@register_job("api-idempotency-keys", order=700)
def forget_old_idempotency_keys() -> str:
    deleted = db.session.execute(
        sa.delete(ApiIdempotencyRecord).where(ApiIdempotencyRecord.created_at < utcnow() - KEEP_KEYS_FOR)
        .execution_options(synchronize_session=False)
    ).rowcount
    return f"{deleted} forgotten"
