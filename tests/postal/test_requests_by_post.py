"""People without email use their rights: a form on the portal, staff verify with documents,
answers by printed letter, and a one-time code by post to see their data online.

山田 トメ (C-000777) is a postal DM customer with no email address: only her name, address
and phone are held, with her purchase lines from the shop.
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEntry
from portal.dsr.letters import PostalLetter
from portal.dsr.models import DataRequest, EventKind, RequestEvent
from portal.extensions import db
from portal.inventory.models import Category, Item, Person
from portal.verification.models import CustomerSession
from portal.verification.postal import PostalAccessCode
from tests.fixtures.pages import csrf_from, text_of

FORM = {"type": "disclosure", "message": "保有している私の個人データをすべて開示してください。",
        "name": "山田 トメ", "name_kana": "ヤマダ トメ", "postal_code": "１５０－０００２",
        "address": "東京都渋谷区サンプル3-4-5", "phone": "03-0000-7777", "birthdate": "1948-02-11"}


@pytest.fixture
def tome(app):
    """A person held without any email address (a postal DM list)."""
    with app.app_context():
        person = Person(key="C-000777", name="山田 トメ", name_kana="ヤマダ トメ", phone="03-0000-7777")
        db.session.add(person)
        db.session.flush()
        db.session.add(Item(person_id=person.id, category=Category.PURCHASE, field="line",
                            value={"name": "羊羹", "price": 1200}))
        db.session.add(Item(person_id=person.id, category=Category.CONTACT, field="address",
                            value="〒150-0002 東京都渋谷区サンプル3-4-5"))
        db.session.commit()
        person_id = person.id
        db.session.remove()
    return person_id


def _file(client, **changes):
    page = client.get("/requests/by-post").get_data(as_text=True)
    return client.post("/requests/by-post", data={"csrf_token": csrf_from(page),
                                                  "idempotency_key": re.search(r'name="idempotency_key"[^>]*value="([^"]+)"', page).group(1),
                                                  **FORM, **changes})


def _the_request():
    return db.session.scalar(sa.select(DataRequest))


def test_a_person_without_email_files_a_request_answered_by_post(app, client, smtp_server):
    response = _file(client)
    assert response.status_code == 302
    page = text_of(client.get(response.location))
    with app.app_context():
        request = _the_request()
        assert request.reference in page and "郵便" in page
        assert request.requester_email is None and request.person_id is None
        assert request.status.value == "received" and request.answers_by_post
        assert request.subject["postal_code"] == "150-0002"  # full-width digits as people type them
        assert request.subject["address"] == "東京都渋谷区サンプル3-4-5"
        assert request.details["message"].startswith("保有している")
        [letter] = db.session.scalars(sa.select(PostalLetter)).all()
        assert letter.kind == "received" and not letter.is_posted
        db.session.remove()
    assert smtp_server.messages == []  # nobody to mail: the receipt is a letter to post


@pytest.mark.parametrize("field, value, message", [
    ("address", "", "住所を入力してください"),
    ("postal_code", "15-0002", "郵便番号は7桁"),
    ("name", "", "お名前を入力してください"),
    ("birthdate", "2999-01-01", "未来の日付"),
])
def test_bad_input_gets_a_clear_message_and_files_nothing(app, client, field, value, message):
    response = _file(client, **{field: value})
    assert response.status_code == 422
    assert message in text_of(response)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(DataRequest)) == 0
        db.session.remove()


def test_staff_verify_with_documents_print_letters_and_answer_with_the_data_by_post(
        app, client, tome, login_as, act):
    _file(app.test_client())
    agent = login_as("agent")
    with app.app_context():
        request = _the_request()
        reference = request.reference
        db.session.remove()
    page = text_of(client.get(f"/staff/requests/{reference}"))
    assert "郵便でお送りする書面" in page and "印刷して郵送" in page

    case = type("Case", (), {"reference": reference})
    assert act(case, "match", person_id=str(tome)).status_code == 302
    assert act(case, "verify", documents=["driving_licence", "health_insurance_card"]).status_code == 302
    with app.app_context():
        verified = db.session.scalar(sa.select(RequestEvent).where(RequestEvent.kind == EventKind.VERIFIED))
        assert verified.data["documents"] == ["driving_licence", "health_insurance_card"]
        assert verified.actor_id == str(agent.id)
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "dsr.request.verified"))
        assert entry.details["documents"] == ["driving_licence", "health_insurance_card"]
        receipt = db.session.scalar(sa.select(PostalLetter).where(PostalLetter.kind == "received"))
        db.session.remove()

    letter = text_of(client.get(f"/staff/requests/{reference}/letters/{receipt.id}"))
    assert "山田 トメ 様" in letter and "〒150-0002" in letter and "東京都渋谷区サンプル3-4-5" in letter
    assert reference in letter and "受け付けました" in letter
    html = client.get(f"/staff/requests/{reference}/letters/{receipt.id}").get_data(as_text=True)
    assert client.post(f"/staff/requests/{reference}/letters/{receipt.id}/posted",
                       data={"csrf_token": csrf_from(html)}).status_code == 302

    assert act(case, "start").status_code == 302
    assert act(case, "complete", format="post").status_code == 302
    with app.app_context():
        request = _the_request()
        assert request.status.value == "completed"
        answer = db.session.scalar(sa.select(PostalLetter).where(PostalLetter.kind == "completed"))
        assert db.session.get(PostalLetter, receipt.id).is_posted
        printed = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.action.like("request.letter_%")))
        assert sorted(printed) == ["request.letter_posted", "request.letter_printed", "request.letter_printed"]
        db.session.remove()
    answer_page = text_of(client.get(f"/staff/requests/{reference}/letters/{answer.id}"))
    # The disclosure itself travels with the answer: her data, in Japanese words.
    assert "当社が保有するお客様の個人データ" in answer_page and "羊羹" in answer_page and "購入履歴" in answer_page


def test_an_english_request_gets_its_letters_in_english(app, client, login_as):
    english = app.test_client()
    page = english.get("/").get_data(as_text=True)
    english.post("/language", data={"csrf_token": csrf_from(page), "lang": "en", "next": "/"})
    _file(english)
    login_as("agent")
    with app.app_context():
        request = _the_request()
        reference, letter_id = request.reference, db.session.scalar(sa.select(PostalLetter.id))
        db.session.remove()
    letter = text_of(client.get(f"/staff/requests/{reference}/letters/{letter_id}"))
    assert "We have received your request" in letter and "様" not in letter


def _code_letter(app, client, act, tome):
    _file(app.test_client())
    with app.app_context():
        reference = _the_request().reference
        db.session.remove()
    case = type("Case", (), {"reference": reference})
    act(case, "match", person_id=str(tome))
    html = client.get(f"/staff/requests/{reference}").get_data(as_text=True)
    response = client.post(f"/staff/requests/{reference}/code-letter", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 302
    letter = client.get(response.location).get_data(as_text=True)
    code = re.search(r'class="letter-code">(\d{4}-\d{4})<', letter).group(1)
    return reference, code, response.location


def _enter(browser, reference, code):
    page = browser.get("/verify/post").get_data(as_text=True)
    return browser.post("/verify/post", data={"csrf_token": csrf_from(page), "reference": reference, "code": code})


def test_a_code_by_post_opens_the_persons_data_once(app, client, tome, login_as, act):
    login_as("agent")
    reference, code, letter_url = _code_letter(app, client, act, tome)
    customer = app.test_client()
    assert "郵便で確認コードを受け取った方" in text_of(customer.get("/verify"))
    response = _enter(customer, reference.lower(), code.replace("-", " "))  # as people type it
    assert response.status_code == 302
    assert customer.get("/my/data").status_code == 200
    with app.app_context():
        session = db.session.scalar(sa.select(CustomerSession))
        assert session.person_id == tome and session.email is None
        db.session.remove()
    # Single use: the same code again does not work.
    again = _enter(app.test_client(), reference, code)
    assert again.status_code == 400 and "無効" in text_of(again)

    # Once the letter is posted it forgets the code; only the hash stays.
    html = client.get(letter_url).get_data(as_text=True)
    client.post(letter_url + "/posted", data={"csrf_token": csrf_from(html)})
    assert code not in text_of(client.get(letter_url))


def test_wrong_codes_count_and_a_malformed_code_is_no_try(app, client, tome, login_as, act):
    login_as("agent")
    reference, code, _ = _code_letter(app, client, act, tome)
    wrong = "0000-0000" if code != "0000-0000" else "1111-1111"
    browser = app.test_client()
    malformed = _enter(browser, reference, "12ab")
    assert malformed.status_code == 422 and "8桁" in text_of(malformed)
    for tries_left in (4, 3, 2, 1):
        response = _enter(browser, reference, wrong)
        assert f"残り{tries_left}回" in text_of(response)
    assert _enter(browser, reference, wrong).status_code == 400
    # After five wrong tries even the right code is refused.
    locked = _enter(browser, reference, code)
    assert locked.status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(PostalAccessCode.failed_attempts)) == 5
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CustomerSession)) == 0
        db.session.remove()


def test_an_expired_code_is_refused(app, client, tome, login_as, act):
    login_as("agent")
    reference, code, _ = _code_letter(app, client, act, tome)
    with app.app_context():
        access = db.session.scalar(sa.select(PostalAccessCode))
        access.expires_at = access.created_at - timedelta(seconds=1)
        db.session.commit()
        db.session.remove()
    assert _enter(app.test_client(), reference, code).status_code == 400


def test_a_code_letter_needs_a_matched_person(app, client, login_as):
    login_as("agent")
    _file(app.test_client())
    with app.app_context():
        reference = _the_request().reference
        db.session.remove()
    html = client.get(f"/staff/requests/{reference}").get_data(as_text=True)
    response = client.post(f"/staff/requests/{reference}/code-letter", data={"csrf_token": csrf_from(html)},
                           follow_redirects=True)
    assert "先に" in text_of(response)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PostalAccessCode)) == 0
        db.session.remove()


def test_letters_of_a_colleagues_request_follow_the_ownership_rule(app, client, tome, create_staff, login_staff,
                                                                  act):
    _file(app.test_client())
    owner, colleague = create_staff("agent"), create_staff("agent")
    login_staff(client, owner)
    with app.app_context():
        reference = _the_request().reference
        letter_id = db.session.scalar(sa.select(PostalLetter.id))
        db.session.remove()
    case = type("Case", (), {"reference": reference})
    act(case, "match", person_id=str(tome))
    assert act(case, "claim").status_code == 302

    other = app.test_client()
    login_staff(other, colleague)
    html = other.get(f"/staff/requests/{reference}").get_data(as_text=True)
    for url in (f"/staff/requests/{reference}/code-letter", f"/staff/requests/{reference}/letters/{letter_id}/posted"):
        response = other.post(url, data={"csrf_token": csrf_from(html)}, follow_redirects=True)
        assert "変更できるのは担当者またはマネージャーだけです" in text_of(response)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PostalAccessCode)) == 0
        assert not db.session.get(PostalLetter, letter_id).is_posted
        db.session.remove()
