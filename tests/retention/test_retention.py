"""Retention by `tick`: letters of authority, closed requests' personal details and provision
records go when their period ends (dates moved back instead of waiting), each pass audited
with counts only; items past `retain_until` are shown to staff; the notice shows the periods."""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from portal.agents.models import AuthorityDocument
from portal.audit.models import AuditEntry
from portal.common.time import utcnow
from portal.dsr.models import DataRequest, RequestEvent
from portal.dsr.status import RequestStatus
from portal.extensions import db
from portal.inventory.models import Item, Provision
from tests.agents.factories import agent_request_with_document
from tests.inventory.records import ITEM, PERSON, PROVISION, PURPOSE, SOURCE
from tests.fixtures.pages import in_english, text_of


def close(app, reference: str, *, days_ago: int) -> None:
    with app.app_context():
        db.session.execute(sa.update(DataRequest).where(DataRequest.reference == reference).values(
            status=RequestStatus.COMPLETED, closed_at=utcnow() - timedelta(days=days_ago)))
        db.session.commit()


def tick(runner):
    result = runner.invoke(args=["tick"])
    assert result.exit_code == 0, result.output
    return result.output


def retention_audit(app) -> list[tuple]:
    with app.app_context():
        return [tuple(row) for row in db.session.execute(
            sa.select(AuditEntry.action, AuditEntry.actor_type, AuditEntry.details)
            .where(AuditEntry.action.startswith("retention.")).order_by(AuditEntry.id))]


def document_of(app, reference: str):
    with app.app_context():
        request = db.session.scalar(sa.select(DataRequest).where(DataRequest.reference == reference))
        document = db.session.get(AuthorityDocument, request.authority_document_id)
        db.session.expunge(document)
        return document


def test_a_letter_of_authority_is_deleted_30_days_after_its_request_closed(app, runner, upload_dir):
    reference = agent_request_with_document(app)
    stored = upload_dir / document_of(app, reference).storage_path
    assert stored.exists()

    close(app, reference, days_ago=29)
    tick(runner)
    assert stored.exists() and document_of(app, reference).deleted_at is None

    close(app, reference, days_ago=31)
    output = tick(runner)
    assert "1 letters of authority deleted" in output
    assert not stored.exists()
    assert document_of(app, reference).deleted_at is not None
    assert retention_audit(app) == [("retention.authority_documents_deleted", "system", {"count": 1, "days": 30})]

    tick(runner)  # nothing left to do: no second audit entry
    assert len(retention_audit(app)) == 1


def test_a_letter_of_authority_stays_while_its_request_is_open(app, runner, upload_dir):
    reference = agent_request_with_document(app)
    tick(runner)
    assert (upload_dir / document_of(app, reference).storage_path).exists()
    assert retention_audit(app) == []


def test_closed_requests_lose_their_personal_details_after_five_years_but_stay_in_the_register(app, runner, upload_dir):
    old = agent_request_with_document(app, key="retention-old-000000001")
    recent = agent_request_with_document(app, key="retention-new-000000001")
    close(app, old, days_ago=5 * 366)
    close(app, recent, days_ago=4 * 365)
    with app.app_context():
        request = db.session.scalar(sa.select(DataRequest).where(DataRequest.reference == old))
        db.session.add(RequestEvent(request_id=request.id, kind="message_to_requester", actor_type="staff",
                                    body="山田様、ご依頼の件です", data={"to": "taro@example.jp"}))
        db.session.commit()

    output = tick(runner)

    assert "1 closed requests anonymised" in output
    with app.app_context():
        anonymised = db.session.scalar(sa.select(DataRequest).where(DataRequest.reference == old))
        assert anonymised.requester_email == "" and anonymised.requester_name is None
        assert anonymised.agent is None and anonymised.subject is None and anonymised.details == {}
        assert anonymised.person_id is None
        # what reports need stays
        assert (anonymised.type, anonymised.status, anonymised.jurisdiction) == ("disclosure", "completed", "appi")
        assert anonymised.received_at is not None and anonymised.closed_at is not None
        events = db.session.scalars(sa.select(RequestEvent).where(RequestEvent.request_id == anonymised.id)).all()
        assert events and all(event.body is None and event.data == {} for event in events)
        kept = db.session.scalar(sa.select(DataRequest).where(DataRequest.reference == recent))
        assert kept.requester_email and kept.agent["name"] == "山田 太郎"
    assert ("retention.requests_anonymised", "system", {"count": 1, "years": 5}) in retention_audit(app)


