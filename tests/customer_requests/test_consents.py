"""Consents: a withdrawal (or a new grant) takes effect at once — consent event, completed
request with its timeline, confirmation mail — and the suppression list shows it at once."""
import sqlalchemy as sa

from portal.dsr.models import EventKind, RequestEvent, RequestType
from portal.dsr.status import RequestStatus
from portal.extensions import db
from portal.inventory.models import ConsentEvent, ConsentState, Purpose
from tests.customer.helpers import text_of
from tests.fixtures.pages import in_english
from tests.customer.records import HANAKO, HANAKO_VALUES
from tests.fixtures.customer_requests import mail_text

CONSENTS = "/my/consents"


def _purpose_id(app, key: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Purpose.id).where(Purpose.key == key))


def _suppressed(app, purpose_key: str) -> list[str]:
    from portal.inventory.suppression import suppressed_for_purpose

    with app.app_context():
        return [row.person_key for row in suppressed_for_purpose(purpose_key)]


def test_withdrawing_newsletter_consent_takes_effect_at_once(app, app_ctx, client, hanako, submit, smtp_server,
                                                             requests_of):
    assert HANAKO not in _suppressed(app, "newsletter-email")
    newsletter = _purpose_id(app, "newsletter-email")
    response = submit(CONSENTS, {"change": f"withdraw:{newsletter}"})
    assert response.status_code == 302 and response.headers["Location"] == CONSENTS

    event = db.session.scalars(sa.select(ConsentEvent).where(ConsentEvent.person_id == hanako)
                               .order_by(ConsentEvent.at.desc(), ConsentEvent.id.desc())).first()
    assert (event.purpose_id, event.state, event.method, event.source_id) == (
        newsletter, ConsentState.WITHDRAWN, "portal", None)
    [request] = requests_of(hanako)
    assert request.type is RequestType.CONSENT_WITHDRAWAL and request.status is RequestStatus.COMPLETED
    assert request.details == {"consents": [{"purpose": "newsletter-email", "state": "withdrawn"}],
                               "stop_all_marketing": False}
    kinds = [e.kind for e in db.session.scalars(sa.select(RequestEvent).where(RequestEvent.request_id == request.id)
                                                .order_by(RequestEvent.id))]
    assert kinds == [EventKind.RECEIVED, EventKind.VERIFIED, EventKind.STATUS_CHANGED, EventKind.APPLIED,
                     EventKind.DECISION]
    assert HANAKO in _suppressed(app, "newsletter-email")  # the marketing systems' list, at once

    [mail] = smtp_server.to(HANAKO_VALUES["email"])
    body = mail_text(mail)
    assert request.reference in mail["Subject"]
    assert "新商品・サービスのお知らせをメールでお送りするため" in body
    assert f"http://portal.test/my/requests/{request.reference}" in body
    page = text_of(client.get(CONSENTS).get_data(as_text=True))
    assert request.reference in page  # the confirmation names the request


def test_consent_can_be_given_again(app, client, hanako, submit, requests_of):
    newsletter = _purpose_id(app, "newsletter-email")
    submit(CONSENTS, {"change": f"withdraw:{newsletter}"})
    submit(CONSENTS, {"change": f"grant:{newsletter}"})
    assert [r.details["consents"][0]["state"] for r in requests_of(hanako)] == ["withdrawn", "granted"]
    assert HANAKO not in _suppressed(app, "newsletter-email")


def test_stop_all_marketing_withdraws_every_consent_used_to_reach_the_person(app, app_ctx, client, hanako, submit,
                                                                             smtp_server, requests_of):
    submit(CONSENTS, {"change": "stop_all"})
    [request] = requests_of(hanako)
    assert request.details["stop_all_marketing"] is True
    assert sorted(c["purpose"] for c in request.details["consents"]) == ["dm-post", "newsletter-email"]
    assert HANAKO in _suppressed(app, "newsletter-email") and HANAKO in _suppressed(app, "dm-post")
    assert len(smtp_server.to(HANAKO_VALUES["email"])) == 1
    # Nothing left to stop: said plainly, and no empty request is filed.
    page = text_of(submit(CONSENTS, {"change": "stop_all"}, follow=True).get_data(as_text=True))
    assert len(requests_of(hanako)) == 1
    assert "当社からのお知らせやご案内は既にすべて停止しています。変更はありません。" in page


def test_withdrawing_twice_from_one_page_files_one_request(app, client, hanako, requests_of):
    from tests.fixtures.customer_requests import form_fields

    newsletter = _purpose_id(app, "newsletter-email")
    fields = {name: values[0] for name, values in form_fields(client.get(CONSENTS).get_data(as_text=True)).items()}
    fields["change"] = f"withdraw:{newsletter}"
    client.post(CONSENTS, data=fields)
    client.post(CONSENTS, data=fields)
    assert len(requests_of(hanako)) == 1


def test_a_purpose_that_does_not_concern_the_customer_is_not_found(app, client, hanako, submit, import_lines):
    import_lines({"type": "purpose", "key": "other-news", "channel": "email", "consent_required": True,
                  "title": {"ja": "関係のないお知らせ", "en": "Unrelated news"}})
    assert submit(CONSENTS, {"change": f"withdraw:{_purpose_id(app, 'other-news')}"}).status_code == 404
    assert submit(CONSENTS, {"change": "withdraw:999999"}).status_code == 404


def test_the_consent_page_lists_each_use_with_its_state_and_history(client, hanako):
    in_english(client)
    page = text_of(client.get(CONSENTS).get_data(as_text=True))
    assert "To email you news about new products" in page and "To send you our catalogue by post" in page
    # Delivery needs no consent and never contacts the person: shown, but nothing to withdraw
    # or object to here (a suspension or erasure request is offered instead).
    assert "To deliver your orders" in page and "cannot be stopped by an objection here" in page
    assert page.count("Withdraw consent") == 2 and "Object and stop this use" not in page
    assert "Stop all marketing" in page


def test_consents_need_no_extra_check(client, login_customer, customers):
    login_customer(client, "hanako@example.jp", stepped_up=False)
    assert client.get(CONSENTS).status_code == 200
