"""The incidents' part of `tick`: remind managers of report deadlines (速報・確報).

Managers (the administrators, when there is no manager) are mailed when a report is due
within two days and again when it is overdue, once per incident, report, stage and due date:
the unique row in `incident_notice` decides which scheduler sends it.
"""
from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from portal.audit.services import Actor
from portal.common.time import utcnow
from portal.deadlines.reminders import managers
from portal.extensions import db
from portal.incidents.models import Incident, IncidentNotice
from portal.incidents.queries import reports_at_risk
from portal.incidents.services import audit
from portal.mail.services import queue_mail
from portal.scheduler.jobs import register_job

log = logging.getLogger(__name__)
SYSTEM = Actor.system()


def remind(*, now: datetime | None = None) -> int:
    """One pass; returns how many reminders went out (each in its own transaction)."""
    now = now or utcnow()
    risks = reports_at_risk(now=now)
    if not risks:
        return 0
    recipients = managers()
    if not recipients:
        log.warning("%d incident report reminders wait for an active manager or administrator", len(risks))
        return 0
    sent = 0
    for risk in risks:
        stage = "overdue" if risk.overdue else "due_soon"
        try:
            with db.session.begin_nested():
                db.session.add(IncidentNotice(incident_id=risk.incident_id, report=risk.report, stage=stage,
                                              due_at=risk.due_at, sent_at=now))
                db.session.flush()
        except sa.exc.IntegrityError:
            continue  # already sent (by us earlier or by another scheduler)
        incident = db.session.get(Incident, risk.incident_id)
        for manager in recipients:
            queue_mail(to=manager.email, template="incident_reminder", kind="incident_reminder",
                       language=current_app.config["BABEL_DEFAULT_LOCALE"], name=manager.name,
                       title=incident.title, report=risk.report, due_at=risk.due_at, overdue=risk.overdue,
                       link=f"{current_app.config['PORTAL_BASE_URL']}/staff/incidents/{incident.id}")
        audit("reminder_sent", incident, actor=SYSTEM, report=risk.report.value, stage=stage,
              recipients=len(recipients))
        db.session.commit()
        sent += 1
    return sent


@register_job("incident_reports", order=410)
def remind_incident_reports() -> str:
    return f"{remind()} incident report reminders"
