"""Extending a deadline: once, with a reason the requester sees, within the policy's maximum."""
import pytest

from portal.dsr import services
from portal.dsr.errors import ExtensionRefused
from portal.dsr.models import EventKind
from portal.dsr.status import RequestStatus
from portal.extensions import db

from tests.fixtures.dsr import STAFF, jst

REASON = "ご請求の対象となる記録が多く、確認に時間を要するため"


@pytest.fixture
def gdpr_request(verified_request):
    request = verified_request(jst(2026, 1, 31, 9), residence="eu")
    services.transition(request, RequestStatus.IN_PROGRESS, actor=STAFF, now=jst(2026, 2, 2))
    db.session.commit()
    return request


def test_gdpr_deadline_extends_by_two_months_once(gdpr_request):
    change = services.extend_deadline(gdpr_request, reason=REASON, amount=2, actor=STAFF, now=jst(2026, 2, 20))
    db.session.commit()
    # 28 Feb + 2 months = 28 Apr: counted from the current deadline, never later than the law's.
    assert gdpr_request.due_at == jst(2026, 4, 28, 23, 59, 59)
    assert gdpr_request.original_due_at == jst(2026, 2, 28, 23, 59, 59)
    assert gdpr_request.extension_reason == REASON
    [event] = change.for_requester
    assert event.kind is EventKind.EXTENDED and event.body == REASON
    assert event.data["due_at"] == gdpr_request.due_at.isoformat()


def test_a_second_extension_is_refused(gdpr_request):
    services.extend_deadline(gdpr_request, reason=REASON, amount=1, actor=STAFF, now=jst(2026, 2, 20))
    db.session.commit()
    with pytest.raises(ExtensionRefused):
        services.extend_deadline(gdpr_request, reason=REASON, amount=1, actor=STAFF, now=jst(2026, 2, 21))
    db.session.rollback()
    assert gdpr_request.due_at == jst(2026, 3, 28, 23, 59, 59)


@pytest.mark.parametrize("amount", [0, 3, -1])
def test_an_extension_beyond_the_maximum_is_refused(gdpr_request, amount):
    with pytest.raises(ExtensionRefused) as refused:
        services.extend_deadline(gdpr_request, reason=REASON, amount=amount, actor=STAFF, now=jst(2026, 2, 20))
    assert "2 months" in str(refused.value)
    assert gdpr_request.due_at == jst(2026, 2, 28, 23, 59, 59)


@pytest.mark.parametrize("reason", ["", "  ", None])
def test_an_extension_needs_a_reason(gdpr_request, reason):
    with pytest.raises(ExtensionRefused):
        services.extend_deadline(gdpr_request, reason=reason, amount=2, actor=STAFF, now=jst(2026, 2, 20))


def test_an_extension_after_the_deadline_passed_is_refused(gdpr_request):
    with pytest.raises(ExtensionRefused):
        services.extend_deadline(gdpr_request, reason=REASON, amount=2, actor=STAFF, now=jst(2026, 3, 1, 0, 0, 1))


def test_appi_allows_no_extension(verified_request):
    request = verified_request(jst(2026, 4, 1), residence="jp")
    with pytest.raises(ExtensionRefused):
        services.extend_deadline(request, reason=REASON, amount=1, actor=STAFF, now=jst(2026, 4, 2))


def test_ccpa_extends_by_up_to_45_days(verified_request):
    request = verified_request(jst(2026, 4, 28, 11), residence="us-ca")
    services.extend_deadline(request, reason=REASON, amount=45, actor=STAFF, now=jst(2026, 6, 1))
    db.session.commit()
    # 12 June + 45 days: 18 more to 30 June, 27 into July: 27 July.
    assert request.due_at == jst(2026, 7, 27, 23, 59, 59)


def test_a_request_not_yet_verified_cannot_be_extended(file_request):
    request = file_request(residence="eu")
    with pytest.raises(ExtensionRefused):
        services.extend_deadline(request, reason=REASON, amount=1, actor=STAFF)
