"""Staff intake at /staff/requests/new: a letter that arrived five days ago, the person found in
the register, identity documents seen — the request is due 14 days from the letter's date."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEntry
from portal.common.time import utcnow
from portal.dsr.calendar import japan_date
from portal.dsr.models import DataRequest, EventKind
from portal.extensions import db
from tests.browser.staff_console import PHONE_JA, screenshot, staff_browser

pytestmark = pytest.mark.browser


def test_a_request_filed_by_staff_with_an_earlier_date_is_due_from_that_date(
        app, live_server, browser, create_staff, login_staff, make_person, case_state):
    person_id = make_person(name="山田 花子", email="hanako@example.jp")
    agent = create_staff("agent", name="担当 一郎")
    received_on = japan_date(utcnow()) - timedelta(days=5)
    context, page = staff_browser(app, browser, live_server, login_staff, agent)
    try:
        page.goto(live_server + "/staff/")
        page.get_by_role("link", name="File a request received by phone, post or at the counter").click()
        page.wait_for_url("**/staff/requests/new")
        screenshot(page, "staff-intake-1440-en")
        page.get_by_label("Type of request").select_option("disclosure")
        page.get_by_label("By post").check()
        page.get_by_label("Date received").fill(received_on.isoformat())
        page.get_by_label("Find the person in the register").fill("山田花子")
        page.get_by_role("button", name="Search the register").click()
        page.get_by_label("山田 花子 · C-").check()
        page.get_by_label("I saw identity documents").check()
        page.get_by_label("Driving licence").check()
        page.get_by_role("button", name="File the request").click()
        page.wait_for_url("**/staff/requests/MG-*")
        reference = page.url.rsplit("/", 1)[1]
        assert "is filed" in page.locator(".flashes").inner_text()
        screenshot(page, "staff-intake-filed-1440-en")
    finally:
        context.close()

    request, events = case_state(reference)
    assert request.person_id == person_id and request.channel.value == "post"
    assert japan_date(request.received_at) == received_on
    assert request.status.value == "verified"
    assert japan_date(request.due_at) == received_on + timedelta(days=14)  # APPI: 14 days from receipt
    assert any(e.kind is EventKind.INTERNAL_NOTE and "運転免許証" in (e.body or "") for e in events)
    with app.app_context():
        actions = set(db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.target_id == reference)))
        assert {"dsr.request.created", "staff.filed_request"} <= actions
        assert db.session.scalar(sa.select(sa.func.count()).select_from(DataRequest)) == 1
        db.session.remove()

    context, page = staff_browser(app, browser, live_server, login_staff, agent, size=PHONE_JA, english=False)
    try:
        page.goto(live_server + "/staff/requests/new")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "staff-intake-390-ja")
    finally:
        context.close()
