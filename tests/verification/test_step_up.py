"""The step-up check: one answer about data we hold, before full values and downloads."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.verification.models import CustomerSession
from tests.inventory.records import PERSON
from tests.fixtures.pages import post_page_form

FULL_DATA = "/my/download.json"  # a stepped_up_required view


@pytest.fixture
def verified(app, ask_for_mail):
    """`verified(email)` → a browser that has just proved the address by code."""

    def login(email: str = "hanako@example.jp"):
        browser = app.test_client()
        mail = ask_for_mail(email, browser=browser)
        assert post_page_form(browser, "/verify/code", {"code": mail.code}).status_code == 302
        return browser

    return login


def _answer(browser, check: str, answer: str, next: str | None = None):
    page = "/verify/step-up" + (f"?next={next}" if next else "")
    return post_page_form(browser, "/verify/step-up", {"check": check, "answer": answer, **({"next": next} if next else {})},
                page=page)


def test_full_data_views_send_a_verified_customer_to_the_step_up_and_let_them_through_after(hanako_on_record, verified):
    browser = verified()
    response = browser.get(FULL_DATA)
    assert response.status_code == 302
    assert response.headers["Location"] == "/verify/step-up?next=/my/download.json"
    answered = _answer(browser, "birthdate", "1985-04-01", next=FULL_DATA)
    assert answered.status_code == 302 and answered.headers["Location"] == FULL_DATA
    assert browser.get(FULL_DATA).status_code == 200


def test_step_up_needs_the_mail_check_first(client):
    response = client.get("/verify/step-up")
    assert response.status_code == 302 and response.headers["Location"].startswith("/verify?next=")


def test_the_page_explains_why_and_offers_the_checks_we_hold_data_for(hanako_on_record, verified):
    page = verified().get("/verify/step-up").get_data(as_text=True)
    assert "お尋ねする理由" in page
    for check in ("customer_number", "birthdate", "phone_last4"):
        assert f'value="{check}"' in page


def test_only_checks_with_data_are_offered(import_lines, verified):
    import_lines({**PERSON, "birthdate": None, "customer_number": None})
    page = verified().get("/verify/step-up").get_data(as_text=True)
    assert 'value="phone_last4"' in page
    assert 'value="birthdate"' not in page and 'value="customer_number"' not in page


def test_configuration_chooses_which_checks_count(app, hanako_on_record, verified, monkeypatch):
    monkeypatch.setitem(app.config, "PORTAL_STEP_UP_CHECKS", "birthdate")
    browser = verified()
    page = browser.get("/verify/step-up").get_data(as_text=True)
    assert 'value="birthdate"' in page and 'value="phone_last4"' not in page
    assert _answer(browser, "phone_last4", "5678").status_code == 200  # not a choice here
    assert browser.get(FULL_DATA).status_code == 302


@pytest.mark.parametrize("check, answer", [
    ("customer_number", "M-55501234"),
    ("customer_number", "ｍ－５５５０ １２３４"),
    ("birthdate", "1985-04-01"),
    ("birthdate", "1985/04/01"),
    ("birthdate", "１９８５/４/１"),
    ("phone_last4", "5678"),
    ("phone_last4", "５６７８"),
])
def test_a_right_answer_in_any_usual_spelling_opens_full_data(hanako_on_record, verified, verification_audit, check, answer):
    browser = verified()
    assert _answer(browser, check, answer).status_code == 302
    assert browser.get(FULL_DATA).status_code == 200
    succeeded = [a for a in verification_audit() if a[0] == "verification.step_up_succeeded"]
    assert succeeded and succeeded[0][3] == {"check": check}


@pytest.mark.parametrize("check, answer", [
    ("customer_number", "M-55501235"),
    ("birthdate", "1985-01-04"),
    ("birthdate", "昭和60年1月4日"),
    ("phone_last4", "1234"),
])
def test_a_wrong_answer_is_refused_and_audited_without_the_answer(hanako_on_record, verified, verification_audit, check, answer):
    browser = verified()
    response = _answer(browser, check, answer)
    assert response.status_code == 200
    assert "一致しません" in response.get_data(as_text=True)
    assert browser.get(FULL_DATA).status_code == 302
    [failed] = [a for a in verification_audit() if a[0] == "verification.step_up_failed"]
    assert failed[3] == {"check": check}
    assert answer not in str(failed)


@pytest.mark.parametrize("check, answer, message", [
    ("birthdate", "not a date", "のように日付を入力してください"),
    ("birthdate", "12ab", "のように日付を入力してください"),
    ("phone_last4", "45678", "下4桁を入力してください"),
])
def test_a_malformed_answer_is_pointed_out_without_using_a_try(hanako_on_record, verified, verification_audit,
                                                               check, answer, message):
    browser = verified()
    page = _answer(browser, check, answer).get_data(as_text=True)
    assert message in page and 'id="error-summary"' in page
    assert not [a for a in verification_audit() if a[0] == "verification.step_up_failed"]


@pytest.mark.parametrize("answer", ["昭和60年4月1日", "S60.4.1", "１９８５年４月１日"])
def test_an_era_or_full_width_birth_date_is_accepted(hanako_on_record, verified, answer):
    browser = verified()
    _answer(browser, "birthdate", answer)
    assert browser.get(FULL_DATA).status_code == 200


def test_the_hint_says_era_dates_are_accepted(hanako_on_record, verified):
    """What the normaliser reads, the hint says: 昭和60年4月1日 and S60.4.1 are fine."""
    from tests.fixtures.pages import in_english, text_of

    browser = verified()
    page = text_of(browser.get("/verify/step-up"))
    assert "和暦（昭和60年4月3日、S60.4.3）でも入力いただけます" in page
    in_english(browser)
    assert "in the Japanese era: 昭和60年4月3日 or S60.4.3" in text_of(browser.get("/verify/step-up"))


def test_five_wrong_answers_pause_the_check_even_for_the_right_answer(hanako_on_record, verified):
    browser = verified()
    for _ in range(5):
        _answer(browser, "phone_last4", "0000")
    page = _answer(browser, "phone_last4", "5678")
    assert "誤った回答が続きました" in page.get_data(as_text=True)
    assert "個人情報お問い合わせ窓口" in page.get_data(as_text=True)
    assert browser.get(FULL_DATA).status_code == 302


def test_wrong_answers_count_per_person_across_sessions_within_the_hour(hanako_on_record, verified, sql):
    first, second = verified(), verified()
    for _ in range(3):
        _answer(first, "birthdate", "2000-01-01")
    for _ in range(2):
        _answer(second, "birthdate", "2000-01-01")
    third = verified()
    assert "誤った回答が続きました" in _answer(third, "birthdate", "1985-04-01").get_data(as_text=True)
    assert third.get(FULL_DATA).status_code == 302
    assert sql(sa.select(sa.func.count()).select_from(CustomerSession)
               .where(CustomerSession.stepped_up_at.is_not(None))) == [(0,)]


def test_a_person_without_any_checkable_data_is_told_to_contact_the_desk(import_lines, verified):
    import_lines({**PERSON, "birthdate": None, "customer_number": None, "phone": None})
    page = verified().get("/verify/step-up").get_data(as_text=True)
    assert "オンラインでは確認できません" in page
    assert "個人情報お問い合わせ窓口" in page
    assert "<form method=\"post\" action=\"/verify/step-up\"" not in page


def test_an_address_we_hold_nothing_for_is_told_to_contact_the_desk(verified):
    page = verified("stranger@example.jp").get("/verify/step-up").get_data(as_text=True)
    assert "オンラインでは確認できません" in page
