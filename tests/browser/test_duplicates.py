"""A manager finds the two records of 山田 花子 on the Duplicates page, reviews what moves and merges
them, on a desktop in English and on a phone in Japanese (no sideways scrolling).

Set PORTAL_SCREENS_DIR=docs/screens to keep the screenshots for the README.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.inventory.models import Person
from tests.fixtures.browser import PHONE
from tests.fixtures.staff import totp_code_for

pytestmark = pytest.mark.browser


def _login(page, app, base_url, account, *, button, english: bool):
    page.goto(base_url + "/staff/login")
    if english and page.locator("html").get_attribute("lang") != "en":  # en-US browsers get English already
        page.locator("form.lang-switch button[value=en]").click()
        page.wait_for_load_state()
    page.locator("input[name=email]").fill(account.email)
    page.locator("input[name=password]").fill(account.password)
    page.get_by_role("button", name=button).click()
    page.wait_for_url("**/staff/login/2fa")
    page.locator("input[name=code]").fill(totp_code_for(app, account))
    page.locator("form[action$='/staff/login/2fa'] button[type=submit]").click()
    page.wait_for_url("**/staff/")


def _keep(page, name: str) -> None:
    folder = os.environ.get("PORTAL_SCREENS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / name), full_page=True)


def _no_sideways_scroll(page) -> None:
    # Against the viewport asked for: a phone browser widens its layout to fit what overflows.
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


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
        _login(page, app, live_server, manager, button=words["login"], english=locale.startswith("en"))
        page.goto(live_server + "/staff/duplicates")
        _no_sideways_scroll(page)
        _keep(page, f"staff-duplicates-{size}-{locale[:2]}.png")
        page.get_by_role("link", name=words["review"]).click()
        page.wait_for_url("**/staff/duplicates/merge?**")
        _no_sideways_scroll(page)
        merge = page.get_by_role("button", name=words["merge"])
        assert merge.is_visible()
        _keep(page, f"staff-duplicates-merge-{size}-{locale[:2]}.png")
        merge.click()
        page.wait_for_url("**/staff/duplicates")
        assert words["done"] in page.inner_text("body")
        with app.app_context():
            alias = db.session.scalar(sa.select(Person).where(Person.key == "W-9001"))
            assert alias.merged_into_id is not None
            db.session.remove()
    finally:
        context.close()
