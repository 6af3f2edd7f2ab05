"""The policy clock as the customer sees it: the due date on the pages and in the receipt.

The core computation is tested in tests/dsr; here the question is whether the date the
customer is shown is the right one. The filing time is fixed by replacing the clock of the
customer's filing service (only the time; the database is real).
"""
from datetime import datetime

import pytest

import portal.customer.request_services as filing
from portal.common.time import JST
from tests.customer.helpers import text_of
from tests.customer.records import HANAKO_VALUES
from tests.fixtures.customer_requests import mail_text


@pytest.fixture
def filed_at(monkeypatch):
    def set_clock(year, month, day, hour=11):
        moment = datetime(year, month, day, hour, tzinfo=JST)
        monkeypatch.setattr(filing, "utcnow", lambda: moment)

    return set_clock


@pytest.mark.parametrize("residence, filed, due", [
    ("jp", (2026, 4, 1), "2026年4月15日"),       # APPI: 14 calendar days
    ("other", (2026, 4, 1), "2026年4月15日"),    # everyone else: APPI too
    ("eu", (2026, 1, 31), "2026年2月28日"),      # GDPR: one month, to the end of February
    ("us-ca", (2026, 4, 28), "2026年6月12日"),   # CCPA: 45 days, across Golden Week
], ids=["appi", "other", "gdpr", "ccpa"])
def test_the_customer_sees_the_due_date_of_their_policy(client, hanako, submit, smtp_server, requests_of, filed_at,
                                                        residence, filed, due):
    filed_at(*filed)
    response = submit("/my/requests/new/disclosure", {"residence": residence})
    [request] = requests_of(hanako)
    detail = text_of(client.get(response.headers["Location"]).get_data(as_text=True))
    assert f"回答期限 {due}" in detail
    assert due in text_of(client.get("/my/requests").get_data(as_text=True))
    assert due in mail_text(smtp_server.to(HANAKO_VALUES["email"])[0])


def test_ccpa_receipt_is_confirmed_within_ten_business_days_across_golden_week(client, hanako, submit, requests_of,
                                                                              filed_at):
    filed_at(2026, 4, 28)
    submit("/my/requests/new/erasure", {"residence": "us-ca", "scope": "all", "ground": "harm"})
    [request] = requests_of(hanako)
    # 10 business days from 28 April skip 29 April and 3–6 May: 18 May. The receipt mail,
    # sent on filing, is that confirmation.
    assert request.acknowledge_due_at.astimezone(JST).date().isoformat() == "2026-05-18"
    assert request.acknowledged_at.astimezone(JST).date().isoformat() == "2026-04-28"
