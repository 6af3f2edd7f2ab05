"""The status machine: every pair of statuses, allowed or refused, straight from the table."""
import pytest

from portal.audit.services import Actor
from portal.dsr import services
from portal.dsr.models import EventKind
from portal.dsr.queries import timeline
from portal.dsr.status import (
    OPEN_STATUSES,
    TRANSITIONS,
    InvalidTransition,
    RequestStatus,
    can_transition,
)
from portal.extensions import db

from tests.fixtures.dsr import STAFF

S = RequestStatus
CUSTOMER = Actor("customer", None)
# How to reach each status from `received` through the services.
PATHS = {
    S.RECEIVED: [],
    S.VERIFIED: [S.VERIFIED],
    S.IN_PROGRESS: [S.VERIFIED, S.IN_PROGRESS],
    S.AWAITING_REQUESTER: [S.VERIFIED, S.IN_PROGRESS, S.AWAITING_REQUESTER],
    S.COMPLETED: [S.VERIFIED, S.IN_PROGRESS, S.COMPLETED],
    S.REJECTED: [S.REJECTED],
    S.WITHDRAWN: [S.WITHDRAWN],
}


def move(request, to_status):
    """A transition with what each target needs: a reason to reject, the requester to withdraw."""
    if to_status is S.WITHDRAWN:
        return services.transition(request, to_status, actor=CUSTOMER)
    return services.transition(request, to_status, actor=STAFF, reason="理由があります")


@pytest.fixture
def request_in(file_request):
    def make(status):
        request = file_request()
        for step in PATHS[status]:
            move(request, step)
        db.session.commit()
        assert request.status is status
        return request

    return make


ALL_PAIRS = [(a, b) for a in S for b in S]


@pytest.mark.parametrize("from_status, to_status", ALL_PAIRS, ids=[f"{a}->{b}" for a, b in ALL_PAIRS])
def test_transition_follows_the_table(request_in, from_status, to_status):
    request = request_in(from_status)
    if to_status in TRANSITIONS[from_status]:
        move(request, to_status)
        db.session.commit()
        assert request.status is to_status
    else:
        with pytest.raises(InvalidTransition):
            move(request, to_status)
        db.session.rollback()
        assert request.status is from_status


def test_the_table_matches_the_design():
    assert can_transition("received", "verified")
    assert can_transition("in_progress", "awaiting_requester")
    assert can_transition("awaiting_requester", "in_progress")
    assert not can_transition("verified", "completed")
    assert not can_transition("completed", "in_progress")
    assert all(not TRANSITIONS[s] for s in (S.COMPLETED, S.REJECTED, S.WITHDRAWN))


def test_refusal_message_names_both_statuses(request_in, app):
    request = request_in(S.COMPLETED)
    with app.test_request_context(), pytest.raises(InvalidTransition) as refused:
        move(request, S.IN_PROGRESS)
    with app.test_request_context():
        message = str(refused.value.message)
    assert "Completed" in message or "完了" in message


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_reject_without_a_reason_is_refused(request_in, reason):
    request = request_in(S.IN_PROGRESS)
    with pytest.raises(InvalidTransition):
        services.transition(request, S.REJECTED, actor=STAFF, reason=reason)
    db.session.rollback()
    assert request.status is S.IN_PROGRESS


def test_rejection_reason_is_kept_and_shown_to_the_requester(request_in):
    request = request_in(S.IN_PROGRESS)
    change = services.transition(request, S.REJECTED, actor=STAFF, reason="ご本人確認ができませんでした。")
    db.session.commit()
    assert request.rejection_reason == "ご本人確認ができませんでした。"
    assert request.closed_at is not None and request.outcome is S.REJECTED
    [decision] = change.for_requester
    assert decision.kind is EventKind.DECISION and decision.body == "ご本人確認ができませんでした。"


@pytest.mark.parametrize("status", sorted(OPEN_STATUSES))
def test_the_requester_can_withdraw_at_every_open_step(request_in, status):
    request = request_in(status)
    change = services.transition(request, S.WITHDRAWN, actor=CUSTOMER)
    db.session.commit()
    assert request.status is S.WITHDRAWN and request.closed_at is not None
    assert change.events[-1].kind is EventKind.WITHDRAWN and change.events[-1].visible_to_requester


def test_staff_withdraw_only_on_behalf_of_the_requester_with_a_note(request_in):
    request = request_in(S.IN_PROGRESS)
    with pytest.raises(InvalidTransition):
        services.transition(request, S.WITHDRAWN, actor=STAFF)
    with pytest.raises(InvalidTransition):
        services.transition(request, S.WITHDRAWN, actor=STAFF, on_behalf=True)
    services.transition(request, S.WITHDRAWN, actor=STAFF, on_behalf=True, note="11/20 お電話で取り下げのご依頼")
    db.session.commit()
    assert request.status is S.WITHDRAWN
    note = timeline(request)[-1]
    assert note.kind is EventKind.INTERNAL_NOTE and not note.visible_to_requester


def test_the_requester_cannot_move_a_request_along_themselves(request_in):
    request = request_in(S.IN_PROGRESS)
    with pytest.raises(InvalidTransition):
        services.transition(request, S.COMPLETED, actor=CUSTOMER)
    db.session.rollback()
    assert request.status is S.IN_PROGRESS
