"""Without email, on a phone in Japanese: the person files a request by post and keeps the
reference; on a desktop in English, staff open the letter to print. No sideways scrolling.

Set PORTAL_SCREENS_DIR=docs/screens to keep the screenshots for the README.
"""
from __future__ import annotations


import pytest
import sqlalchemy as sa

from portal.dsr.letters import PostalLetter
from portal.dsr.models import DataRequest
from portal.extensions import db
from tests.fixtures.browser import PHONE, assert_no_sideways_scroll, keep_screenshot, login_staff_in_browser

pytestmark = pytest.mark.browser


def test_a_person_without_email_files_a_request_on_a_phone_and_staff_print_the_letter(
        app, live_server, browser, create_staff):
    phone = browser.new_context(**PHONE, locale="ja-JP")
    page = phone.new_page()
    try:
        page.goto(live_server + "/")
        page.get_by_role("link", name="メールアドレスをお持ちでない方は、こちらからご請求いただけます（郵便で回答します）").click()
        page.wait_for_url("**/requests/by-post")
        assert_no_sideways_scroll(page)
        keep_screenshot(page, "customer-request-by-post-phone-ja.png")
        page.get_by_label("開示").first.check()
        page.get_by_label("ご請求の内容（具体的に）").fill("保有している私のデータをすべて郵送で開示してください。")
        page.get_by_label("氏名", exact=True).fill("山田 トメ")
        page.get_by_label("郵便番号").fill("１５０－０００２")
        page.get_by_label("住所").fill("東京都渋谷区サンプル3-4-5")
        page.get_by_role("button", name="請求を送信する").click()
        page.wait_for_url("**/requests/by-post/received")
        assert_no_sideways_scroll(page)
        with app.app_context():
            reference = db.session.scalar(sa.select(DataRequest.reference))
            letter_id = db.session.scalar(sa.select(PostalLetter.id))
            db.session.remove()
        assert reference in page.inner_text("main")
        keep_screenshot(page, "customer-request-by-post-received-phone-ja.png")
    finally:
        phone.close()

    desktop = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-GB")
    page = desktop.new_page()
    try:
        login_staff_in_browser(page, app, live_server, create_staff("agent"), button="Log in", english=True)
        page.goto(f"{live_server}/staff/requests/{reference}")
        page.get_by_role("link", name="Receipt of the request").click()
        page.wait_for_url(f"**/letters/{letter_id}")
        assert_no_sideways_scroll(page)
        body = page.inner_text("body")
        assert "山田 トメ 様" in body and "〒150-0002" in body  # the letter is in the requester's language
        keep_screenshot(page, "staff-letter-desktop-en.png")
        page.get_by_role("button", name="Mark as posted").click()
        page.wait_for_url(f"**/staff/requests/{reference}")
        assert "The letter is recorded as posted." in page.inner_text("body")
    finally:
        desktop.close()
