"""Every customer page, for a customer with years of history (10,000 purchase lines, 80
provision records), at 390×844 in Japanese and at 1366×900 in English: nothing scrolls
sideways, "my data" fits in 8 phone screens before anything is opened and the recipients
in 2, and axe-core finds no serious or critical problem.

With PORTAL_SCREENS_DIR set, a screenshot of each page is written there (docs/screens/ in
the repository holds the committed set); the measured heights are printed either way.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.browser.test_accessibility import AXE, AXE_SOURCE, BLOCKING
from tests.customer.records import HANAKO, HANAKO_VALUES as V, PURPOSES, SOURCES, item, person

pytestmark = pytest.mark.browser

PHONE_JA = dict(viewport={"width": 390, "height": 844}, device_scale_factor=1, is_mobile=True, has_touch=True,
                locale="ja-JP", extra_http_headers={"Accept-Language": "ja"})
DESKTOP_EN = dict(viewport={"width": 1366, "height": 900}, locale="en-US", extra_http_headers={"Accept-Language": "en"})
MY_DATA_MAX = 6750          # 8 phone screens
PROVISIONS_MAX_SCREENS = 2
PRODUCTS = ["抹茶どら焼き", "有機バナナ 1房", "国産牛乳 1L", "食パン 6枚切り", "緑茶ティーバッグ 50袋", "トイレットペーパー 12ロール"]


def big_history() -> list[dict]:
    """山田 花子 with a register entry, a dozen profile items, 10,000 purchase lines over five
    years, points, consents and 80 provision records (65 of them to the delivery contractor)."""
    records = [*SOURCES, *PURPOSES,
               person(HANAKO, V["email"], V["name"], V["kana"], V["phone"], V["birthdate"], V["number"])]
    records += [
        item(HANAKO, "contact", "address", V["address"]), item(HANAKO, "contact", "phone", V["phone"]),
        item(HANAKO, "contact", "email", V["email"], purposes=("orders", "newsletter-email")),
        item(HANAKO, "identity", "name", V["name"]), item(HANAKO, "identity", "name_kana", V["kana"]),
        item(HANAKO, "demographic", "birthdate", V["birthdate"]), item(HANAKO, "demographic", "gender", "女性"),
        item(HANAKO, "membership", "member_number", V["number"], source="store-card", purposes=("points",)),
        item(HANAKO, "membership", "rank", "ゴールド", source="store-card", purposes=("points",)),
        item(HANAKO, "preference", "favourite_store", "港南店", source="web-signup"),
        item(HANAKO, "survey", "satisfaction", "満足", source="list-2025", purposes=("dm-post",)),
        item(HANAKO, "business_card", "company", "株式会社サンプル商事", source="bigsight-2024"),
    ]
    for n in range(10_000):
        year, day = 2021 + n // 2000, n % 2000
        records.append(item(
            HANAKO, "purchase", "line",
            {"product": PRODUCTS[n % len(PRODUCTS)], "quantity": 1 + n % 3, "price": 120 + (n % 40) * 10,
             "store": "港南店"},
            source="store-card", keyed=False,
            at=f"{year}-{1 + day % 12:02d}-{1 + day % 28:02d}T{9 + n % 10:02d}:{n % 60:02d}:00+09:00",
            purposes=("orders", "points"), retain_until="2032-03-31"))
    for n in range(60):
        records.append(item(HANAKO, "points", "earned", {"points": 10 + n, "reason": "お買い物"}, source="store-card",
                            keyed=False, at=f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}T10:00:00+09:00", purposes=("points",)))
    for purpose, state in (("newsletter-email", "granted"), ("dm-post", "withdrawn"), ("orders", "granted")):
        records.append({"type": "consent", "person": HANAKO, "purpose": purpose, "state": "granted",
                        "at": "2022-04-01T10:00:00+09:00", "method": "web-form"})
        if state == "withdrawn":
            records.append({"type": "consent", "person": HANAKO, "purpose": purpose, "state": "withdrawn",
                            "at": "2024-06-10T10:00:00+09:00", "method": "web-form"})
    recipients = [
        (65, "entrustment", "株式会社サンプル物流", "大阪府大阪市北区サンプル1-1", "代表取締役 佐藤 一郎", ["contact.name", "contact.address", "contact.phone"]),
        (5, "joint_use", "さくらカード株式会社", "東京都港区見本2-2", "代表取締役 見本 次郎", ["membership.member_number", "purchase.line"]),
        (6, "consent", "株式会社サンプル保険", "東京都千代田区例1-1", "代表取締役 例 三郎", ["contact.name", "contact.email"]),
        (3, "opt_out", "株式会社サンプル名簿", "東京都新宿区例3-3", "代表取締役 例 四郎", ["contact.name", "contact.address"]),
        (1, "law", "〇〇税務署", "東京都港区例4-4", "署長 例 五郎", ["purchase.line"]),
    ]
    n = 0
    for count, basis, name, address, representative, items in recipients:
        for i in range(count):
            n += 1
            records.append({"type": "provision", "key": f"P-{n:04d}", "person": HANAKO,
                            "recipient": {"name": name, "address": address, "representative": representative},
                            "provided_at": f"{2021 + i % 5}-{1 + i % 12:02d}-{1 + i % 28:02d}", "basis": basis,
                            "items": items})
    assert n == 80
    return records


def customer_pages(first_item_id: int) -> list[tuple[str, str]]:
    """(name, path) of every page a customer sees, in journey order."""
    return [
        ("landing", "/"), ("notice", "/notice"), ("verify", "/verify"),
        ("my-data", "/my/data"), ("purchases", "/my/data/category/purchase"),
        ("purchases-filtered", "/my/data/category/purchase?from=2024-06-01&to=2024-06-30"),
        ("profile-category", "/my/data/category/contact"),
        ("consents", "/my/consents"), ("requests", "/my/requests"), ("new-request", "/my/requests/new"),
        ("disclosure-form", "/my/requests/new/disclosure"),
        ("provision-records-form", "/my/requests/new/provision_records"),
        ("suspension-form", "/my/requests/new/suspension"), ("erasure-form", "/my/requests/new/erasure"),
        ("stop-provision-form", "/my/requests/new/stop_provision"),
        ("correction-form", "/my/requests/new/correction"), ("correct-item", f"/my/items/{first_item_id}/correct"),
        ("report", "/my/report"), ("agents", "/agents"),
    ]


@pytest.fixture
def hanako_at_scale(app, client, import_lines, login_customer):
    import_lines(*big_history())
    from portal.extensions import db
    from portal.inventory.models import Item, Person

    with app.app_context():
        person_id = db.session.scalar(sa.select(Person.id).where(Person.key == HANAKO))
        first = db.session.scalar(sa.select(sa.func.min(Item.id)).where(Item.person_id == person_id,
                                                                    Item.category == "contact"))
        db.session.remove()
    return first


def _session_cookie(client, login_customer, *, stepped_up: bool) -> str:
    login_customer(client, V["email"], stepped_up=stepped_up)
    return client.get_cookie("session").value


def measure(page) -> dict:
    return page.evaluate("""() => ({
        scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
        height: document.documentElement.scrollHeight,
        recipients: (document.getElementById('recipients') || document.getElementById('provisions') || {}).offsetHeight || 0,
    })""")


def axe_problems(page, *, skip: str | None = None) -> list[str]:
    """Serious and critical axe violations; `skip` leaves out repeated rows (checked on other pages)."""
    page.evaluate(AXE_SOURCE())
    context = "document" if skip is None else f"{{exclude: [['{skip}']]}}"
    result = page.evaluate(f"async () => await axe.run({context}, {{resultTypes: ['violations']}})")
    return [f"{v['id']} ({v['impact']}): " + ", ".join(" ".join(n["target"]) for n in v["nodes"][:3])
            for v in result["violations"] if v["impact"] in BLOCKING]


@pytest.mark.parametrize("size", ["phone-ja", "desktop-en"])
def test_every_customer_page_fits_the_screen_for_a_customer_with_years_of_history(
        browser, live_server, client, login_customer, hanako_at_scale, size):
    if not AXE.exists():
        pytest.skip("axe-core is not installed (npm ci)")
    options = PHONE_JA if size == "phone-ja" else DESKTOP_EN
    language = "ja" if size == "phone-ja" else "en"
    screens = os.environ.get("PORTAL_SCREENS_DIR")
    failures, report = [], []

    def check(page, name: str) -> None:
        assert page.locator("html").get_attribute("lang") == language, name
        figures = measure(page)
        report.append(f"{size} {name}: height {figures['height']} px, scrollWidth {figures['scrollWidth']}"
                      f"/{figures['innerWidth']}" + (f", recipients {figures['recipients']} px"
                                                     if name.startswith("my-data") else ""))
        if figures["scrollWidth"] > figures["innerWidth"]:
            failures.append(f"{name} scrolls sideways: {figures['scrollWidth']} > {figures['innerWidth']}")
        if name.startswith("my-data"):
            if figures["height"] > MY_DATA_MAX:
                failures.append(f"{name} is {figures['height']} px tall (at most {MY_DATA_MAX})")
            limit = PROVISIONS_MAX_SCREENS * options["viewport"]["height"]
            if figures["recipients"] > limit:
                failures.append(f"{name}: recipients take {figures['recipients']} px (at most {limit})")
        # The report writes out all 10,000 lines: its rows are the category page's, checked there.
        long = name == "report"
        failures.extend(f"{name}: {problem}" for problem in axe_problems(page, skip="table.report-lines" if long else None))
        if screens:
            Path(screens).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(screens) / f"customer-{name}-{size}.png"), full_page=not long)

    for stepped_up in (False, True):
        context = browser.new_context(**options)
        context.add_cookies([{"name": "session", "value": _session_cookie(client, login_customer, stepped_up=stepped_up),
                              "url": live_server}])
        page = context.new_page()
        pages = customer_pages(hanako_at_scale) if stepped_up else [
            ("my-data-masked", "/my/data"), ("step-up", "/verify/step-up?next=/my/data")]
        for name, path in pages:
            # The report writes 10,000 lines in one document: give it time on a busy machine.
            response = page.goto(live_server + path, timeout=120_000 if name == "report" else 30_000)
            assert response.status == 200, (name, response.status)
            check(page, name)
        if stepped_up:
            # The report was a download: its record is a request page with the step tracker.
            page.goto(live_server + "/my/requests")
            page.locator("#downloads summary").click()
            reference = page.locator("#downloads li .muted").first.inner_text().split("·")[-1].strip()
            page.goto(live_server + f"/my/requests/{reference}")
            check(page, "request-detail")
            # A form sent with mistakes: the errors first, focus on them.
            page.goto(live_server + "/my/requests/new/erasure")
            page.locator("form[method=post] button[type=submit]").last.click()
            page.wait_for_load_state()
            # autofocus moves focus once the page has rendered: wait for it (fails after 10 s).
            page.wait_for_function("document.activeElement && document.activeElement.id === 'error-summary'",
                                   timeout=10_000)
            check(page, "erasure-form-errors")
        context.close()
    print("\n" + "\n".join(report))
    assert not failures, "\n".join(failures)
