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


def _a_working_day(app, file_case, make_person, set_due, admin) -> None:
    """Requests in every state a manager sees (overdue, due this week, answered), and items past
    their retention date (one kept by a legal hold), so the pages show what they are for."""
    from datetime import date, timedelta

    import sqlalchemy as sa

    from portal.common.time import utcnow
    from portal.extensions import db
    from portal.inventory.models import Item
    from portal.inventory.summary import refresh

    people = [make_person(items={("contact", "address"): "東京都港区見本1-2-3", ("purchase", "line"): "抹茶どら焼き",
                                 ("identity", "name"): f"見本 花子{n}"}) for n in range(8)]
    for n, person in enumerate(people):
        case = file_case(type=("disclosure", "erasure", "correction", "suspension")[n % 4], person_id=person,
                         requester_name=f"見本 花子{n}", status=("received", "verified", "in_progress")[n % 3],
                         assignee_id=admin.id if n % 2 else None)
        if n in (1, 4):
            set_due(case.reference, utcnow() - timedelta(days=n))  # overdue
        elif n in (2, 5):
            set_due(case.reference, utcnow() + timedelta(days=2))  # due this week or soon
    file_case(type="disclosure", person_id=people[0], status="completed", assignee_id=admin.id)
    with app.app_context():
        db.session.execute(sa.update(Item).where(Item.person_id.in_(people[:5]), Item.category != "identity")
                           .values(retain_until=date(2024, 3, 31)))
        db.session.execute(sa.update(Item).where(Item.person_id == people[0], Item.category == "purchase")
                           .values(legal_hold_until=date(2031, 3, 31), legal_hold_reason="法人税法により7年間保存"))
        refresh(people[:5])  # their retention changed behind the ORM: as a write would, recount them
        db.session.commit()
        db.session.remove()


def test_every_staff_page_opens_and_fits_a_phone(app, live_server, browser, create_staff, login_staff, file_case,
                                                 make_person, set_due):
    admin = create_staff("admin", name="管理 太郎")
    _a_working_day(app, file_case, make_person, set_due, admin)
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


def _four_eyes_on(app) -> None:
    import sqlalchemy as sa

    from portal.audit.services import Actor
    from portal.dsr.models import Jurisdiction, Policy
    from portal.dsr.policies import update_policy
    from portal.extensions import db

    with app.app_context():
        policy = db.session.scalar(sa.select(Policy).where(Policy.jurisdiction == Jurisdiction.APPI,
                                                           Policy.request_type.is_(None)))
        update_policy(policy, changes={"four_eyes": True}, actor=Actor("test"))
        db.session.commit()
        db.session.remove()


def _submit_erasure(app, reference: str, agent) -> None:
    """The agent's erasure of everything, submitted for approval as the request page submits it."""
    from portal.audit.services import Actor
    from portal.dsr.decisions import Decision
    from portal.dsr.decisions.four_eyes import submit_decision
    from portal.dsr.queries import get_by_reference
    from portal.extensions import db

    with app.app_context():
        submit_decision(get_by_reference(reference), actor=Actor("staff", agent.id),
                        decision=Decision(everything=True, answer="ご依頼のとおり、お客様のデータを消去いたしました。"))
        db.session.commit()
        db.session.remove()


def test_four_eyes_pages_show_the_pending_decision_and_fit_a_phone(app, live_server, browser, create_staff,
                                                                   login_staff, file_case, make_person):
    """The request page while an erasure awaits approval (the agent's view and the manager's, who
    approves or sends it back), and the account page with the mail settings."""
    _four_eyes_on(app)
    person = make_person(name="見本 花子", items={("contact", "address"): "東京都港区見本1-2-3",
                                                  ("contact", "phone"): "090-0000-0000",
                                                  ("purchase", "item"): "抹茶どら焼き"})
    agent, manager = create_staff("agent", name="担当 次郎"), create_staff("manager", name="管理 三郎")
    case = file_case(type="erasure", person_id=person, status="in_progress", requester_name="見本 花子",
                     details={"scope": "all", "ground": "no_longer_needed"}, assignee_id=agent.id)
    _submit_erasure(app, case.reference, agent)
    page_url = f"{live_server}/staff/requests/{case.reference}"
    sideways = []
    for size, english, suffix in ((None, True, "1440-en"), (PHONE_JA, False, "390-ja")):
        options = {"size": size} if size else {}
        for account, name, url in ((agent, "staff-request-pending-approval", page_url),
                                   (manager, "staff-request-approval", page_url),
                                   (agent, "staff-account", f"{live_server}/staff/account")):
            context, page = staff_browser(app, browser, live_server, login_staff, account, english=english, **options)
            try:
                assert page.goto(url).status == 200
                if name == "staff-request-approval":
                    assert page.locator("#approval button[data-primary]").is_visible()
                    page.locator("#next-step").scroll_into_view_if_needed()
                screenshot(page, f"{name}-{suffix}")
                if size and (width := page.evaluate("document.documentElement.scrollWidth")) > 390:
                    widest = page.evaluate("""() => [...document.querySelectorAll('main *')]
                        .filter(e => e.getBoundingClientRect().right > 391).slice(0, 3)
                        .map(e => e.tagName + '.' + e.className).join(' > ')""")
                    sideways.append(f"{name} {suffix} ({width}px: {widest})")
            finally:
                context.close()
    assert not sideways, f"these pages scroll sideways on a phone: {sideways}"
