"""Helpers for the staff console's browser tests: a logged-in browser at a given size and
language, and screenshots for docs/screens/ when PORTAL_SCREENS is set (never by default)."""
from __future__ import annotations

import os
from pathlib import Path

from tests.fixtures.pages import in_english

WIDE = {"viewport": {"width": 1440, "height": 900}}
PHONE_JA = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 1, "is_mobile": True, "has_touch": True}
AGENT = "Mozilla/5.0 (X11; Linux x86_64) Chromium (Madoguchi browser tests)"
SCREENS = Path(__file__).resolve().parents[2] / "docs" / "screens"


def staff_browser(app, browser, live_server, login_staff, account, *, size=WIDE, english=True):
    """A browser page logged in as `account` (through the real log-in form of a test client
    whose session cookie is handed to the browser: a TOTP step in the browser proves nothing new)."""
    # Flask-Login's "strong" protection ties the session to the address and user agent: the
    # test client speaks from the browser's loopback address with the browser's agent string.
    client = app.test_client()
    client.environ_base.update({"HTTP_USER_AGENT": AGENT, "REMOTE_ADDR": "127.0.0.1"})
    if english:
        in_english(client)
    login_staff(client, account)
    cookie = client.get_cookie("session")
    context = browser.new_context(**size, locale="en-US" if english else "ja-JP", user_agent=AGENT)
    context.add_cookies([{"name": "session", "value": cookie.value, "url": live_server}])
    return context, context.new_page()


def screenshot(page, name: str) -> None:
    """Save `docs/screens/<name>.png` (first screen only, so files stay small) when asked."""
    if os.environ.get("PORTAL_SCREENS") == "1":
        SCREENS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENS / f"{name}.png"))


def rows_in_first_screen(page, selector: str = "table.queue-table tbody tr") -> int:
    """How many rows are wholly inside the first screen (the viewport, unscrolled)."""
    return page.evaluate("""(selector) => {
        const height = window.innerHeight;
        return [...document.querySelectorAll(selector)]
            .filter(row => { const box = row.getBoundingClientRect(); return box.top >= 0 && box.bottom <= height; })
            .length;
    }""", selector)


def top_of(page, selector: str) -> float:
    return page.evaluate("(s) => document.querySelector(s).getBoundingClientRect().top + window.scrollY", selector)
