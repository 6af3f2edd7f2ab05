"""A change of email address waits for the link sent to the new address (issue #14, item 4):
a typo never locks anyone out, the old address is told, and open requests follow the person.

Mail is read as received over SMTP; the person signs in again through the real mail check."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEntry
from portal.common.time import utcnow
from portal.dsr.models import DataRequest, EventKind, RequestEvent
from portal.dsr.status import RequestStatus
from portal.extensions import db
from portal.inventory.models import Item, ItemRevision, Person
from portal.verification.models import CustomerSession, EmailChallenge
from tests.customer.records import HANAKO_VALUES, JIRO
from tests.fixtures.customer_requests import mail_text
from tests.fixtures.pages import in_english, post_page_form, text_of
from tests.fixtures.verification import read_mail

CORRECTION = "/my/requests/new/correction"
OLD = HANAKO_VALUES["email"]
NEW = "hanako.new@example.jp"
TYPO = "hanako.new@exmaple.jp"
CHANGE_LINK = re.compile(r"https?://[^/\s]+(/email-change/\S+)")


@pytest.fixture
def change_email(submit, entry, smtp_server):
    """`change_email(address)` → (the response, the path of the link mailed to `address`)."""

    def change(address: str):
        prefix = entry("email")
        before = len(smtp_server.messages)
        response = submit(CORRECTION, {f"{prefix}-action": "change", f"{prefix}-proposed": address})
        [mail] = smtp_server.messages[before:]
        assert mail["To"] == address
        return response, CHANGE_LINK.search(mail_text(mail)).group(1)

    return change


@pytest.fixture
def state(app, hanako):
    """`state()` → what a change of address would touch, read fresh from the database."""

    def read() -> dict:
        with app.app_context():
            person = db.session.get(Person, hanako)
            email_item = db.session.scalar(sa.select(Item).where(Item.person_id == hanako, Item.field == "email"))
            return {
                "item": email_item.value, "register": person.email,
                "found_by_new": db.session.scalar(sa.select(Person.id).where(Person.with_email(NEW))),
                "found_by_old": db.session.scalar(sa.select(Person.id).where(Person.with_email(OLD))),
                "revisions": db.session.scalar(sa.select(sa.func.count()).select_from(ItemRevision)),
                "corrections": db.session.scalar(sa.select(sa.func.count()).select_from(DataRequest)),
            }

    return read


def _open_request(submit, entry, requests_of, hanako) -> str:
    """Hanako asks staff to correct her postal address: a request that stays open."""
    prefix = entry("address")
    submit(CORRECTION, {f"{prefix}-action": "change", f"{prefix}-proposed": "東京都港区サンプル9-9-9"})
    [request] = requests_of(hanako)
    assert request.status is RequestStatus.VERIFIED
    return request.reference


def _sign_in(app, smtp_server, address: str):
    """A new browser proves `address` with the mailed code; returns it and the person it found."""
    browser = app.test_client()
    post_page_form(browser, "/verify", {"email": address})
    mail = read_mail(smtp_server.to(address)[-1])
    assert post_page_form(browser, "/verify/code", {"code": mail.code}).status_code == 302
    with app.app_context():
        person_id = db.session.scalars(sa.select(CustomerSession.person_id)
                                       .order_by(CustomerSession.id.desc())).first()
    return browser, person_id


def test_a_new_address_changes_nothing_until_its_link_is_followed(client, hanako, change_email, smtp_server, state):
    before = state()
    response, link = change_email(NEW)

    assert response.status_code == 302 and response.headers["Location"] == "/my/email-change"
    page = text_of(client.get("/my/email-change"))
    assert f"{NEW}にリンクをお送りしました。" in page and f"確認されるまで、お客様のメールアドレスは{OLD}のままです。" in page
    assert state() == before  # item, register, look-ups, history: all as they were; no request filed
    assert before["item"] == before["register"] == OLD and before["found_by_new"] is None
    assert smtp_server.to(OLD) == []  # nothing to the old address yet
    [mail] = smtp_server.to(NEW)
    assert "新しいメールアドレスのご確認" in mail["Subject"]
    assert "h***@example.jp" in mail_text(mail)  # the current address, masked


def test_following_the_link_changes_the_address_everywhere_and_tells_the_old_one(
        app, client, hanako, submit, entry, requests_of, change_email, smtp_server, state):
    reference = _open_request(submit, entry, requests_of, hanako)
    _, link = change_email(NEW)

    phone = app.test_client()  # the link works on another device, without signing in
    assert "メールアドレスを変更する" in text_of(phone.get(link))
    done = post_page_form(phone, link)
    assert done.status_code == 200 and f"今後は{NEW}宛てにご連絡し" in text_of(done)

    after = state()
    assert (after["item"], after["register"], after["found_by_new"], after["found_by_old"]) == (NEW, NEW, hanako, None)
    _, correction = requests_of(hanako)
    assert correction.status is RequestStatus.COMPLETED and correction.details["confirmed_by_link"] is True
    with app.app_context():
        [revision] = db.session.scalars(sa.select(ItemRevision)).all()
        assert (revision.old_value, revision.new_value, revision.request_id) == (OLD, NEW, correction.id)
        kinds = [e.kind for e in db.session.scalars(sa.select(RequestEvent).where(
            RequestEvent.request_id == correction.id).order_by(RequestEvent.id))]
        assert EventKind.APPLIED in kinds
        audit = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action.like("customer.email_change%"))
                                   .order_by(AuditEntry.id)).all()
        assert [a.action for a in audit] == ["customer.email_change_requested", "customer.email_change_confirmed"]
        assert "hanako" not in str([a.details for a in audit])  # no address in the audit log
        # The open request is answered at the new address, and the session she is in follows too.
        open_request = db.session.scalar(sa.select(DataRequest).where(DataRequest.reference == reference))
        assert open_request.requester_email == NEW
        assert {s.email for s in db.session.scalars(sa.select(CustomerSession))} == {NEW}

    [notice] = [m for m in smtp_server.to(OLD) if "メールアドレスが変更されました" in m["Subject"]]
    assert "h***@example.jp" in mail_text(notice) and NEW not in mail_text(notice)
    assert [m for m in smtp_server.to(NEW) if correction.reference in m["Subject"]]  # the usual "done" mail

    browser, person_id = _sign_in(app, smtp_server, NEW)
    assert person_id == hanako
    assert reference in text_of(browser.get("/my/requests"))  # her open request is still hers to see
    assert browser.get(f"/my/requests/{reference}").status_code == 200


def test_a_used_link_changes_nothing_the_second_time(app, client, hanako, change_email, smtp_server, state):
    _, link = change_email(NEW)
    assert post_page_form(client, link).status_code == 200
    after = state()
    mails = len(smtp_server.messages)

    again = post_page_form(app.test_client(), link, page="/")
    assert again.status_code == 400 and "このリンクは無効になっています" in text_of(again)
    assert "メールアドレスは変更されていません" in text_of(again)
    assert app.test_client().get(link).status_code == 400
    assert state() == after and len(smtp_server.messages) == mails


def test_an_expired_link_changes_nothing(app, client, hanako, change_email, smtp_server, state):
    _, link = change_email(NEW)
    before = state()
    with app.app_context():
        db.session.execute(sa.update(EmailChallenge).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    response = post_page_form(client, link, page="/")
    assert response.status_code == 400 and "このリンクは無効になっています" in text_of(response)
    assert state() == before and smtp_server.to(OLD) == []


def _tampered(link: str, how: str) -> str:
    path, _, query = link.partition("?")
    if how == "signature":
        path = path[:-3] + ("aaa" if not path.endswith("aaa") else "bbb")
    else:
        path = path.rsplit(".", 1)[0]  # cut short
    return f"{path}?{query}"


@pytest.mark.parametrize("how", ["signature", "cut"])
def test_a_tampered_link_changes_nothing(app, client, hanako, change_email, smtp_server, state, how):
    _, link = change_email(NEW)
    assert link.endswith("?lang=ja")
    before = state()
    response = post_page_form(client, _tampered(link, how), page="/")
    assert response.status_code == 400
    assert state() == before and smtp_server.to(OLD) == []
    assert post_page_form(client, link).status_code == 200  # the real one still works


def test_a_sign_in_link_does_not_change_an_address(app, client, hanako, change_email, smtp_server, state):
    change_email(NEW)
    before = state()
    sign_in = app.test_client()
    post_page_form(sign_in, "/verify", {"email": OLD})
    token = read_mail(smtp_server.to(OLD)[-1]).link.rsplit("/", 1)[1]
    assert post_page_form(sign_in, f"/email-change/{token}", page="/").status_code == 400
    assert state() == before


def test_the_invalid_link_page_speaks_the_visitors_language(app, hanako, change_email):
    _, link = change_email(NEW)
    browser = app.test_client()
    in_english(browser)
    page = browser.get(_tampered(link, "signature").partition("?")[0])
    assert page.status_code == 400
    assert "This link is no longer valid" in text_of(page) and "Your email address has not changed." in text_of(page)


def test_a_typo_never_confirmed_leaves_the_old_address_working(app, hanako, change_email, smtp_server, state):
    change_email(TYPO)  # the link goes to a mailbox nobody reads
    assert state()["register"] == OLD
    browser, person_id = _sign_in(app, smtp_server, OLD)
    assert person_id == hanako
    assert browser.get("/my/data").status_code == 200


def test_a_newer_change_replaces_the_older_link(app, client, hanako, change_email, state):
    _, typo_link = change_email(TYPO)
    with app.app_context():  # a minute later (a second tap within two minutes reuses the link)
        db.session.execute(sa.update(EmailChallenge).values(created_at=utcnow() - timedelta(minutes=5)))
        db.session.commit()
    _, link = change_email(NEW)
    assert post_page_form(client, typo_link, page="/").status_code == 400
    assert state()["register"] == OLD
    assert post_page_form(client, link).status_code == 200
    assert state()["register"] == NEW


def test_a_double_tap_sends_one_link(client, hanako, entry, submit, smtp_server):
    prefix = entry("email")
    data = {f"{prefix}-action": "change", f"{prefix}-proposed": NEW}
    submit(CORRECTION, data)
    submit(CORRECTION, data)
    assert len(smtp_server.to(NEW)) == 1


def test_an_address_another_customer_took_meanwhile_is_refused_at_the_link(
        app, client, hanako, change_email, smtp_server, state):
    _, link = change_email(NEW)
    with app.app_context():
        jiro = db.session.scalar(sa.select(Person).where(Person.key == JIRO))
        jiro.email = NEW
        db.session.commit()
    response = post_page_form(client, link)
    assert response.status_code == 409 and "別のお客様の登録に使われているため" in text_of(response)
    assert state()["register"] == OLD and state()["revisions"] == 0 and state()["corrections"] == 0
    assert smtp_server.to(OLD) == []
