"""A manager finds the two records of 山田 花子 on the Duplicates page, reviews what moves and merges
them, on a desktop in English and on a phone in Japanese (no sideways scrolling).

Set PORTAL_SCREENS_DIR=docs/screens to keep the screenshots for the README.
"""
from __future__ import annotations


import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.inventory.models import Person
from tests.fixtures.browser import PHONE, assert_no_sideways_scroll, keep_screenshot, login_staff_in_browser

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size, locale, words", [
    ("desktop", "en-GB", {"login": "Log in", "review": "Review merge", "merge": "Merge W-9001 into C-000123",
                          "done": "W-9001 was merged into C-000123"}),
    ("phone", "ja-JP", {"login": "ログイン", "review": "名寄せを確認", "merge": "W-9001 を C-000123 に名寄せする",
                        "done": "W-9001 を C-000123 に名寄せしました"}),
])
def test_a_manager_reviews_and_merges_two_records(app, live_server, browser, create_staff, two_records,
                                                  size, locale, words):
    manager = create_staff("manager")
    viewport = PHONE if size == "phone" else {"viewport": {"width": 1440, "height": 900}}
    context = browser.new_context(**viewport, locale=locale)
    page = context.new_page()
    try:
        login_staff_in_browser(page, app, live_server, manager, button=words["login"], english=locale.startswith("en"))
        page.goto(live_server + "/staff/duplicates")
        assert_no_sideways_scroll(page)
        keep_screenshot(page, f"staff-duplicates-{size}-{locale[:2]}.png")
        page.get_by_role("link", name=words["review"]).click()
        page.wait_for_url("**/staff/duplicates/merge?**")
        assert_no_sideways_scroll(page)
        merge = page.get_by_role("button", name=words["merge"])
        assert merge.is_visible()
        keep_screenshot(page, f"staff-duplicates-merge-{size}-{locale[:2]}.png")
        merge.click()
        page.wait_for_url("**/staff/duplicates")
        assert words["done"] in page.inner_text("body")
        with app.app_context():
            alias = db.session.scalar(sa.select(Person).where(Person.key == "W-9001"))
            assert alias.merged_into_id is not None
            db.session.remove()
    finally:
        context.close()
