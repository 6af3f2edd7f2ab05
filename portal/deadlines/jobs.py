"""The deadlines' part of `tick`: remind assignees, escalate to managers (mail goes out in
the same tick: the outbox job runs after this one)."""
from __future__ import annotations

from portal.deadlines.reminders import run
from portal.scheduler.jobs import register_job


@register_job("reminders", order=400)
def send_reminders_and_escalations() -> str:
    return str(run())
