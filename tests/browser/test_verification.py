"""Proving the address on a phone: from the landing page to "my data" by code and by link."""
import pytest

from tests.inventory.records import PERSON
from tests.fixtures.verification import CODE, read_mail

pytestmark = pytest.mark.browser


def _ask_for_mail(page, live_server, smtp_server) -> str:
    page.goto(live_server + "/")
    page.get_by_role("link", name="はじめる：メールアドレスを確認する").click()
    page.get_by_label("メールアドレス").fill("hanako@example.jp")
    page.get_by_role("button", name="リンクとコードを送信する").click()
    page.wait_for_url("**/verify/code")
    [mail] = smtp_server.messages
    return mail


def test_a_customer_types_the_code_on_a_phone_and_logs_out_again(live_server, phone_page, smtp_server, import_lines):
    import_lines(PERSON)
    mail = _ask_for_mail(phone_page, live_server, smtp_server)
    code = CODE.search(mail.get_body(preferencelist=("plain",)).get_content()).group(1)
    phone_page.get_by_label("6桁のコード").fill(code)
    phone_page.get_by_role("button", name="確認する").click()
    phone_page.wait_for_url("**/my/data")
    phone_page.get_by_role("button", name="ログアウト").click()
    phone_page.wait_for_url(live_server + "/")
    assert "ログアウトしました。" in phone_page.content()
    assert phone_page.get_by_role("button", name="ログアウト").count() == 0


def test_a_customer_opens_the_mailed_link_on_a_phone(live_server, phone_page, smtp_server, import_lines):
    import_lines(PERSON)
    mail = _ask_for_mail(phone_page, live_server, smtp_server)
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert live_server + "/verify/link/" in text  # links are built from PORTAL_BASE_URL
    phone_page.goto(live_server + read_mail(mail).link)
    phone_page.get_by_role("button", name="続ける").click()
    phone_page.wait_for_url("**/my/data")
    assert "メールアドレスを確認しました。" in phone_page.content()
