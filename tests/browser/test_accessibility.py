"""Accessibility: axe-core finds no serious or critical violation on the customer journey
and the staff queue, in Japanese and in English; `lang` follows the chosen language; the
verification journey works by keyboard alone.

axe-core comes from the npm package (package.json, installed into node_modules/ by
`npm ci`) and is evaluated by Playwright, not served by the app, so the CSP stays strict.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.customer.records import HANAKO_VALUES as V
from tests.customer.records import two_customers
from tests.fixtures.verification import read_mail

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = {"serious", "critical"}


def AXE_SOURCE() -> str:  # noqa: N802  (read once per check; small enough)
    return AXE.read_text(encoding="utf-8") + "\n;void 0"


@pytest.fixture(autouse=True)
def _axe_installed():
    if not AXE.exists():
        message = f"axe-core is not installed at {AXE}: run `npm ci` (make test does)"
        if os.environ.get("PORTAL_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)


def check(page, where: str, language: str) -> None:
    """Run axe on the page as it is now; fail with each serious/critical rule and its elements."""
    assert page.locator("html").get_attribute("lang") == language, where
    # Evaluated through the DevTools protocol: the page's CSP stays on (a <script> tag would be refused).
    page.evaluate(AXE_SOURCE())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']} — " + ", ".join(" ".join(n["target"]) for n in v["nodes"][:5])
        for v in result["violations"] if v["impact"] in BLOCKING
    ]
    assert not problems, f"{where} [{language}]:\n" + "\n".join(problems)


def choose_language(page, language: str) -> None:
    if language == "en":
        page.locator("form.lang-switch button[value=en]").click()
        page.wait_for_load_state()


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_customer_journey_has_no_serious_accessibility_problem(
        live_server, desktop_page, smtp_server, import_lines, language):
    import_lines(*two_customers())
    page = desktop_page
    page.goto(live_server + "/")
    choose_language(page, language)
    check(page, "landing", language)
    page.goto(live_server + "/notice")
    check(page, "notice", language)
    page.goto(live_server + "/verify?next=/my/data")
    check(page, "verification start", language)
    page.locator("input[name=email]").fill(V["email"])
    page.locator("form button[type=submit].primary").click()
    page.wait_for_url("**/verify/code")
    check(page, "code page", language)
    page.locator("input[name=code]").fill(read_mail(smtp_server.to(V["email"])[-1]).code)
    page.locator("form button[type=submit].primary").click()
    page.wait_for_url("**/my/data")
    check(page, "my data (masked)", language)
    page.goto(live_server + "/verify/step-up?next=/my/data")
    check(page, "step-up", language)
    page.locator("input[name=check][value=birthdate]").check()
    page.locator("input[name=answer]").fill(V["birthdate"])
    page.locator("form button[type=submit].primary").click()
    page.wait_for_url("**/my/data")
    check(page, "my data (stepped up)", language)
    page.goto(live_server + "/my/requests")
    check(page, "my requests", language)
    page.goto(live_server + "/my/requests/new/disclosure")
    check(page, "a request form", language)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_staff_queue_and_request_page_have_no_serious_accessibility_problem(
        live_server, desktop_page, create_staff, make_person, file_case, language):  # noqa: F811
    person_id = make_person(name="山田 花子", email="hanako@example.jp", items={("contact", "address"): "東京都港区1-1"})
    case = file_case(type="disclosure", person_id=person_id, email="hanako@example.jp", requester_name="山田 花子")
    agent = create_staff("agent", with_2fa=False, name="担当 一郎")
    page = desktop_page
    page.goto(live_server + "/staff/login")
    choose_language(page, language)
    check(page, "staff login", language)
    page.locator("input[name=email]").fill(agent.email)
    page.locator("input[name=password]").fill(agent.password)
    page.locator("form button[type=submit].primary").click()
    page.wait_for_url("**/staff/")
    check(page, "staff queue", language)
    page.goto(live_server + f"/staff/requests/{case.reference}")
    check(page, "staff request page", language)
    page.goto(live_server + "/staff/retention")
    check(page, "retention", language)


def test_the_verification_journey_works_with_the_keyboard_alone(live_server, desktop_page, smtp_server, import_lines):
    import_lines(*two_customers())
    page = desktop_page
    page.goto(live_server + "/")

    def tab_to(selector: str, limit: int = 40) -> None:
        target = page.locator(selector).first
        for _ in range(limit):
            page.keyboard.press("Tab")
            if target.evaluate("element => element === document.activeElement"):
                return
        raise AssertionError(f"Tab never reached {selector}")

    tab_to("main a[href^='/verify'], main a[href^='/my']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/verify**")
    tab_to("input[name=email]")
    page.keyboard.type(V["email"])
    page.keyboard.press("Enter")
    page.wait_for_url("**/verify/code")
    tab_to("input[name=code]")
    page.keyboard.type(read_mail(smtp_server.to(V["email"])[-1]).code)
    tab_to("form button[type=submit].primary")
    page.keyboard.press("Enter")
    page.wait_for_url("**/my/**")
    assert "/verify" not in page.url
