"""A manager loads a business-card CSV (Shift_JIS) at /staff/imports: uploads it, maps the columns
while looking at the first rows, checks it and loads it — on a desktop in English and on a phone
in Japanese (no sideways scrolling).

Set PORTAL_SCREENS_DIR=docs/screens to keep the screenshots for the README.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.inventory.models import Person
from tests.fixtures.browser import PHONE, assert_no_sideways_scroll, keep_screenshot, login_staff_in_browser
from tests.inventory.records import PURPOSE, SOURCE

pytestmark = pytest.mark.browser

CSV = ("名刺ID,氏名,メールアドレス,会社名,部署名,交換日\r\n"
       "1001,山田 花子,hanako@example.jp,株式会社サンプル,営業部,2023/9/14\r\n"
       "1002,佐藤 一郎,,サンプル商事株式会社,総務部,2023年9月15日\r\n"
       "1003,鈴木 次郎,,株式会社テスト,,2023/9/16\r\n").encode("cp932")
CHOICES = {"氏名": "person.name", "メールアドレス": "person.email", "会社名": "business_card.company",
           "部署名": "business_card.department"}


@pytest.mark.parametrize("size, locale, words", [
    ("desktop", "en-GB", {"login": "Log in", "upload": "Upload and map the columns",
                          "check": "Save the mapping and check the file", "load": "Load the data", "done": "Loaded"}),
    ("phone", "ja-JP", {"login": "ログイン", "upload": "アップロードして列を対応付ける",
                        "check": "対応付けを保存してファイルを確認する", "load": "データを取り込む", "done": "取り込みました"}),
])
def test_a_manager_maps_checks_and_loads_a_card_export(app, live_server, browser, create_staff, import_lines,
                                                       upload_dir, tmp_path, size, locale, words):
    import_lines(SOURCE, PURPOSE)
    export = tmp_path / "名刺一覧.csv"
    export.write_bytes(CSV)
    manager = create_staff("manager")
    viewport = PHONE if size == "phone" else {"viewport": {"width": 1440, "height": 900}}
    context = browser.new_context(**viewport, locale=locale)
    page = context.new_page()
    try:
        login_staff_in_browser(page, app, live_server, manager, button=words["login"], english=locale.startswith("en"))
        page.goto(live_server + "/staff/imports")
        assert_no_sideways_scroll(page)
        keep_screenshot(page, f"staff-csv-import-{size}-{locale[:2]}.png")
        page.locator("input[type=file]").set_input_files(str(export))
        page.get_by_role("button", name=words["upload"]).click()
        page.wait_for_url("**/staff/imports/*")
        assert "山田 花子" in page.inner_text("main")  # the preview, decoded from Shift_JIS
        for column, target in CHOICES.items():
            page.get_by_label(column, exact=True).select_option(target)
        page.locator("select[name=key]").select_option("名刺ID")
        page.locator("input[name=key_prefix]").fill("CARD-")
        page.locator("input[name=purposes]").first.check()
        page.locator("select[name=collected_at]").select_option("交換日")
        page.locator("input[name=name]").fill("名刺（展示会）")
        page.get_by_role("button", name=words["check"]).click()
        load = page.get_by_role("button", name=words["load"])
        assert load.is_visible()
        assert_no_sideways_scroll(page)
        keep_screenshot(page, f"staff-csv-import-check-{size}-{locale[:2]}.png")
        load.click()
        page.wait_for_url("**/staff/imports")
        assert words["done"] in page.inner_text("body")
        with app.app_context():
            keys = set(db.session.scalars(sa.select(Person.key)))
            assert keys == {"CARD-1001", "CARD-1002", "CARD-1003"}
            db.session.remove()
    finally:
        context.close()
