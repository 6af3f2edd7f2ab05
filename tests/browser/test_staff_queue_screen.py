"""The queue at 1440×900 with 60 open requests: at least 15 requests in the first screen."""
from __future__ import annotations

import pytest

from tests.browser.staff_console import PHONE_JA, rows_in_first_screen, screenshot, staff_browser

pytestmark = pytest.mark.browser


def test_the_first_screen_shows_at_least_fifteen_requests(
        app, live_server, browser, create_staff, login_staff, file_case, make_person):
    for n in range(60):
        file_case(type=("disclosure", "erasure", "correction")[n % 3], requester_name=f"山田 花子{n}",
                  person_id=make_person() if n % 4 else None, status="received" if n % 7 == 0 else "verified")
    manager = create_staff("manager", name="管理 花子")
    context, page = staff_browser(app, browser, live_server, login_staff, manager)
    try:
        page.goto(live_server + "/staff/")
        assert page.locator("table.queue-table tbody tr").count() == 50
        visible = rows_in_first_screen(page)
        print(f"queue rows in the first screen at 1440x900: {visible}; page height "
              f"{page.evaluate('document.documentElement.scrollHeight')} px")
        screenshot(page, "staff-queue-1440-en")
        assert visible >= 15
        # No row wraps: each is one line.
        heights = page.evaluate("[...document.querySelectorAll('table.queue-table tbody tr')].map(r => r.offsetHeight)")
        assert max(heights) <= 40, heights
        screenshot(page, "staff-queue-1440-en")
        # "At risk" is one click away.
        page.get_by_role("link", name="At risk").first.click()
        page.wait_for_url("**/staff/?risk=1")
        assert page.locator(".chips").get_by_text("At risk").count() == 1
        screenshot(page, "staff-queue-at-risk-1440-en")
        # More filters fold open, and a filter in use shows as a chip that removes it.
        page.get_by_text("More filters").click()
        page.get_by_label("Overdue", exact=True).check()
        page.get_by_role("button", name="Show").click()
        page.wait_for_url("**overdue=1**")
        page.get_by_role("link", name="Remove the filter: Overdue").click()
        page.wait_for_url(lambda url: "overdue" not in url)
    finally:
        context.close()

    context, page = staff_browser(app, browser, live_server, login_staff, manager, size=PHONE_JA, english=False)
    try:
        page.goto(live_server + "/staff/")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "staff-queue-390-ja")
    finally:
        context.close()
