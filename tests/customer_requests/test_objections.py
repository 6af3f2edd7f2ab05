"""Objecting to marketing that needs no consent (異議・利用停止): it stops at once — objection
restriction, completed request with its timeline, confirmation mail, suppression list — and
can be lifted again. Uses that never contact the person are not objected to on this page."""
import sqlalchemy as sa

from portal.dsr.models import EventKind, RequestEvent, RequestType
from portal.dsr.status import RequestStatus
from portal.extensions import db
from portal.inventory.models import Purpose
from portal.inventory.restrictions import RestrictionKind, UseRestriction
from tests.customer.helpers import text_of
from tests.fixtures.pages import in_english
from tests.customer.records import HANAKO, HANAKO_VALUES, item
from tests.fixtures.customer_requests import mail_text

CONSENTS = "/my/consents"
CATALOGUE = {"type": "purpose", "key": "catalogue-post", "channel": "post", "consent_required": False,
             "title": {"ja": "季節のカタログを郵便でお送りするため", "en": "To post you our seasonal catalogue"}}


def _with_catalogue(import_lines):
    import_lines(CATALOGUE, item(HANAKO, "contact", "postal_address", "東京都渋谷区サンプル2-14-7",
                                 purposes=("catalogue-post", "orders")))


def _purpose_id(app, key: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Purpose.id).where(Purpose.key == key))


def _suppressed(app, purpose_key: str) -> list[tuple[str, str]]:
    from portal.inventory.suppression import suppressed_for_purpose

    with app.app_context():
        return [(row.person_key, row.reason.value) for row in suppressed_for_purpose(purpose_key)]


def test_objecting_stops_the_use_at_once_with_a_completed_request_and_a_mail(
        app, client, hanako, import_lines, submit, smtp_server, requests_of):
    _with_catalogue(import_lines)
    catalogue = _purpose_id(app, "catalogue-post")
    page = text_of(client.get(CONSENTS).get_data(as_text=True))
    assert "季節のカタログを郵便でお送りするため" in page
    assert (HANAKO, "objection") not in _suppressed(app, "catalogue-post")

    response = submit(CONSENTS, {"change": f"object:{catalogue}"})
    assert response.status_code == 302 and response.headers["Location"] == CONSENTS

    assert _suppressed(app, "catalogue-post") == [(HANAKO, "objection")]
    [request] = requests_of(hanako)
    assert request.type is RequestType.CONSENT_WITHDRAWAL and request.status is RequestStatus.COMPLETED
    assert request.details["objections"] == [{"purpose": "catalogue-post", "objection": "made"}]
    with app.app_context():
        kinds = [e.kind for e in db.session.scalars(
            sa.select(RequestEvent).where(RequestEvent.request_id == request.id).order_by(RequestEvent.id))]
        [restriction] = db.session.scalars(sa.select(UseRestriction).where(UseRestriction.person_id == hanako))
        assert (restriction.kind, restriction.purpose_id, restriction.request_id) == (
            RestrictionKind.OBJECTION, catalogue, request.id)
    assert kinds == [EventKind.RECEIVED, EventKind.VERIFIED, EventKind.STATUS_CHANGED, EventKind.APPLIED,
                     EventKind.DECISION]

    [mail] = smtp_server.to(HANAKO_VALUES["email"])  # delivered over SMTP by the test server
    assert request.reference in mail["Subject"]
    assert "季節のカタログを郵便でお送りするため" in mail_text(mail)
    page = text_of(client.get(CONSENTS).get_data(as_text=True))
    assert "ご異議により停止中" in page and request.reference in page
    detail = text_of(client.get(f"/my/requests/{request.reference}").get_data(as_text=True))
    assert "季節のカタログを郵便でお送りするため" in detail and "ご異議により停止中" in detail


def test_lifting_the_objection_takes_the_person_off_the_list(app, client, hanako, import_lines, submit, smtp_server,
                                                           requests_of):
    _with_catalogue(import_lines)
    catalogue = _purpose_id(app, "catalogue-post")
    submit(CONSENTS, {"change": f"object:{catalogue}"})
    submit(CONSENTS, {"change": f"lift:{catalogue}"})
    assert _suppressed(app, "catalogue-post") == []
    assert [r.details["objections"][0]["objection"] for r in requests_of(hanako)] == ["made", "lifted"]
    assert all(r.status is RequestStatus.COMPLETED for r in requests_of(hanako))
    assert len(smtp_server.to(HANAKO_VALUES["email"])) == 2
    # Lifting twice: said plainly, no empty request.
    page = text_of(submit(CONSENTS, {"change": f"lift:{catalogue}"}, follow=True).get_data(as_text=True))
    assert len(requests_of(hanako)) == 2 and "既にそのとおりになっています。" in page


def test_the_objection_is_audited_without_personal_values(app, client, hanako, import_lines, submit):
    from portal.audit.models import AuditEntry

    _with_catalogue(import_lines)
    submit(CONSENTS, {"change": f"object:{_purpose_id(app, 'catalogue-post')}"})
    with app.app_context():
        entries = db.session.execute(sa.select(AuditEntry.action, AuditEntry.details)
                                     .where(AuditEntry.action == "inventory.use_restricted")).all()
    assert [details["kind"] for _action, details in entries] == ["objection"]
    assert HANAKO_VALUES["email"] not in str(entries)


def test_stop_all_marketing_also_objects_to_marketing_without_consent(app, client, hanako, import_lines, submit,
                                                                      smtp_server, requests_of):
    _with_catalogue(import_lines)
    assert "季節のカタログを郵便でお送りするため" in text_of(client.get(CONSENTS).get_data(as_text=True))
    submit(CONSENTS, {"change": "stop_all"})
    [request] = requests_of(hanako)
    assert request.details["stop_all_marketing"] is True
    assert request.details["objections"] == [{"purpose": "catalogue-post", "objection": "made"}]
    assert (HANAKO, "objection") in _suppressed(app, "catalogue-post")
    assert any(reason == "consent_withdrawn" for key, reason in _suppressed(app, "newsletter-email") if key == HANAKO)
    assert len(smtp_server.to(HANAKO_VALUES["email"])) == 1
    submit(CONSENTS, {"change": "stop_all"})
    assert len(requests_of(hanako)) == 1  # nothing left to stop


def test_uses_that_serve_the_customer_are_not_objected_to_here_and_not_said_to_never_contact(app, client, hanako, import_lines, submit,
                                                             requests_of):
    _with_catalogue(import_lines)
    in_english(client)
    page = client.get(CONSENTS).get_data(as_text=True)
    assert "To deliver your orders" in text_of(page)
    assert "cannot be stopped by an objection here" in text_of(page)
    assert "/my/requests/new/suspension" in page
    assert f'value="object:{_purpose_id(app, "orders")}"' not in page
    assert submit(CONSENTS, {"change": f"object:{_purpose_id(app, 'orders')}"}).status_code == 404
    assert requests_of(hanako) == [] and _suppressed(app, "orders") == []


def test_an_objection_needs_the_csrf_token(app, client, hanako, import_lines, requests_of):
    _with_catalogue(import_lines)
    response = client.post(CONSENTS, data={"change": f"object:{_purpose_id(app, 'catalogue-post')}"})
    assert response.status_code == 400
    assert requests_of(hanako) == [] and _suppressed(app, "catalogue-post") == []
