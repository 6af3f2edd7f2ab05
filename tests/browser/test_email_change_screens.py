"""A change of email address in the browser, on a phone in Japanese and on a desktop in English:
the correction form, "check the mail at your new address", the link's button, the page after it
and the page of a used link. Screenshots go to PORTAL_SCREENS_DIR (docs/screens)."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.inventory.models import Item, Person
from tests.customer.records import HANAKO_VALUES as V
from tests.fixtures.browser import PHONE, assert_no_sideways_scroll, keep_screenshot
from tests.fixtures.customer_requests import mail_text
from tests.fixtures.verification import read_mail

pytestmark = pytest.mark.browser

NEW = "hanako.new@example.jp"
WORDS = {
    "ja": {"email": "メールアドレス", "send": "リンクとコードを送信する", "code": "6桁のコード", "confirm": "確認する", "birthdate": "生年月日（例：1985-04-03）",
           "answer": "回答", "check": "確認する", "proposed": "正しい内容", "correct": "訂正を請求する",
           "change": "メールアドレスを変更する", "sent": "リンクをお送りしました", "done": "メールアドレスを変更しました",
           "invalid": "このリンクは無効になっています"},
    "en": {"email": "Email address", "send": "Send me a link and a code", "code": "6-digit code", "confirm": "Confirm",
           "birthdate": "Your date of birth (e.g. 1985-04-03)", "answer": "Your answer", "check": "Check",
           "proposed": "Correct value", "correct": "Send the correction", "change": "Change my email address",
           "sent": "We sent a link to", "done": "Your email address is changed", "invalid": "This link is no longer valid"},
}


def _email_item_id(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Item.id).join(Person).where(Person.key == "C-000123", Item.field == "email"))


@pytest.mark.parametrize("language, size, context", [
    ("ja", "390-ja", {**PHONE, "locale": "ja-JP"}),
    ("en", "1440-en", {"viewport": {"width": 1440, "height": 900}, "locale": "en-US"}),
])
def test_a_customer_changes_her_email_through_the_link(app, live_server, browser, smtp_server, customers,
                                                       language, size, context):
    words = WORDS[language]
    browser_context = browser.new_context(**context)
    page = browser_context.new_page()
    try:
        page.goto(live_server + f"/my/items/{_email_item_id(app)}/correct")
        page.get_by_label(words["email"]).fill(V["email"])
        page.get_by_role("button", name=words["send"]).click()
        page.wait_for_url("**/verify/code")
        page.get_by_label(words["code"]).fill(read_mail(smtp_server.to(V["email"])[-1]).code)
        page.get_by_role("button", name=words["confirm"]).click()
        page.wait_for_url("**/verify/step-up**")
        page.get_by_label(words["birthdate"]).check()
        page.get_by_label(words["answer"]).fill(V["birthdate"])
        page.get_by_role("button", name=words["check"]).click()
        page.wait_for_url("**/my/items/*/correct")

        page.get_by_label(words["proposed"]).fill(NEW)
        assert_no_sideways_scroll(page)
        keep_screenshot(page, f"customer-email-change-form-{size}.png")
        page.get_by_role("button", name=words["correct"]).click()
        page.wait_for_url("**/my/email-change")
        text = page.locator("main").inner_text()
        assert words["sent"] in text and NEW in text and V["email"] in text
        assert_no_sideways_scroll(page)
        keep_screenshot(page, f"customer-email-change-sent-{size}.png")

        [mail] = smtp_server.to(NEW)
        link = re.search(r"https?://\S+/email-change/\S+", mail_text(mail)).group(0)
        page.goto(link)
        assert_no_sideways_scroll(page)
        keep_screenshot(page, f"customer-email-change-confirm-{size}.png")
        page.get_by_role("button", name=words["change"]).click()
        page.wait_for_load_state()
        assert words["done"] in page.locator("main").inner_text()
        assert_no_sideways_scroll(page)
        keep_screenshot(page, f"customer-email-change-done-{size}.png")

        page.goto(link)
        assert words["invalid"] in page.locator("main").inner_text()
        assert_no_sideways_scroll(page)
        keep_screenshot(page, f"customer-email-change-invalid-{size}.png")
    finally:
        browser_context.close()
