"""Screenshots of every staff page for docs/screens/ (1440×900 in English, 390×844 in Japanese).

Run with PORTAL_SCREENS=1; otherwise it only checks that each page opens without sideways
scrolling on a phone. The pages are the staff area's GET routes without parameters, read from
the URL map, so a new page is photographed without editing this file.
"""
from __future__ import annotations

import pytest

from tests.browser.staff_console import PHONE_JA, screenshot, staff_browser

pytestmark = pytest.mark.browser

CORE = {"/staff/", "/staff/requests/new", "/staff/retention", "/staff/reports", "/staff/account"}
SKIPPED = {"/staff/login", "/staff/login/2fa", "/staff/logout", "/staff/2fa/qr.svg", "/staff/set-password"}


def staff_pages(app) -> list[str]:
    rules = [rule for rule in app.url_map.iter_rules()
             if rule.rule.startswith("/staff/") and "GET" in rule.methods and not rule.arguments
             and "." not in rule.rule.rsplit("/", 1)[-1]]  # files (CSV, SVG) are not pages
    return sorted({rule.rule for rule in rules} - SKIPPED)


def _name(path: str) -> str:
    return "staff-" + (path.strip("/").removeprefix("staff").strip("/").replace("/", "-") or "home")


def test_every_staff_page_opens_and_fits_a_phone(app, live_server, browser, create_staff, login_staff, file_case,
                                                 make_person):
    for n in range(8):
        file_case(type=("disclosure", "erasure", "correction", "suspension")[n % 4], person_id=make_person(),
                  requester_name=f"見本 花子{n}", status=("received", "verified", "in_progress")[n % 3])
    admin = create_staff("admin", name="管理 太郎")
    pages = staff_pages(app)
    sideways = []
    assert "/staff/" in pages and "/staff/requests/new" in pages and "/staff/retention" in pages
    for size, english, suffix in ((None, True, "1440-en"), (PHONE_JA, False, "390-ja")):
        options = {"size": size} if size else {}
        context, page = staff_browser(app, browser, live_server, login_staff, admin, english=english, **options)
        try:
            for path in pages:
                response = page.goto(live_server + path)
                if response.headers.get("content-type", "").startswith("text/html") is False:
                    continue  # a CSV or a file
                if response.status == 404 and path not in CORE:
                    continue  # a page that needs its query (a merge preview without the two records)
                assert response.status == 200, path
                screenshot(page, f"{_name(path)}-{suffix}")
                if size and (width := page.evaluate("document.documentElement.scrollWidth")) > 390:
                    widest = page.evaluate("""() => [...document.querySelectorAll('main *')]
                        .filter(e => e.getBoundingClientRect().right > 391).slice(0, 3)
                        .map(e => e.tagName + '.' + e.className).join(' > ')""")
                    sideways.append(f"{path} ({width}px: {widest})")
        finally:
            context.close()
    assert not sideways, f"these staff pages scroll sideways on a phone: {sideways}"
