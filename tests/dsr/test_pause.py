"""Waiting for the requester stops the clock where the policy says so; the due date moves on resume."""
from datetime import timedelta

from portal.audit.services import Actor
from portal.dsr import services
from portal.dsr.models import EventKind
from portal.dsr.policies import create_policy
from portal.dsr.status import RequestStatus
from portal.extensions import db

from tests.fixtures.dsr import STAFF, jst

S = RequestStatus
QUESTION = "ご登録のお電話番号をお知らせください。"


def started(request, when):
    services.transition(request, S.IN_PROGRESS, actor=STAFF, now=when)
    db.session.commit()
    return request


def test_gdpr_due_date_moves_by_the_days_spent_waiting_for_the_requester(verified_request):
    request = started(verified_request(jst(2026, 3, 2, 9), residence="eu"), jst(2026, 3, 3))
    assert request.due_at == jst(2026, 4, 2, 23, 59, 59)

    asked = services.ask_requester(request, body=QUESTION, actor=STAFF, now=jst(2026, 3, 5, 10))
    db.session.commit()
    assert request.status is S.AWAITING_REQUESTER and request.is_paused
    assert [e.kind for e in asked.for_requester] == [EventKind.MESSAGE_TO_REQUESTER, EventKind.STATUS_CHANGED,
                                                     EventKind.PAUSED]

    # The reply, a week later, ends the wait and the clock runs again.
    reply = services.add_message(request, body="090-0000-0000 です", to_requester=False,
                                 actor=Actor("customer", None), now=jst(2026, 3, 12, 15))
    db.session.commit()
    assert request.status is S.IN_PROGRESS and not request.is_paused
    assert request.due_at == jst(2026, 4, 9, 23, 59, 59)
    assert request.original_due_at == jst(2026, 4, 2, 23, 59, 59)
    assert request.paused_seconds == int(timedelta(days=7, hours=5).total_seconds())
    resumed = [e for e in reply.events if e.kind is EventKind.RESUMED]
    assert resumed and resumed[0].data["paused_days"] == 7 and resumed[0].visible_to_requester


def test_appi_clock_keeps_running_while_waiting(verified_request):
    request = started(verified_request(jst(2026, 4, 1)), jst(2026, 4, 1, 11))
    services.ask_requester(request, body=QUESTION, actor=STAFF, now=jst(2026, 4, 2))
    services.transition(request, S.IN_PROGRESS, actor=STAFF, now=jst(2026, 4, 10))
    db.session.commit()
    assert request.paused_seconds == 0
    assert request.due_at == jst(2026, 4, 15, 23, 59, 59)


def test_a_pause_begun_and_ended_on_one_day_moves_nothing(verified_request):
    request = started(verified_request(jst(2026, 3, 2, 9), residence="eu"), jst(2026, 3, 3))
    services.ask_requester(request, body=QUESTION, actor=STAFF, now=jst(2026, 3, 5, 9))
    services.transition(request, S.IN_PROGRESS, actor=STAFF, now=jst(2026, 3, 5, 17))
    db.session.commit()
    assert request.due_at == jst(2026, 4, 2, 23, 59, 59)


def test_business_day_policy_moves_by_the_business_days_paused(app_ctx, verified_request):
    create_policy(jurisdiction="appi", request_type="correction", actor=STAFF,
                  rules={"response_period": 10, "response_unit": "business_days", "pause_when_waiting": True})
    db.session.commit()
    # Verified Fri 24 Apr 2026: 27, 28, 30 Apr, 1, 7, 8, 11, 12, 13, Thu 14 May (10).
    request = started(verified_request(jst(2026, 4, 24, 10), type="correction"), jst(2026, 4, 24, 11))
    assert request.due_at == jst(2026, 5, 14, 23, 59, 59)
    services.ask_requester(request, body=QUESTION, actor=STAFF, now=jst(2026, 4, 28, 10))
    services.transition(request, S.IN_PROGRESS, actor=STAFF, now=jst(2026, 5, 8, 10))
    db.session.commit()
    # Paused over 30 Apr, 1, 7 and 8 May: 4 business days (Golden Week cost nothing);
    # 14 May + 4 business days: 15, 18, 19, Wed 20 May.
    assert request.due_at == jst(2026, 5, 20, 23, 59, 59)


def test_closing_a_waiting_request_ends_the_pause(verified_request):
    request = started(verified_request(jst(2026, 3, 2, 9), residence="eu"), jst(2026, 3, 3))
    services.ask_requester(request, body=QUESTION, actor=STAFF, now=jst(2026, 3, 5))
    services.transition(request, S.REJECTED, actor=STAFF, reason="ご回答がいただけませんでした。",
                        now=jst(2026, 4, 20))
    db.session.commit()
    assert request.status is S.REJECTED and not request.is_paused and request.paused_seconds > 0


def test_asking_a_verified_request_puts_it_in_progress_first(verified_request):
    request = verified_request(jst(2026, 3, 2, 9), residence="eu")
    change = services.ask_requester(request, body=QUESTION, actor=STAFF, now=jst(2026, 3, 3))
    db.session.commit()
    assert [e.to_status for e in change.events if e.to_status] == [S.IN_PROGRESS, S.AWAITING_REQUESTER]
    assert request.status is S.AWAITING_REQUESTER and request.is_paused
