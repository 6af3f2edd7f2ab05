"""Permission campaigns in a real browser: the manager defines (with the preview), creates and
sends a campaign; the person opens the mailed link on a phone and answers; the page after the
answer-by date. Screenshots for docs/screens/ with PORTAL_SCREENS=1 (390x844 ja, 1440x900 en)."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from portal.campaigns.models import Campaign, CampaignAnswer
from portal.campaigns.sending import send_due
from portal.extensions import db
from portal.inventory.models import Category, ConsentEvent, Item, Person, Source
from portal.mail.models import OutboxMessage
from tests.browser.staff_console import PHONE_JA, WIDE, screenshot, staff_browser
from tests.fixtures.campaigns import in_days

pytestmark = pytest.mark.browser


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("window.innerWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def _mailed_link(app, email: str) -> str:
    with app.app_context():
        send_due(rate=100)
        db.session.commit()
        bodies = [m.body_text for m in db.session.scalars(sa.select(OutboxMessage)) if m.to_address == email]
        db.session.remove()
    return re.search(r"https?://[^\s]+/c/[A-Za-z0-9_.\-]+", bodies[0]).group(0)


def test_a_manager_creates_and_sends_and_a_person_answers_on_a_phone(
        app, live_server, browser, create_staff, login_staff, bought_list):
    bought_list()
    # Goro has no e-mail address (the importer still wants one, so he is added directly): a letter.
    with app.app_context():
        goro = Person(key="C-5", name="五郎 試験")
        db.session.add(goro)
        db.session.flush()
        source_id = db.session.scalar(sa.select(Source.id).where(Source.key == "list-2025"))
        db.session.add(Item(person_id=goro.id, category=Category.CONTACT, field="address", value="東京都港区5-5",
                            source_id=source_id, collected_at=datetime(2025, 9, 1, tzinfo=timezone.utc)))
        db.session.commit()
        db.session.remove()
    manager = create_staff("manager", name="管理 花子")

    context, page = staff_browser(app, browser, live_server, login_staff, manager, size=WIDE, english=True)
    try:
        page.goto(live_server + "/staff/campaigns/new")
        page.get_by_label("Campaign name (staff only)").fill("2025 consumer list: permission check")
        page.get_by_label("Greater Tokyo consumer list 2025 (株式会社サンプルリサーチ)").check()
        page.locator("input[name=purposes][value=newsletter-email]").check()
        page.locator("input[name=purposes][value=dm-post]").check()
        page.locator("select[name=silent-dm-post]").select_option("keep")
        page.get_by_label("Answer by (Japan time, inclusive)").fill(in_days(14).isoformat())
        page.get_by_role("button", name="Preview the audience").click()
        page.wait_for_selector("#preview")
        assert "3 people" in page.locator("#preview h2").inner_text()
        assert "2 by e-mail, 1 by letter" in page.locator("#preview").inner_text()
        screenshot(page, "campaign-new-preview-1440-en")
        page.locator("#preview").get_by_role("button", name="Create the campaign").click()
        page.wait_for_url(re.compile(r".*/staff/campaigns/\d+$"))
        page.get_by_role("button", name="Send the campaign").click()
        page.wait_for_selector(".flash-success")
        assert "2 mails queued" in page.locator(".flash-success").inner_text()
        screenshot(page, "campaign-progress-1440-en")
        page.get_by_role("link", name="Print the letters (1)").click()
        assert page.locator("article.campaign-letter").count() == 1
        assert "東京都港区5-5" in page.locator("article.campaign-letter").inner_text()
        letter_code = page.locator(".campaign-letter-code strong").inner_text()
        screenshot(page, "campaign-letters-1440-en")
    finally:
        context.close()

    link = _mailed_link(app, "ichiro@example.jp")
    phone = browser.new_context(**PHONE_JA, locale="ja-JP")
    page = phone.new_page()
    try:
        page.goto(link)
        assert page.locator("h1").inner_text() == "個人情報の取得元と、利用継続についてのお伺い"
        assert page.get_by_text("株式会社サンプルリサーチ").count() == 1
        assert page.get_by_text("i***@example.jp").count() == 1
        _no_sideways_scroll(page)
        screenshot(page, "campaign-notice-390-ja")
        newsletter = page.locator("fieldset.purpose-choice").filter(has_text="新商品・サービスのお知らせ")
        newsletter.get_by_label("停止してほしい").check()
        page.locator("fieldset.purpose-choice").filter(has_text="カタログ").get_by_label("継続してよい").check()
        page.get_by_role("button", name="回答を送信する").click()
        page.wait_for_url(re.compile(r".*/thanks$"))
        assert page.locator("h1").inner_text() == "ご回答ありがとうございました"
        _no_sideways_scroll(page)
        screenshot(page, "campaign-thanks-390-ja")
        page.goto(link + "/erase")
        assert page.locator("h1").inner_text() == "個人情報を消去してほしい"
        _no_sideways_scroll(page)
        screenshot(page, "campaign-erase-390-ja")
    finally:
        phone.close()
    with app.app_context():
        choices = sorted(c.value for c in db.session.scalars(sa.select(CampaignAnswer.choice)))
        assert choices == ["continue", "stop"]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ConsentEvent)
                                 .where(ConsentEvent.method == "campaign")) == 2
        db.session.remove()

    # The same page in English on a desktop, and the manager's pages on a phone in Japanese.
    desktop = browser.new_context(**WIDE, locale="en-US")
    page = desktop.new_page()
    try:
        page.goto(link)  # an English browser gets English pages (Accept-Language)
        if page.get_by_role("button", name="English").count():
            page.get_by_role("button", name="English").click()
        page.wait_for_selector("text=Where we obtained your data, and your choices")
        screenshot(page, "campaign-notice-1440-en")
    finally:
        desktop.close()
    context, page = staff_browser(app, browser, live_server, login_staff, manager, size=PHONE_JA, english=False)
    try:
        page.goto(live_server + "/staff/campaigns")
        page.get_by_role("link", name="2025 consumer list: permission check").click()
        assert page.get_by_text("ページを開いた方").count() == 1
        _no_sideways_scroll(page)
        screenshot(page, "campaign-progress-390-ja")
        page.goto(live_server + "/staff/campaigns/new")
        _no_sideways_scroll(page)
        screenshot(page, "campaign-new-390-ja")
    finally:
        context.close()

    # After the answer-by date the link says what to do instead.
    with app.app_context():
        db.session.scalar(sa.select(Campaign)).answer_by = in_days(-1)
        db.session.commit()
        db.session.remove()
    phone = browser.new_context(**PHONE_JA, locale="ja-JP")
    page = phone.new_page()
    try:
        page.goto(link)
        assert page.locator("h1").inner_text() == "このお知らせの回答受付は終了しました"
        assert page.get_by_role("link", name="窓口へ進む").count() == 1
        screenshot(page, "campaign-closed-390-ja")
        page.goto(live_server + "/c/code")
        _no_sideways_scroll(page)
        screenshot(page, "campaign-code-390-ja")
        # Goro types his letter's code; the notice has closed for him too.
        page.get_by_label("コード（英数字10文字）").fill(letter_code.lower())
        page.get_by_role("button", name="続ける").click()
        page.wait_for_selector("h1:has-text('このお知らせの回答受付は終了しました')")
    finally:
        phone.close()
