"""Fees (APPI Art. 38): set per request type and policy, seen by the customer before filing,
owed by the request (unpaid / paid / waived, recorded by staff and audited), holding back a
disclosure until settled, and shown in the register CSV and the API."""
from __future__ import annotations

import csv
import io
import re

import sqlalchemy as sa

from portal.api.representations import request_summary
from portal.audit.models import AuditEntry
from portal.audit.services import Actor
from portal.common.time import JST, utcnow
from portal.dsr.decisions.apply import complete_with_decision
from portal.dsr.decisions.decision import Decision
from portal.dsr.fees import FeeUnpaid
from portal.dsr.models import DataRequest, FeeStatus, Jurisdiction, RequestType
from portal.dsr.policies import choose_policy, create_policy
from portal.extensions import db
from tests.customer.records import two_customers
from tests.fixtures.pages import csrf_from, in_english, text_of

PAYMENT = "銀行振込：サンプル銀行 本店 普通 1234567"


def add_fee(app, request_type: str = "disclosure", amount: int = 1000) -> None:
    with app.app_context():
        create_policy(jurisdiction=Jurisdiction.APPI, request_type=request_type, actor=Actor("test"),
                      rules={"response_period": 14, "response_unit": "calendar_days", "fee_amount": amount,
                             "fee_payment": PAYMENT, "fee_waiver": "生活保護を受けている方は免除します。"})
        db.session.commit()
        db.session.remove()


def file_disclosure(client) -> str:
    page = client.get("/my/requests/new/disclosure").get_data(as_text=True)
    key = re.search(r'name="idempotency_key"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/my/requests/new/disclosure", data={
        "csrf_token": csrf_from(page), "idempotency_key": key, "residence": "jp", "format": "electronic"})
    assert response.status_code == 302, text_of(response)[:400]
    return response.location.rsplit("/", 1)[1]


def request_row(app, reference: str) -> DataRequest:
    with app.app_context():
        found = db.session.scalar(sa.select(DataRequest).where(DataRequest.reference == reference))
        db.session.expunge(found)
        db.session.remove()
    return found


def test_the_customer_sees_the_fee_before_filing_and_the_request_owes_it(app, client, import_lines, login_customer):
    import_lines(*two_customers())
    add_fee(app)
    login_customer(client, "hanako@example.jp")
    in_english(client)
    form = text_of(client.get("/my/requests/new/disclosure"))
    assert "Fee" in form and "¥1,000" in form and PAYMENT in form and "生活保護" in form
    # No fee for another type.
    assert "¥1,000" not in text_of(client.get("/my/requests/new/erasure"))
    reference = file_disclosure(client)
    request = request_row(app, reference)
    assert request.fee_amount == 1000 and request.fee_status is FeeStatus.UNPAID
    assert "1,000 yen (unpaid)" in text_of(client.get(f"/my/requests/{reference}"))


def test_a_disclosure_is_released_only_once_the_fee_is_paid_or_waived(app, client, import_lines, login_customer,
                                                                       login_as):
    import_lines(*two_customers())
    add_fee(app)
    login_customer(client, "hanako@example.jp")
    reference = file_disclosure(client)
    manager = login_as("manager")  # the same browser now also has a staff session
    in_english(client)
    page = client.get(f"/staff/requests/{reference}").get_data(as_text=True)
    assert "Unpaid" in text_of(client.get(f"/staff/requests/{reference}"))

    with app.app_context():
        request = db.session.scalar(sa.select(DataRequest).where(DataRequest.reference == reference))
        try:
            complete_with_decision(request, actor=Actor("staff", manager.id), decision=Decision(verdicts=[]))
        except FeeUnpaid:
            refused = True
        else:
            refused = False
        db.session.rollback()
        db.session.remove()
    assert refused

    version = request_row(app, reference).version_id
    response = client.post(f"/staff/requests/{reference}/fee", data={
        "csrf_token": csrf_from(page), "status": "paid", "version": version})
    assert response.status_code == 302
    assert request_row(app, reference).fee_status is FeeStatus.PAID
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEntry.action).where(
            AuditEntry.action == "dsr.request.fee_recorded")).all()
        db.session.remove()
    assert actions == ["dsr.request.fee_recorded"]
    # Recorded once: a second press changes nothing.
    client.post(f"/staff/requests/{reference}/fee", data={"csrf_token": csrf_from(page), "status": "waived",
                                                            "version": request_row(app, reference).version_id})
    assert request_row(app, reference).fee_status is FeeStatus.PAID


def test_the_fee_is_in_the_register_csv_and_the_api(app, client, import_lines, login_customer, login_as):
    import_lines(*two_customers())
    add_fee(app)
    login_customer(client, "hanako@example.jp")
    reference = file_disclosure(client)
    login_as("manager")
    today = utcnow().astimezone(JST).date().isoformat()
    response = client.get(f"/staff/reports/register.csv?from={today}&to={today}")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    header = rows[0]
    row = next(r for r in rows[1:] if r[0] == reference)
    assert row[header.index("fee_yen")] == "1000" and row[header.index("fee_status")] == "unpaid"

    with app.app_context():
        request = db.session.scalar(sa.select(DataRequest).where(DataRequest.reference == reference))
        assert request_summary(request, {})["fee"] == {"amount": 1000, "currency": "JPY", "status": "unpaid"}
        db.session.remove()


def test_policy_edit_sets_a_fee_and_needs_how_to_pay(app, client, login_as):
    login_as("admin")
    in_english(client)
    url = "/staff/policies/appi/disclosure"
    page = client.get(url).get_data(as_text=True)
    base = {"csrf_token": csrf_from(page), "response_period": "14", "response_unit": "calendar_days",
            "extension_unit": "calendar_days", "acknowledge_unit": "business_days", "clock_starts": "verified"}
    response = client.post(url, data={**base, "fee_amount": "500"})
    assert response.status_code in (400, 422, 200) and "Say how the fee is paid" in text_of(response)
    response = client.post(url, data={**base, "fee_amount": "500", "fee_payment": PAYMENT})
    assert response.status_code == 302
    with app.app_context():
        assert choose_policy("jp", RequestType.DISCLOSURE).fee_amount == 500
        db.session.remove()


def test_an_agent_cannot_record_the_fee_of_a_colleagues_request(app, client, import_lines, login_customer,
                                                                 login_as, create_staff):
    import_lines(*two_customers())
    add_fee(app)
    login_customer(client, "hanako@example.jp")
    reference = file_disclosure(client)
    colleague = create_staff("agent")
    with app.app_context():
        request = db.session.scalar(sa.select(DataRequest).where(DataRequest.reference == reference))
        request.assignee_id = colleague.id
        db.session.commit()
        db.session.remove()
    login_as("agent")
    page = client.get(f"/staff/requests/{reference}").get_data(as_text=True)
    assert f"/staff/requests/{reference}/fee" not in page
    client.post(f"/staff/requests/{reference}/fee", data={
        "csrf_token": csrf_from(page), "status": "waived", "version": request_row(app, reference).version_id})
    assert request_row(app, reference).fee_status is FeeStatus.UNPAID
