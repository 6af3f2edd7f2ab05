"""The webhooks' part of `tick`: send whatever deliveries are due."""
from __future__ import annotations

from portal.webhooks.services import deliver_due
from portal.scheduler.jobs import register_job


@register_job("webhooks", order=850)
def send_due_webhooks() -> str:
    report = deliver_due()
    return str(report).replace("nothing to send", "no deliveries due")
