"""An answer that did not arrive, as staff see it (request page, queue, dashboard) and a
withdrawn download as the customer sees it: at 1440×900 in English and 390×844 in Japanese,
no sideways scrolling, the alert and its two actions in the first screen."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.common.time import utcnow
from portal.extensions import db
from portal.inventory.models import Category, Item
from tests.browser.staff_console import AGENT, PHONE_JA, WIDE, screenshot, staff_browser, top_of
from tests.fixtures.pages import in_english
from tests.customer.records import HANAKO, HANAKO_VALUES, two_customers

pytestmark = pytest.mark.browser


def _no_sideways_scroll(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_an_undelivered_answer_is_flagged_on_the_request_page_queue_and_dashboard(
        app, live_server, browser, create_staff, login_staff, import_lines, file_case, act, client, smtp_server,
        package_dir):
    import_lines(*two_customers())
    with app.app_context():
        person_id = db.session.scalar(sa.select(sa.text("id")).select_from(sa.text("person")).where(
            sa.text("key = :k")).params(k=HANAKO))
        db.session.remove()
    manager = create_staff("manager", name="管理 花子")
    login_staff(client, manager)
    case = file_case(type="erasure", person_id=person_id, status="in_progress", email=HANAKO_VALUES["email"],
                     details={"scope": "chosen", "categories": ["purchase"], "ground": "no_longer_needed"})
    smtp_server.rejecting = True
    assert act(case, "complete", scope="chosen", category="purchase", confirmed="yes").status_code == 302

    for size, english, width, suffix in ((WIDE, True, 1440, "1440-en"), (PHONE_JA, False, 390, "390-ja")):
        context, page = staff_browser(app, browser, live_server, login_staff, manager, size=size, english=english)
        try:
            page.goto(f"{live_server}/staff/requests/{case.reference}")
            alert = page.locator("section.stale[role=alert]").first
            assert alert.is_visible()
            assert top_of(page, "section.stale[role=alert] button") < size["viewport"]["height"]
            _no_sideways_scroll(page, width)
            screenshot(page, f"staff-undelivered-request-{suffix}")
            page.goto(f"{live_server}/staff/?status=any&undelivered=1")
            assert page.locator(".badge-danger").filter(has_text="Answer not delivered" if english else "回答未達").count()
            _no_sideways_scroll(page, width)
            page.goto(f"{live_server}/staff/reports")
            assert page.locator("#undelivered .figure a").inner_text() == "1"
            _no_sideways_scroll(page, width)
            screenshot(page, f"staff-dashboard-undelivered-{suffix}")
        finally:
            context.close()


def test_a_withdrawn_download_says_why_on_the_customer_page(
        app, live_server, browser, create_staff, login_staff, login_customer, import_lines, file_case, act, client,
        package_dir):
    import_lines(*two_customers())
    with app.app_context():
        person_id = db.session.scalar(sa.select(sa.text("id")).select_from(sa.text("person")).where(
            sa.text("key = :k")).params(k=HANAKO))
        db.session.add(Item(person_id=person_id, category=Category.DEVICE, field="os", value="iOS 18",
                            collected_at=utcnow()))
        db.session.commit()
        db.session.remove()
    login_staff(client, create_staff("agent"))
    disclosure = file_case(type="disclosure", person_id=person_id, status="in_progress", email=HANAKO_VALUES["email"])
    act(disclosure, "complete", format="zip")
    erasure = file_case(type="erasure", person_id=person_id, status="in_progress", email=HANAKO_VALUES["email"],
                        details={"scope": "chosen", "categories": ["device"], "ground": "no_longer_needed"})
    act(erasure, "complete", scope="chosen", category="device", confirmed="yes")

    for size, locale, width, suffix in ((PHONE_JA, "ja-JP", 390, "390-ja"), (WIDE, "en-US", 1440, "1440-en")):
        customer = app.test_client()
        customer.environ_base.update({"HTTP_USER_AGENT": AGENT, "REMOTE_ADDR": "127.0.0.1"})
        if locale == "en-US":
            in_english(customer)
        login_customer(customer, HANAKO_VALUES["email"], stepped_up=True)
        context = browser.new_context(**size, locale=locale, user_agent=AGENT)
        context.add_cookies([{"name": "session", "value": customer.get_cookie("session").value, "url": live_server}])
        page = context.new_page()
        try:
            page.goto(f"{live_server}/my/requests/{disclosure.reference}")
            text = page.locator("#package").inner_text()
            assert erasure.reference in text
            _no_sideways_scroll(page, width)
            page.locator("#package").scroll_into_view_if_needed()
            screenshot(page, f"customer-package-withdrawn-{suffix}")
        finally:
            context.close()
