"""The register: references, idempotent submissions, agents, matching, messages, self-service."""
import re

import pytest
import sqlalchemy as sa

from portal.audit.services import Actor
from portal.dsr import services
from portal.dsr.errors import IdempotencyConflict
from portal.dsr.models import DataRequest, EventKind, RequestType
from portal.dsr.queries import get_by_reference, requests_for_person, timeline
from portal.dsr.status import InvalidTransition, RequestStatus
from portal.extensions import db

from tests.fixtures.dsr import STAFF, jst

S = RequestStatus


def test_reference_has_the_year_in_japan_and_six_digits(file_request):
    request = file_request(received_at=jst(2025, 12, 31, 23))
    assert re.fullmatch(r"MG-2025-\d{6}", request.reference)
    # 1 January 01:00 in Japan is still 31 December in UTC: the year is Japan's.
    new_year = file_request(received_at=jst(2026, 1, 1, 1))
    assert new_year.reference.startswith("MG-2026-")


def test_references_are_unique(file_request):
    references = {file_request(requester_email=f"p{n}@example.jp").reference for n in range(20)}
    assert len(references) == 20


def test_a_request_is_found_by_its_reference_as_people_type_it(file_request):
    request = file_request()
    assert get_by_reference(f"  {request.reference.lower()} ") is request
    assert get_by_reference("MG-2026-999999") is None
    assert get_by_reference("'; drop table data_request; --") is None


def test_the_same_idempotency_key_returns_the_request_already_filed(file_request):
    first = services.create_request(type="erasure", person_id=None, requester_email="a@example.jp", channel="api",
                                    language="ja", residence="jp", idempotency_key="crm-4711", actor=Actor("api", 1))
    db.session.commit()
    again = services.create_request(type="erasure", person_id=None, requester_email="A@example.jp ", channel="api",
                                    language="ja", residence="jp", idempotency_key="crm-4711", actor=Actor("api", 1))
    db.session.commit()
    assert again.request.id == first.request.id
    assert first.created and not again.created and again.events == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DataRequest)) == 1


def test_an_idempotency_key_of_someone_else_never_hands_over_their_request(file_request):
    file_request(idempotency_key="k-1", requester_email="a@example.jp")
    with pytest.raises(IdempotencyConflict):
        file_request(idempotency_key="k-1", requester_email="b@example.jp")


def test_a_verified_web_request_starts_with_its_clock_running(file_request):
    request = file_request(verified=True, requester_email=" Hanako@Example.JP ")
    assert request.status is S.VERIFIED and request.due_at is not None
    assert request.requester_email == "hanako@example.jp"
    assert [e.kind for e in timeline(request)] == [EventKind.RECEIVED, EventKind.VERIFIED]


def test_an_agents_request_waits_for_staff_to_check_the_authority(file_request):
    with pytest.raises(ValueError):
        file_request(is_agent=True, verified=True)
    request = file_request(is_agent=True, agent={"name": "山田 太郎", "relationship": "法定代理人"},
                           subject={"name": "山田 花子"}, authority_document_id=12, channel="post")
    due = request.due_at  # APPI's two weeks run from receipt, authority checked or not
    assert request.status is S.RECEIVED and due is not None
    services.verify_request(request, actor=STAFF, note="委任状を確認しました")
    db.session.commit()
    assert request.status is S.VERIFIED and request.due_at == due
    assert [e.visible_to_requester for e in timeline(request)] == [True, True, False]


def test_the_requester_cannot_verify_their_own_request(file_request):
    request = file_request()
    with pytest.raises(InvalidTransition):
        services.verify_request(request, actor=Actor("customer", None))


def test_an_unmatched_request_is_matched_to_a_person(file_request, make_person):
    person_id = make_person()
    request = file_request(type="correction", details={"changes": [{"op": "change", "field": "phone"}]})
    change = services.match_person(request, person_id, actor=STAFF)
    db.session.commit()
    assert request.person_id == person_id
    assert change.events[0].kind is EventKind.MATCHED and not change.events[0].visible_to_requester
    assert requests_for_person(person_id) == [request]


def test_messages_are_shown_to_the_requester_and_notes_are_not(file_request):
    request = file_request(verified=True)
    services.add_message(request, body="確認中です。", to_requester=True, actor=STAFF)
    services.add_internal_note(request, body="CRMと照合済み", actor=STAFF)
    services.add_message(request, body="よろしくお願いします", to_requester=False, actor=Actor("customer", None))
    db.session.commit()
    seen = [e.body for e in timeline(request, for_requester=True) if e.body]
    assert seen == ["確認中です。", "よろしくお願いします"]
    assert "CRMと照合済み" in [e.body for e in timeline(request)]


def test_the_requester_cannot_write_internal_notes(file_request):
    request = file_request()
    with pytest.raises(InvalidTransition):
        services.add_internal_note(request, body="x", actor=Actor("customer", None))


def test_a_self_service_download_is_registered_as_a_completed_disclosure(app_ctx, make_person):
    person_id = make_person()
    change = services.record_self_service_disclosure(person_id=person_id, format="json",
                                                     actor=Actor("customer", person_id), now=jst(2026, 11, 2, 20))
    db.session.commit()
    request = change.request
    assert request.type is RequestType.DISCLOSURE and request.status is S.COMPLETED
    assert request.received_at == request.verified_at == request.closed_at == jst(2026, 11, 2, 20)
    assert request.due_at == jst(2026, 11, 16, 23, 59, 59)
    assert request.details == {"self_service": True, "format": "json"}
    assert [e.to_status for e in timeline(request)] == [S.RECEIVED, S.VERIFIED, S.IN_PROGRESS, S.COMPLETED]
    assert requests_for_person(person_id) == [request]


def test_assigning_a_request_is_recorded_for_staff_only(file_request):
    request = file_request()
    change = services.assign(request, assignee_id=3, actor=STAFF)
    db.session.commit()
    assert request.assignee_id == 3 and not change.events[0].visible_to_requester


def test_acknowledging_receipt_is_recorded_once(verified_request):
    request = verified_request(jst(2026, 4, 28), residence="us-ca")
    first = services.acknowledge(request, actor=STAFF, now=jst(2026, 4, 30))
    again = services.acknowledge(request, actor=STAFF, now=jst(2026, 5, 1))
    db.session.commit()
    assert request.acknowledged_at == jst(2026, 4, 30)
    assert len(first.events) == 1 and again.events == []


def test_a_request_cannot_be_dated_in_the_future(file_request):
    with pytest.raises(ValueError):
        file_request(received_at=jst(2099, 1, 1))