def test_provision_records_are_purged_three_years_after_provision(app, runner, import_lines):
    today = date.today()
    old = dict(PROVISION, key="P-OLD", provided_at=(today - timedelta(days=3 * 365 + 5)).isoformat())
    recent = dict(PROVISION, key="P-NEW", provided_at=(today - timedelta(days=2 * 365)).isoformat())
    import_lines(SOURCE, PURPOSE, PERSON, old, recent)

    output = tick(runner)

    assert "1 provision records purged" in output
    with app.app_context():
        assert db.session.scalars(sa.select(Provision.key)).all() == ["P-NEW"]
    assert ("retention.provision_records_purged", "system", {"count": 1, "years": 3}) in retention_audit(app)


def test_the_periods_follow_the_settings(app, runner, upload_dir, monkeypatch):
    monkeypatch.setitem(app.config, "PORTAL_RETENTION_AUTHORITY_DAYS", 5)
    reference = agent_request_with_document(app)
    close(app, reference, days_ago=6)
    tick(runner)
    assert document_of(app, reference).deleted_at is not None


def test_staff_see_items_kept_past_their_retention_date_without_their_values(app, client, login_as, import_lines):
    expired = dict(ITEM, key="C-000123/old-address", retain_until="2020-01-01")
    import_lines(SOURCE, PURPOSE, PERSON, ITEM, expired)
    login_as("agent")
    in_english(client)

    page = client.get("/staff/retention")

    assert page.status_code == 200
    text = text_of(page)
    assert "Items past their retention date" in text
    assert "Sales Promotion EXPO 2024" in text and "2020-01-01" in text
    assert "東京都港区" not in text
    assert "Letters of authority: deleted 30 days after the request is closed." in text


def test_staff_see_the_legal_holds_in_force_with_their_reason_and_counts(app, client, login_as, runner, import_lines):
    purchases = [dict(ITEM, key=f"C-000123/line-{n}", category="purchase", field="line",
                      value={"sku": f"A-{n}", "name": "緑茶", "price": 150}) for n in range(3)]
    import_lines(SOURCE, PURPOSE, PERSON, ITEM, *purchases)
    login_as("agent")
    in_english(client)
    assert "No legal hold is in force." in text_of(client.get("/staff/retention"))

    for until, reason in (("2033-03-31", "Corporation Tax Act: 7 years"), ("2099-12-31", "Litigation <hold>")):
        result = runner.invoke(args=["legal-hold", "--category", "purchase", "--until", until, "--reason", reason,
                                     "--replace"])
        assert result.exit_code == 0, result.output
    runner.invoke(args=["legal-hold", "--category", "contact", "--until", "2033-03-31", "--reason", "Tax"])
    with app.app_context():  # a hold that has run out is not in force
        db.session.execute(sa.update(Item).where(Item.category == "contact").values(legal_hold_until=date(2020, 1, 1)))
        db.session.commit()

    page = client.get("/staff/retention")

    text, html = text_of(page), page.get_data(as_text=True)
    assert "Legal holds in force" in text and "No legal hold is in force." not in text
    assert "Purchase history" in text
    # three items of one person, the reason escaped (shown as text, never markup)
    assert "2099-12-31</td><td>Litigation &lt;hold&gt;</td><td>3</td><td>1</td>" in html
    assert "<hold>" not in html
    assert "Corporation Tax Act" not in text  # replaced by the later hold
    assert "2020-01-01" not in text  # run out: not in force
    assert "緑茶" not in text


def test_the_public_notice_shows_the_configured_periods(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "PORTAL_RETENTION_REQUEST_YEARS", 7)
    in_english(client)
    text = text_of(client.get("/notice"))
    assert "Letters of authority: deleted 30 days after the request is closed." in text
    assert "Requests: 7 years after a request is closed" in text
    assert "Records of provision to third parties: kept 3 years from the provision" in text
