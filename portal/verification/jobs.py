"""Verification's part of `tick`: forget dead mail challenges and finished sessions."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from portal.common.time import utcnow
from portal.extensions import db
from portal.scheduler.jobs import register_job
from portal.verification.models import CustomerSession, EmailChallenge
from portal.verification.session import idle_timeout

KEEP_FOR = timedelta(days=1)


@register_job("verification-cleanup")
def delete_old_challenges_and_sessions() -> str:
    """Challenges live 30 minutes and sessions idle out after 15; a day later they go.

    Deleting is idempotent, so two ticks at once do no harm."""
    cutoff = utcnow() - KEEP_FOR
    challenges = db.session.execute(
        sa.delete(EmailChallenge).where(EmailChallenge.expires_at < cutoff)
    ).rowcount
    sessions = db.session.execute(
        sa.delete(CustomerSession).where(
            sa.or_(
                CustomerSession.ended_at < cutoff,
                # Idle sessions nobody came back to end are ended in effect.
                CustomerSession.last_seen_at < cutoff - idle_timeout(),
            )
        )
    ).rowcount
    if not (challenges or sessions):
        return "nothing to delete"
    return f"{challenges} old challenges and {sessions} old sessions deleted"
