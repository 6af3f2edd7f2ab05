"""Global Privacy Control in a real browser: a verified Californian whose browser sends `Sec-GPC: 1`
lands on "my data" and reads that the signal was honoured, on a phone in Japanese and a desktop in
English; nothing scrolls sideways. Screenshots (customer-gpc-notice-*.png) go to PORTAL_SCREENS_DIR."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.customer.request_services import Requester, file_request
from portal.dsr.models import RequestType
from portal.extensions import db
from portal.inventory.models import Person
from tests.browser.test_opt_out_screens import verify
from tests.fixtures.browser import PHONE, assert_no_sideways_scroll, keep_screenshot
from tests.opt_out.test_opt_out_stop import RECORDS

pytestmark = pytest.mark.browser

SIZES = {"phone-ja": (PHONE, "ja"), "desktop-en": ({"viewport": {"width": 1440, "height": 900}}, "en")}


@pytest.mark.parametrize("size", sorted(SIZES))
def test_the_page_says_the_gpc_signal_was_honoured(app, live_server, browser, import_lines, smtp_server, size):
    import_lines(*RECORDS)
    with app.app_context():  # Hanako said she lives in California when she asked before
        person_id = db.session.scalar(sa.select(Person.id).where(Person.key == "C-1"))
        file_request(Requester(person_id=person_id, email="hanako@example.jp", name="山田 花子", language="ja"),
                     type=RequestType.DISCLOSURE, residence="us-ca", details={}, idempotency_key="earlier",
                     send_receipt=False)
        db.session.commit()
        db.session.remove()
    options, language = SIZES[size]
    context = browser.new_context(**options, locale="ja-JP" if language == "ja" else "en-US",
                                  extra_http_headers={"Sec-GPC": "1", "Accept-Language": language})
    page = context.new_page()
    try:
        verify(page, live_server, smtp_server, "hanako@example.jp")
        notice = page.locator("#gpc-notice")
        assert notice.is_visible()
        assert ("グローバル・プライバシー・コントロール" if language == "ja" else "Global Privacy Control") in notice.inner_text()
        assert_no_sideways_scroll(page)
        keep_screenshot(page, f"customer-gpc-notice-{size}.png")
    finally:
        context.close()
