"""Due dates set when a request is verified, per the default policies."""
from portal.dsr import services
from portal.dsr.models import Jurisdiction

from tests.fixtures.dsr import STAFF, jst


def test_appi_request_is_due_fourteen_calendar_days_after_verification(verified_request):
    request = verified_request(jst(2026, 4, 1, 10), residence="jp")
    assert request.jurisdiction is Jurisdiction.APPI
    assert request.due_at == jst(2026, 4, 15, 23, 59, 59)
    assert request.original_due_at == request.due_at
    assert request.acknowledge_due_at is None


def test_the_day_counts_in_japan_time(verified_request):
    # 00:30 on 2 April in Japan is still 1 April in UTC; the clock starts on 2 April.
    request = verified_request(jst(2026, 4, 2, 0, 30))
    assert request.due_at == jst(2026, 4, 16, 23, 59, 59)


def test_gdpr_one_month_from_31_january_ends_on_the_last_day_of_february(verified_request):
    request = verified_request(jst(2026, 1, 31, 9), residence="eu")
    assert request.jurisdiction is Jurisdiction.GDPR
    assert request.due_at == jst(2026, 2, 28, 23, 59, 59)


def test_ccpa_acknowledgement_skips_golden_week_and_the_answer_is_due_in_45_days(verified_request):
    request = verified_request(jst(2026, 4, 28, 11), residence="us-ca")
    assert request.jurisdiction is Jurisdiction.CCPA
    # 10 business days, by hand: 30 Apr, 1 May, 7, 8, 11, 12, 13, 14, 15, 18 May.
    assert request.acknowledge_due_at == jst(2026, 5, 18, 23, 59, 59)
    # 45 calendar days: 2 to 30 Apr, 31 more to 31 May (33), 12 more to 12 June (45).
    assert request.due_at == jst(2026, 6, 12, 23, 59, 59)


def test_ccpa_over_the_new_year(verified_request):
    request = verified_request(jst(2025, 12, 29, 15), residence="us-ca")
    # 30, 31 Dec, 2, 5, 6, 7, 8, 9, 13, 14 Jan (1 Jan and 12 Jan 成人の日 are holidays).
    assert request.acknowledge_due_at == jst(2026, 1, 14, 23, 59, 59)
    # 2 days to 31 Dec, 31 to 31 Jan (33), 12 more: 12 Feb.
    assert request.due_at == jst(2026, 2, 12, 23, 59, 59)


def test_an_appi_clock_starts_on_receipt_and_verifying_later_keeps_it(file_request):
    request = file_request(received_at=jst(2026, 4, 1), is_agent=True, agent={"name": "代理 人"})
    assert request.due_at == jst(2026, 4, 15, 23, 59, 59)  # two weeks from receipt (Art. 39)
    services.verify_request(request, actor=STAFF, verified_at=jst(2026, 4, 6, 14))
    assert request.verified_at == jst(2026, 4, 6, 14)
    assert request.due_at == jst(2026, 4, 15, 23, 59, 59)


def test_a_gdpr_clock_starts_at_verification_not_at_receipt(file_request):
    request = file_request(received_at=jst(2026, 4, 1), residence="eu", is_agent=True, agent={"name": "代理 人"})
    assert request.due_at is None
    services.verify_request(request, actor=STAFF, verified_at=jst(2026, 4, 6, 14))
    assert request.due_at == jst(2026, 5, 6, 23, 59, 59)


def test_ccpa_clock_counts_from_receipt_even_when_verified_later(file_request):
    request = file_request(received_at=jst(2026, 4, 28, 11), residence="us-ca", is_agent=True, agent={"name": "代理 人"})
    services.verify_request(request, actor=STAFF, verified_at=jst(2026, 5, 8, 9))
    # The same dates as a request verified on receipt (28 April): verification time counts.
    assert request.acknowledge_due_at == jst(2026, 5, 18, 23, 59, 59)
    assert request.due_at == jst(2026, 6, 12, 23, 59, 59)
