"""On a phone, in Japanese: prove the address through real mail, correct the address, withdraw
the newsletter consent, and find both on "my requests" — with the mails that go with them."""
import re

import pytest

from tests.customer.records import HANAKO_VALUES as V
from tests.fixtures.customer_requests import NEWSLETTER_AGAIN, mail_text
from tests.fixtures.verification import read_mail

pytestmark = pytest.mark.browser

NEW_ADDRESS = "東京都港区サンプル9-9-9 サンプルタワー1201"
NEWSLETTER = "新商品・サービスのお知らせをメールでお送りするため"


def _fits_the_phone(page) -> bool:
    """Nothing wider than the screen: no sideways scrolling on a phone."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_customer_corrects_the_address_and_withdraws_the_newsletter_on_a_phone(
        live_server, phone_page, smtp_server, customers, import_lines):  # noqa: F811
    import_lines(NEWSLETTER_AGAIN)
    page = phone_page
    page.goto(live_server + "/my/data")
    page.get_by_label("メールアドレス").fill(V["email"])
    page.get_by_role("button", name="リンクとコードを送信する").click()
    page.wait_for_url("**/verify/code")
    page.get_by_label("6桁のコード").fill(read_mail(smtp_server.to(V["email"])[-1]).code)
    page.get_by_role("button", name="確認する").click()
    page.wait_for_url("**/my/data")

    # The address: from its category on "my data" (opened), through the extra check, to the correction form.
    page.locator("#category-contact summary").click()
    page.get_by_role("link", name=re.compile("訂正・削除を請求する.*住所")).click()
    page.wait_for_url("**/verify/step-up**")
    page.get_by_label("生年月日（例：1985-04-03）").check()
    page.get_by_label("回答").fill(V["birthdate"])
    page.get_by_role("button", name="確認する").click()
    page.wait_for_url("**/my/items/*/correct")
    assert V["address"] in page.content()  # the current value, next to the new one
    assert _fits_the_phone(page)
    address = page.get_by_role("group", name=re.compile("住所"))
    assert address.get_by_label("訂正する").is_checked()  # chosen already on the item's own page
    address.get_by_label("正しい内容").fill(NEW_ADDRESS)
    address.get_by_label("理由（任意）").fill("引っ越しました")
    page.get_by_role("button", name="訂正を請求する").click()
    page.wait_for_url("**/my/requests/MG-*")
    correction = re.search(r"MG-\d{4}-\d{6,}", page.url).group(0)
    text = page.locator("main").inner_text()
    assert "ご請求を受け付けました" in text and "回答期限" in text
    assert V["address"] in text and NEW_ADDRESS in text

    # The newsletter: one button on the consents page, effective at once.
    page.get_by_role("link", name="同意", exact=True).click()
    page.wait_for_url("**/my/consents")
    assert _fits_the_phone(page)
    newsletter = page.locator("section.consent", has=page.get_by_role("heading", name=NEWSLETTER))
    newsletter.get_by_role("button", name="同意を撤回する").click()
    page.wait_for_url("**/my/consents")
    assert "完了しました" in page.locator(".flashes").inner_text()
    assert newsletter.get_by_role("button", name="同意する").is_visible()

    # Both on "my requests": the correction waiting for staff, the withdrawal done.
    page.get_by_role("link", name="ご請求の一覧").click()
    page.wait_for_url("**/my/requests")
    assert _fits_the_phone(page)
    listing = page.locator("main").inner_text()
    assert correction in listing and "訂正等（訂正・追加・削除）" in listing and "本人確認済み" in listing
    assert "同意の撤回・変更" in listing and "完了" in listing

    subjects = [mail["Subject"] for mail in smtp_server.to(V["email"])[1:]]
    assert subjects[0] == f"【{correction}】ご請求を受け付けました"
    assert subjects[1].endswith("ご請求の内容を反映しました")
    withdrawal = mail_text(smtp_server.to(V["email"])[-1])
    assert f"{NEWSLETTER}：同意を撤回しました" in withdrawal and live_server + "/my/requests/MG-" in withdrawal
