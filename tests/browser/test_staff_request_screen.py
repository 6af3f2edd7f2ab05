"""The request page at 1440×900: the due date and the next step's primary action in the first
screen; an erasure is applied only from its confirmation step, which shows what will change."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.inventory.models import Item
from tests.browser.staff_console import PHONE_JA, screenshot, staff_browser, top_of

pytestmark = pytest.mark.browser

ITEMS = {("identity", "name"): "山田 花子", ("contact", "address"): "東京都港区1-1", ("contact", "phone"): "090-0000-0111",
         ("purchase", "order-1"): "2025-01-01 お茶", ("purchase", "order-2"): "2025-02-01 菓子"}


def items_of(app, person_id: int) -> int:
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(Item).where(Item.person_id == person_id))
        db.session.remove()
    return count


def test_the_first_screen_shows_the_due_date_and_the_primary_action_and_erasure_needs_confirming(
        app, live_server, browser, create_staff, login_staff, file_case, make_person, case_state):
    person_id = make_person(name="山田 花子", email="hanako@example.jp", items=ITEMS)
    erasure = file_case(type="erasure", person_id=person_id, email="hanako@example.jp", requester_name="山田 花子")
    agent = create_staff("agent", name="担当 一郎")
    context, page = staff_browser(app, browser, live_server, login_staff, agent)
    try:
        page.goto(f"{live_server}/staff/requests/{erasure.reference}")
        due_y, action_y = top_of(page, ".due-fact"), top_of(page, "[data-primary]")
        height = page.evaluate("document.documentElement.scrollHeight")
        print(f"request page 1440x900: due date at y={due_y:.0f}, primary action at y={action_y:.0f}, "
              f"page height {height} px")
        assert due_y < 900 and action_y + 40 < 900
        assert page.get_by_role("link", name="Timeline (").count() == 1  # the timeline is one click away
        screenshot(page, "staff-request-1440-en")
        # Nothing is preselected: the scope must be chosen.
        assert not page.get_by_label("Everything", exact=True).is_checked()
        page.get_by_label("Everything", exact=True).check()
        page.locator("[data-primary]").click()
        page.wait_for_selector("#confirm")
        confirm = page.locator("#confirm").inner_text()
        assert "5 items will be erased" in confirm and "Purchase" in confirm or "purchase" in confirm.lower()
        assert items_of(app, person_id) == 5  # nothing erased yet
        assert case_state(erasure.reference)[0].status.value == "verified"
        screenshot(page, "staff-request-erasure-confirm-1440-en")
        page.get_by_role("button", name="Erase now").click()
        page.wait_for_selector(".flash-success")
        assert items_of(app, person_id) == 0
        assert case_state(erasure.reference)[0].status.value == "completed"
    finally:
        context.close()

    other = file_case(type="correction", person_id=make_person(), status="received")
    context, page = staff_browser(app, browser, live_server, login_staff, agent, size=PHONE_JA, english=False)
    try:
        page.goto(f"{live_server}/staff/requests/{other.reference}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "staff-request-390-ja")
    finally:
        context.close()
