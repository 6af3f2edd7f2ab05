"""The opt-out pages in a real browser: the notice's opt-out section and the one-step stop, on a
phone in Japanese and a desktop in English. Nothing scrolls sideways. Screenshots go to pytest's
tmp dir, or to $PORTAL_SCREENSHOTS (docs/screens) when set."""
from __future__ import annotations

import json

import pytest

from tests.browser.test_incident_screens import WIDE, shoot
from tests.opt_out.test_notice_opt_out import OPT_OUT
from tests.opt_out.test_opt_out_stop import RECORDS
from tests.fixtures.verification import read_mail

pytestmark = pytest.mark.browser


def verify(page, base: str, smtp_server, email: str) -> None:
    page.goto(base + "/my/data")
    page.locator("input[name=email]").fill(email)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url("**/verify/code")
    page.locator("input[name=code]").fill(read_mail(smtp_server.to(email)[-1]).code)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url("**/my/data")


@pytest.mark.parametrize("size, language", [("390", "ja"), ("1440", "en")])
def test_opt_out_notice_and_stop(app, live_server, browser, import_lines, smtp_server, tmp_path, size, language):
    from portal.common.company import DEMO_COMPANY_FILE

    import_lines(*RECORDS)
    profile = json.loads(DEMO_COMPANY_FILE.read_text(encoding="utf-8"))
    path = tmp_path / "company.json"
    path.write_text(json.dumps({**profile, "opt_out_provision": OPT_OUT}, ensure_ascii=False), encoding="utf-8")
    saved = app.config.get("PORTAL_COMPANY_FILE")
    app.config["PORTAL_COMPANY_FILE"] = str(path)
    options = ({"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
                "has_touch": True} if size == "390" else {"viewport": WIDE})
    context = browser.new_context(**options, locale="ja-JP")
    page = context.new_page()
    try:
        page.goto(live_server + "/notice")
        if language == "en":
            page.locator("form.lang-switch button[value=en]").click()
            page.wait_for_load_state()
        page.goto(live_server + "/notice#opt-out")
        assert page.locator("#opt-out").is_visible()
        shoot(page, tmp_path, f"notice-opt-out-{language}-{size}", element="#opt-out")

        verify(page, live_server, smtp_server, "hanako@example.jp")
        page.goto(live_server + "/my/opt-out")
        shoot(page, tmp_path, f"opt-out-stop-{language}-{size}")
        page.locator("form[action$='/my/opt-out'] button[type=submit]").click()
        page.wait_for_url("**/my/requests/MG-*")
        shoot(page, tmp_path, f"opt-out-stopped-{language}-{size}")
    finally:
        app.config["PORTAL_COMPANY_FILE"] = saved
        context.close()
