"""In Japanese, on a desktop: a manager opens the dashboard and sees the weekly charts drawn as
SVG, with the numbers in a table beside them (a screenshot is kept under pytest's tmp dir)."""
from datetime import timedelta

import pytest

from portal.common.time import JST, utcnow
from tests.fixtures.staff import totp_code_for

pytestmark = pytest.mark.browser


def test_a_manager_sees_the_dashboard_with_charts_and_tables_in_japanese(
        app, live_server, desktop_page, create_staff, add_request, tmp_path):  # noqa: F811
    today = utcnow().astimezone(JST).replace(hour=10, minute=0, second=0, microsecond=0)
    for weeks_ago, days in ((1, 3), (2, 10), (5, 20)):
        received = today - timedelta(weeks=weeks_ago)
        add_request(received=f"{received:%Y-%m-%d %H:%M}", closed=f"{received + timedelta(days=days):%Y-%m-%d %H:%M}",
                    due=f"{received + timedelta(days=14):%Y-%m-%d %H:%M}")
    add_request(received=f"{today:%Y-%m-%d %H:%M}", due=f"{today - timedelta(days=1):%Y-%m-%d %H:%M}")
    manager = create_staff("manager", name="管理 花子")

    page = desktop_page
    page.goto(live_server + "/staff/login")
    page.get_by_label("メールアドレス").fill(manager.email)
    page.get_by_label("パスワード").fill(manager.password)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url("**/staff/login/2fa")
    page.locator("input[name=code]").fill(totp_code_for(app, manager))
    page.locator("form[action$='/staff/login/2fa'] button[type=submit]").click()
    page.wait_for_url("**/staff/")
    page.get_by_role("link", name="レポート").first.click()
    page.wait_for_url("**/staff/reports")

    assert page.get_by_role("heading", name="レポート", level=1).is_visible()
    volume = page.get_by_role("img", name="週ごとの受付件数")
    on_time = page.get_by_role("img", name="週ごとの期限内回答の割合")
    assert volume.is_visible() and on_time.is_visible()
    assert volume.locator("rect").count() == 26
    weekly = page.locator("table#weekly")
    assert weekly.is_visible() and "週ごとの請求数" in weekly.locator("caption").inner_text()
    assert page.locator("table#by-type").is_visible() and "日数の中央値" in page.locator("table#by-type").inner_text()
    assert "期限超過" in page.locator("#now-title").locator("..").inner_text()
    screenshot = tmp_path / "reports-dashboard-ja.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 10_000
