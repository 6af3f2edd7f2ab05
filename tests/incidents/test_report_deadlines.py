"""Report deadlines at risk: the domain query, the queue's header, and `tick` reminding managers
once per incident, report, stage and due date."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from portal.audit.services import Actor
from portal.common.time import utcnow
from portal.extensions import db
from portal.incidents import services
from portal.incidents.models import IncidentNotice, ReportKind
from portal.incidents.queries import reports_at_risk
from portal.mail.services import deliver_due
from tests.fixtures.pages import in_english, text_of


def make_incident(app, *, discovered_days_ago: int, cases=("financial",), title="カード情報の漏えい") -> int:
    with app.app_context():
        incident = services.create_incident(title=title, description="…", cases=cases, actor=Actor("test"),
                                            discovered_at=utcnow() - timedelta(days=discovered_days_ago))
        db.session.commit()
        incident_id = incident.id
        db.session.remove()
    return incident_id


def test_reports_at_risk_lists_unsubmitted_reports_due_within_two_days_or_overdue(app):
    soon = make_incident(app, discovered_days_ago=4)        # preliminary due tomorrow
    late = make_incident(app, discovered_days_ago=7)        # preliminary overdue
    calm = make_incident(app, discovered_days_ago=0)        # due in 5 days
    none = make_incident(app, discovered_days_ago=9, cases=())  # nothing to report
    with app.app_context():
        risks = {(risk.incident_id, risk.report): risk.overdue for risk in reports_at_risk()}
        db.session.remove()
    assert risks == {(soon, ReportKind.PRELIMINARY): False, (late, ReportKind.PRELIMINARY): True}
    assert calm not in {key[0] for key in risks} and none not in {key[0] for key in risks}


def test_tick_reminds_managers_once_and_again_when_overdue(app, runner, create_staff, smtp_server):
    manager = create_staff("manager")
    incident_id = make_incident(app, discovered_days_ago=4)
    for _ in range(2):
        result = runner.invoke(args=["tick"])
        assert result.exit_code == 0, result.output
    assert "1 incident report reminders" in result.output or "incident report reminders" in result.output
    mails = smtp_server.to(manager.email)
    assert len(mails) == 1 and "カード情報の漏えい" in mails[0].get_body(("plain",)).get_content()
    # Overdue: the date passed without a report → a second, different reminder.
    with app.app_context():
        from portal.incidents.models import Incident
        incident = db.session.get(Incident, incident_id)
        incident.preliminary_due_at = utcnow() - timedelta(hours=1)
        db.session.commit()
        db.session.remove()
    runner.invoke(args=["tick"])
    runner.invoke(args=["tick"])
    assert len(smtp_server.to(manager.email)) == 2
    with app.app_context():
        stages = sorted(db.session.scalars(sa.select(IncidentNotice.stage)))
        deliver_due()
        db.session.remove()
    assert stages == ["due_soon", "overdue"]


def test_the_queue_header_shows_reports_at_risk_to_managers_only(app, client, login_as, create_staff, login_staff):
    make_incident(app, discovered_days_ago=6, title="会員DBへの不正アクセス")
    login_as("manager")
    in_english(client)
    page = text_of(client.get("/staff/"))
    assert "Incident reports at risk" in page and "会員DBへの不正アクセス" in page
    agent_client = app.test_client()
    login_staff(agent_client, create_staff("agent"))
    assert "会員DBへの不正アクセス" not in text_of(agent_client.get("/staff/"))
