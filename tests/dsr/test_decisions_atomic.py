"""A decision applies whole or not at all, and only once."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.audit.services import Actor
from portal.dsr import services
from portal.dsr.decisions import Decision, DecisionInvalid, Verdict, complete_with_decision
from portal.dsr.errors import DsrError, StaleRequest
from portal.dsr.models import DataRequest, EventKind, RequestEvent
from portal.dsr.status import InvalidTransition, RequestStatus
from portal.extensions import db
from portal.inventory.erasure import ItemTombstone
from portal.inventory.models import ItemRevision
from portal.mail.models import OutboxMessage
from tests.customer.records import HANAKO_VALUES, JIRO_VALUES
from tests.fixtures.decisions import STAFF, item_of, items_of


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _nothing_applied(app, request_id: int, person_id: int) -> None:
    """Seen from a fresh session, as the next page load would see it."""
    with app.app_context():
        request = db.session.get(DataRequest, request_id)
        assert request.status is RequestStatus.IN_PROGRESS
        kinds = set(db.session.scalars(sa.select(RequestEvent.kind).where(RequestEvent.request_id == request_id)))
        assert EventKind.APPLIED not in kinds and EventKind.DECISION not in kinds
        assert (_count(ItemTombstone), _count(ItemRevision)) == (0, 0)
        assert len(items_of(person_id, "purchase")) == 8
        assert item_of(person_id, "contact", "address").value == HANAKO_VALUES["address"]


def test_a_stale_form_applies_nothing(app, people, file_about):
    request = file_about(people["hanako"], "erasure", {"scope": "all", "ground": "leak"})
    opened_with = request.version_id
    services.assign(request, assignee_id=8, actor=STAFF)  # someone else, meanwhile
    db.session.commit()

    with pytest.raises(StaleRequest):
        complete_with_decision(request, actor=STAFF, decision=Decision(), expected_version=opened_with)
    db.session.rollback()

    _nothing_applied(app, request.id, people["hanako"])


def test_a_change_committed_by_someone_else_meanwhile_stops_the_decision_before_the_data_changes(
        app, people, file_about):
    request = file_about(people["hanako"], "erasure", {"scope": "all", "ground": "leak"})
    with app.app_context():  # another staff member, in another transaction, saves first
        other = db.session.get(DataRequest, request.id)
        services.assign(other, assignee_id=8, actor=Actor("staff", 8))
        db.session.commit()

    with pytest.raises(StaleRequest):
        complete_with_decision(request, actor=STAFF, decision=Decision())
    db.session.rollback()

    _nothing_applied(app, request.id, people["hanako"])


def test_an_error_half_way_through_a_correction_leaves_nothing_applied(app, people, file_about):
    hanako = people["hanako"]
    address, email = item_of(hanako, "contact", "address"), item_of(hanako, "contact", "email")
    request = file_about(hanako, "correction", {"changes": [
        {"item_id": address.id, "category": "contact", "field": "address", "action": "change",
         "proposed": "東京都渋谷区サンプル4-5-6"},
        # Jiro's address: the register cannot hold it twice, so this second change fails.
        {"item_id": email.id, "category": "contact", "field": "email", "action": "change",
         "proposed": JIRO_VALUES["email"]},
    ]})

    with pytest.raises(DecisionInvalid) as raised:
        complete_with_decision(request, actor=STAFF, decision=Decision(verdicts=(Verdict(0, True), Verdict(1, True))))
    db.session.rollback()

    assert "already registered for another customer" in str(raised.value)
    _nothing_applied(app, request.id, hanako)
    assert _count(OutboxMessage) == 0  # no answer mail about a decision that did not happen


def test_a_decided_request_cannot_be_decided_again(people, file_about, decide):
    request = file_about(people["hanako"], "erasure", {"scope": "chosen", "categories": ["purchase"], "ground": "leak"})
    decide(request, Decision())

    with pytest.raises(DsrError) as raised:
        complete_with_decision(request, actor=STAFF, decision=Decision())
    db.session.rollback()

    assert "closed" in str(raised.value)
    assert _count(ItemTombstone) == 8


def test_a_customer_cannot_apply_a_decision(people, file_about):
    request = file_about(people["hanako"], "erasure", {"scope": "all", "ground": "leak"})
    with pytest.raises(InvalidTransition):
        complete_with_decision(request, actor=Actor("customer", people["hanako"]), decision=Decision())


def test_a_verified_request_is_put_in_progress_then_completed(people, file_about, decide):
    request = file_about(people["hanako"], "stop_provision", {"scope": "all", "recipients": [], "ground": "harm"},
                         status=RequestStatus.VERIFIED)

    change = decide(request, Decision())

    moves = [(e.kind, e.to_status) for e in change.events if e.to_status is not None]
    assert moves == [(EventKind.STATUS_CHANGED, RequestStatus.IN_PROGRESS), (EventKind.DECISION, RequestStatus.COMPLETED)]
