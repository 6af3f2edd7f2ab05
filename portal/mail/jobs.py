"""The outbox's part of `tick`: send whatever is due."""
from __future__ import annotations

from portal.mail.services import deliver_due
from portal.scheduler.jobs import register_job


@register_job("mail", order=900)
def send_due_mail() -> str:
    return str(deliver_due())
