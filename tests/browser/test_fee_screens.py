"""Fees in a real browser: the customer sees the fee on the disclosure form, staff see it on
the request page and record it paid; the admin's policy form has the fee fields. A phone in
Japanese and a desktop in English; nothing scrolls sideways. Screenshots go to pytest's tmp
dir, or to $PORTAL_SCREENSHOTS (docs/screens) when set."""
from __future__ import annotations

import pytest

from tests.browser.test_incident_screens import WIDE, log_in, shoot
from tests.browser.test_opt_out_screens import verify
from tests.customer.records import two_customers
from tests.fees.test_fees import add_fee

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


@pytest.mark.parametrize("size, language", [("390", "ja"), ("1440", "en")])
def test_fee_pages(app, live_server, browser, import_lines, smtp_server, create_staff, tmp_path, size, language):
    import_lines(*two_customers())
    add_fee(app)
    options = PHONE if size == "390" else {"viewport": WIDE}

    customer = browser.new_context(**options, locale="ja-JP")
    page = customer.new_page()
    verify(page, live_server, smtp_server, "hanako@example.jp")
    if language == "en":
        page.locator("form.lang-switch button[value=en]").click()
        page.wait_for_load_state()
    page.goto(live_server + "/my/requests/new/disclosure")
    page.locator("aside.fee-notice").scroll_into_view_if_needed()
    shoot(page, tmp_path, f"fee-request-form-{language}-{size}", element="aside.fee-notice")
    page.locator("main form button[type=submit].primary").click()
    page.wait_for_url("**/my/requests/MG-*")
    reference = page.url.rsplit("/", 1)[1]
    customer.close()

    staff = browser.new_context(**options, locale="ja-JP")
    desk = staff.new_page()
    log_in(app, desk, live_server, create_staff("admin"))
    if language == "en":
        desk.locator("form.lang-switch button[value=en]").click()
        desk.wait_for_load_state()
    desk.goto(live_server + f"/staff/requests/{reference}")
    shoot(desk, tmp_path, f"fee-request-page-{language}-{size}", element="#fee")
    desk.locator("#fee form button.primary").click()
    desk.wait_for_url(f"**/staff/requests/{reference}")
    assert desk.locator("#fee .badge-ok").is_visible()
    desk.goto(live_server + "/staff/policies/appi/disclosure")
    shoot(desk, tmp_path, f"fee-policy-{language}-{size}", element="fieldset:has(#fee_amount)")
    staff.close()
