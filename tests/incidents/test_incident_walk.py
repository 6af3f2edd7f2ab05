"""An incident walked end to end through the staff pages: recorded, deadlines computed in Japan
time, affected persons chosen and previewed, both reports written, submitted and printed, the
persons notified by mail over SMTP, and the notice on their "my data" page."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from portal.common.time import JST
from portal.extensions import db
from portal.incidents.models import Incident, IncidentPerson, IncidentReport, IncidentStatus, NoticeChannel
from portal.mail.services import deliver_due
from tests.fixtures.pages import csrf_from
from tests.fixtures.pages import in_english, text_of

REPORT = {
    "summary": "見積書を別のお客様に誤送付した。", "data_items": "氏名、住所", "persons_count": "1名",
    "cause": "宛先の取り違え", "secondary_harm": "なし", "response_to_persons": "メールで通知",
    "publication": "公表なし", "prevention": "宛先の二重確認", "other": "",
}


def post(client, url, data, page=None):
    html = client.get(page or url).get_data(as_text=True)
    return client.post(url, data={"csrf_token": csrf_from(html), **data})


def incident(app, incident_id: int) -> Incident:
    with app.app_context():
        found = db.session.get(Incident, incident_id)
        db.session.expunge(found)
        db.session.remove()
    return found


def record(client, **overrides) -> int:
    data = {"title": "見積書の誤送付", "description": "A quote went to the wrong customer.",
            "discovered_date": "2026-04-01", "discovered_time": "23:30", "cases": ["wrongful_purpose"],
            "notice_text": "お客様の氏名と住所が記載された書類を、誤って別の方へ送付いたしました。"}
    data.update(overrides)
    response = post(client, "/staff/incidents/new", data)
    assert response.status_code == 302, text_of(response)[:500]
    return int(response.location.rsplit("/", 1)[1])


def test_an_incident_goes_from_record_to_both_reports_to_notified_persons(
        app, client, leak_data, login_as, login_customer, smtp_server, audit_actions):
    manager = login_as("manager")
    in_english(client)
    incident_id = record(client)

    # 23:30 Japan time on 1 April is day 0: preliminary 5 days, final 60 (wrongful purpose).
    recorded = incident(app, incident_id)
    assert recorded.preliminary_due_at == datetime(2026, 4, 6, 23, 59, 59, tzinfo=JST).astimezone(timezone.utc)
    assert recorded.final_due_at == datetime(2026, 5, 31, 23, 59, 59, tzinfo=JST).astimezone(timezone.utc)
    assert recorded.status is IncidentStatus.OPEN
    page = text_of(client.get(f"/staff/incidents/{incident_id}"))
    assert "Preliminary report Apr 6, 2026 Overdue" in page and "Final report May 31, 2026" in page

    # Affected: addresses from the sign-up form collected in May 2024 → C-1 only.
    response = post(client, f"/staff/incidents/{incident_id}/affected",
                    {"mode": "query", "source": "web-signup", "category": "contact", "field": "address",
                     "collected_from": "2024-05-01", "collected_to": "2024-05-31"},
                    page=f"/staff/incidents/{incident_id}")
    assert response.status_code == 302
    page = text_of(client.get(f"/staff/incidents/{incident_id}"))
    assert "1 person" in page and "C-1" in page and "C-2" not in page and "C-3" not in page

    # A list of keys replaces the query: C-1 and C-2.
    post(client, f"/staff/incidents/{incident_id}/affected", {"mode": "keys", "keys": "C-1\nC-2\n"},
         page=f"/staff/incidents/{incident_id}")
    page = text_of(client.get(f"/staff/incidents/{incident_id}"))
    assert "2 persons" in page and "C-2" in page

    # The report: every item of the Commission's form, then the preliminary version.
    assert post(client, f"/staff/incidents/{incident_id}/report", REPORT).status_code == 302
    assert post(client, f"/staff/incidents/{incident_id}/report/preliminary/submit", {},
                page=f"/staff/incidents/{incident_id}").status_code == 302
    assert incident(app, incident_id).status is IncidentStatus.PRELIMINARY_REPORTED
    # The final report changes the text; the preliminary version keeps what was submitted.
    post(client, f"/staff/incidents/{incident_id}/report", {**REPORT, "prevention": "宛先の二重確認と研修"})
    post(client, f"/staff/incidents/{incident_id}/report/final/submit", {}, page=f"/staff/incidents/{incident_id}")
    with app.app_context():
        versions = {r.kind.value: r for r in db.session.scalars(
            sa.select(IncidentReport).where(IncidentReport.incident_id == incident_id))}
        assert versions["preliminary"].items["prevention"] == "宛先の二重確認"
        assert versions["final"].items["prevention"] == "宛先の二重確認と研修"
        assert versions["final"].persons_count == 2
        db.session.remove()
    assert incident(app, incident_id).status is IncidentStatus.FINAL_REPORTED
    printed = text_of(client.get(f"/staff/incidents/{incident_id}/report/preliminary/print"))
    assert "Preliminary report" in printed and "見積書を別のお客様に誤送付した。" in printed
    assert "Measures to prevent it happening again" in printed and "宛先の二重確認と研修" not in printed

    # Notify: fixes the list and mails both through the outbox.
    response = post(client, f"/staff/incidents/{incident_id}/notify", {}, page=f"/staff/incidents/{incident_id}")
    assert response.status_code == 302
    with app.app_context():
        deliver_due()
        rows = db.session.execute(sa.select(IncidentPerson.channel).where(
            IncidentPerson.incident_id == incident_id)).scalars().all()
        db.session.remove()
    assert sorted(rows) == [NoticeChannel.EMAIL, NoticeChannel.EMAIL]
    [mail] = smtp_server.to("hanako@example.jp")
    assert "見積書の誤送付" in mail.get_body(("plain",)).get_content()
    assert "誤って別の方へ送付" in mail.get_body(("plain",)).get_content()
    assert len(smtp_server.to("jiro@example.jp")) == 1 and not smtp_server.to("mika@example.jp")
    page = text_of(client.get(f"/staff/incidents/{incident_id}"))
    assert "Mail sent 2" in page
    # Fixed: a new choice is refused, and notifying twice too.
    response = post(client, f"/staff/incidents/{incident_id}/affected", {"mode": "keys", "keys": "C-3"},
                    page=f"/staff/incidents/{incident_id}/report")
    assert response.status_code == 400

    # The person's page shows the notice, with the way to ask for suspension citing the leak.
    customer = app.test_client()
    login_customer(customer, "hanako@example.jp")
    my_data = customer.get("/my/data").get_data(as_text=True)
    assert "見積書の誤送付" in my_data and "誤って別の方へ送付" in my_data
    assert "/my/requests/new/suspension?ground=leak" in my_data
    form = customer.get("/my/requests/new/suspension?ground=leak").get_data(as_text=True)
    [leak_radio] = re.findall(r'<input[^>]*value="leak"[^>]*>', form)
    assert "checked" in leak_radio
    other = app.test_client()
    login_customer(other, "mika@example.jp")
    assert "見積書の誤送付" not in other.get("/my/data").get_data(as_text=True)

    actions = [action for action, *_ in audit_actions("incident.")]
    for expected in ("incident.created", "incident.affected_chosen", "incident.affected_viewed",
                     "incident.report_draft_saved", "incident.report_submitted", "incident.persons_notified"):
        assert expected in actions, expected


def test_an_incident_with_no_art_7_case_has_no_deadline_and_cannot_be_reported(app, client, leak_data, login_as):
    login_as("manager")
    in_english(client)
    incident_id = record(client, cases=[])
    found = incident(app, incident_id)
    assert found.preliminary_due_at is None and found.final_due_at is None
    post(client, f"/staff/incidents/{incident_id}/report", REPORT)
    post(client, f"/staff/incidents/{incident_id}/report/preliminary/submit", {}, page=f"/staff/incidents/{incident_id}")
    assert incident(app, incident_id).preliminary_reported_at is None
    assert "the law asks for no report" in text_of(client.get(f"/staff/incidents/{incident_id}"))


def test_final_report_is_due_in_30_days_without_a_wrongful_purpose(app, client, leak_data, login_as):
    login_as("manager")
    incident_id = record(client, cases=["sensitive"], discovered_date="2026-04-01", discovered_time="00:10")
    found = incident(app, incident_id)
    assert found.final_due_at == datetime(2026, 5, 1, 23, 59, 59, tzinfo=JST).astimezone(timezone.utc)


def test_a_discovery_in_the_future_or_a_missing_title_changes_nothing(app, client, leak_data, login_as):
    login_as("manager")
    tomorrow = (datetime.now(JST) + timedelta(days=1)).date().isoformat()
    response = post(client, "/staff/incidents/new", {"title": "x", "description": "y", "discovered_date": tomorrow,
                                                     "discovered_time": "10:00"})
    assert response.status_code in (200, 400)
    response = post(client, "/staff/incidents/new", {"title": "", "description": "y",
                                                     "discovered_date": "2026-01-01", "discovered_time": "10:00"})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Incident)) == 0
        db.session.remove()


def test_unknown_keys_are_named_and_nothing_is_chosen(app, client, leak_data, login_as):
    login_as("manager")
    in_english(client)
    incident_id = record(client)
    response = post(client, f"/staff/incidents/{incident_id}/affected", {"mode": "keys", "keys": "C-1 C-404"},
                    page=f"/staff/incidents/{incident_id}")
    assert response.status_code == 400 and "C-404" in text_of(response)
    assert incident(app, incident_id).selection == {}


def test_agents_may_not_open_incidents(client, login_as):
    login_as("agent")
    assert client.get("/staff/incidents").status_code in (403, 404)
