"""The incident pages in a real browser: a manager records an incident on a phone in Japanese
and follows it on a desktop in English; the notified customer sees the notice on "my data".
Nothing scrolls sideways. Screenshots go to pytest's tmp dir, or to $PORTAL_SCREENSHOTS
(docs/screens) when set."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from portal.audit.services import Actor
from portal.extensions import db
from portal.incidents import affected, services
from portal.incidents.models import Incident
from portal.mail.services import deliver_due
from tests.customer.records import HANAKO_VALUES as V
from tests.customer.records import two_customers
from tests.fixtures.staff import totp_code_for
from tests.fixtures.verification import read_mail

pytestmark = pytest.mark.browser
WIDE = {"width": 1440, "height": 900}


def shoot(page, tmp_path, name: str, *, element: str | None = None) -> None:
    """Check nothing scrolls sideways, then take the first screen as the person sees it (or one
    `element` of the page, e.g. a section further down)."""
    folder = Path(os.environ.get("PORTAL_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), f"{name} scrolls sideways"
    if element:
        page.locator(element).screenshot(path=str(folder / f"{name}.png"))
        return
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(folder / f"{name}.png"), full_page=False)


def log_in(app, page, base: str, account) -> None:
    page.goto(base + "/staff/login")
    page.locator("input[name=email]").fill(account.email)
    page.locator("input[name=password]").fill(account.password)
    page.locator("form[action$='/staff/login'] button[type=submit]").click()
    page.wait_for_url("**/staff/login/2fa")
    page.locator("input[name=code]").fill(totp_code_for(app, account))
    page.locator("form[action$='/staff/login/2fa'] button[type=submit]").click()
    page.wait_for_url("**/staff/")


def test_incident_pages_on_a_phone_in_japanese_and_a_desktop_in_english(
        app, live_server, browser, phone_page, create_staff, import_lines, smtp_server, tmp_path):  # noqa: F811
    import_lines(*two_customers())
    manager = create_staff("manager", name="管理 花子")

    page = phone_page
    log_in(app, page, live_server, manager)
    page.goto(live_server + "/staff/incidents/new")
    page.locator("input[name=title]").fill("見積書の誤送付")
    page.locator("textarea[name=description]").fill("4月1日、見積書を別のお客様に誤って郵送した。")
    page.locator("input[name=discovered_date]").fill("2026-04-01")
    page.locator("input[name=discovered_time]").fill("10:00")
    page.locator("input[value=wrongful_purpose]").check()
    page.locator("textarea[name=notice_text]").fill("お客様の氏名と住所が記載された見積書を、誤って別の方へ郵送いたしました。")
    shoot(page, tmp_path, "incident-new-ja-390")
    page.locator("form button[type=submit].primary").click()
    page.wait_for_url("**/staff/incidents/*")
    assert page.get_by_role("heading", name="見積書の誤送付", level=1).is_visible()
    incident_id = int(page.url.rsplit("/", 1)[1])
    with app.app_context():
        incident = db.session.get(Incident, incident_id)
        affected.choose_affected(incident, affected.Selection(keys=("C-000123",)), actor=Actor("test"))
        services.save_report_draft(incident, {"summary": "見積書を別のお客様に誤って郵送した。", "data_items": "氏名、住所",
                                              "cause": "宛名ラベルの取り違え"}, actor=Actor("test"))
        db.session.commit()
        db.session.remove()
    page.reload()
    shoot(page, tmp_path, "incident-detail-ja-390")
    page.goto(live_server + f"/staff/incidents/{incident_id}/report/preliminary/print")
    shoot(page, tmp_path, "incident-report-ja-390")

    context = browser.new_context(viewport=WIDE, locale="en-US")
    desktop = context.new_page()
    log_in(app, desktop, live_server, manager)
    assert desktop.locator("html").get_attribute("lang") == "en"  # the browser's Accept-Language (en-US)
    desktop.goto(live_server + f"/staff/incidents/{incident_id}")
    desktop.locator("form[action$='/notify'] button").click()
    desktop.wait_for_url(f"**/staff/incidents/{incident_id}#notification")
    assert "Notified: 1 by mail" in desktop.locator(".flashes").inner_text()
    desktop.goto(live_server + f"/staff/incidents/{incident_id}")
    shoot(desktop, tmp_path, "incident-detail-en-1440")
    desktop.goto(live_server + "/staff/incidents")
    assert desktop.get_by_role("heading", name="Incidents", level=1).is_visible()
    shoot(desktop, tmp_path, "incident-list-en-1440")
    desktop.goto(live_server + f"/staff/incidents/{incident_id}/report")
    shoot(desktop, tmp_path, "incident-report-form-en-1440")
    context.close()

    with app.app_context():
        deliver_due()
        db.session.remove()
    [notice] = smtp_server.to(V["email"])
    assert "見積書の誤送付" in notice.get_body(("plain",)).get_content()

    customer = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                   locale="ja-JP")
    mine = customer.new_page()
    mine.goto(live_server + "/my/data")
    mine.get_by_label("メールアドレス").fill(V["email"])
    mine.get_by_role("button", name="リンクとコードを送信する").click()
    mine.wait_for_url("**/verify/code")
    mine.get_by_label("6桁のコード").fill(read_mail(smtp_server.to(V["email"])[-1]).code)
    mine.get_by_role("button", name="確認する").click()
    mine.wait_for_url("**/my/data")
    assert mine.get_by_role("heading", name="お客様の個人情報に関する重要なお知らせ").is_visible()
    shoot(mine, tmp_path, "incident-notice-my-data-ja-390")
    customer.close()
