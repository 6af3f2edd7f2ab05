"""Filing, listing, reading, moving and messaging requests through /api/v1/requests."""
from __future__ import annotations

import pytest

from portal.dsr.models import DataRequest
from portal.mail.models import OutboxMessage
from tests.fixtures.api import is_problem
from tests.inventory.records import PERSON

PHONE_REQUEST = {"type": "disclosure", "channel": "phone", "policy": "appi",
                 "requester": {"email": "taro@example.jp", "name": "山田 太郎"}}


def test_a_phone_request_is_filed_and_answers_reference_status_and_due_date(api, token, count_rows):
    response = api.post("/requests", token=token, json=PHONE_REQUEST)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["reference"].startswith("MG-")
    assert body["status"] == "received"
    assert body["due_at"] is not None  # APPI's two weeks run from receipt, verified or not
    assert body["channel"] == "phone" and body["policy"] == "appi"
    assert [event["kind"] for event in body["timeline"]] == ["received"]
    assert count_rows(DataRequest) == 1
    assert count_rows(OutboxMessage, OutboxMessage.kind == "dsr.received") == 1  # the receipt to the requester


def test_a_verified_request_for_a_known_person_has_a_due_date(api, token, import_lines):
    import_lines(PERSON)
    body = api.post("/requests", token=token, json={
        "type": "erasure", "channel": "counter", "policy": "gdpr", "person_key": "C-000123", "verified": True,
    }).get_json()
    assert body["status"] == "verified"
    assert body["due_at"] is not None
    assert body["person_key"] == "C-000123"
    assert body["requester"]["email"] == "hanako@example.jp"  # the person's own address


def test_an_unknown_person_key_is_a_field_error_and_nothing_is_filed(api, token, count_rows):
    body = is_problem(api.post("/requests", token=token, json={**PHONE_REQUEST, "person_key": "C-404"}),
                      422, "validation-failed")
    assert body["errors"] == [{"pointer": "/person_key", "detail": "no person has this key"}]
    assert count_rows(DataRequest) == 0


def test_wrong_types_and_unknown_fields_are_each_reported_with_a_pointer(api, token, count_rows):
    body = is_problem(api.post("/requests", token=token, json={
        "type": "disclosure", "channel": "web", "policy": 3, "requester": {"email": "x@example.jp", "age": 3},
        "colour": "red"}), 422, "validation-failed")
    pointers = {error["pointer"]: error["detail"] for error in body["errors"]}
    assert pointers["/channel"].startswith("must be one of")
    assert pointers["/policy"] == "must be a string"
    assert pointers["/requester/age"] == "unknown field"
    assert pointers["/colour"] == "unknown field"
    assert count_rows(DataRequest) == 0


def test_malformed_json_is_a_400_problem(api, token):
    body = is_problem(api.post("/requests", token=token, data='{"type": "disclosure",',
                               content_type="application/json"), 400, "invalid-json")
    assert "line 1" in body["detail"]


def test_a_body_that_is_not_json_is_415(api, token):
    is_problem(api.post("/requests", token=token, data="type=disclosure",
                        content_type="application/x-www-form-urlencoded"), 415, "unsupported-media-type")


def test_an_oversized_body_is_413_with_the_limit(api, token, count_rows):
    big = {**PHONE_REQUEST, "details": {"text": "x" * 70_000}}
    body = is_problem(api.post("/requests", token=token, json=big), 413, "payload-too-large")
    assert body["limit_bytes"] == 64 * 1024
    assert count_rows(DataRequest) == 0


def test_a_future_receipt_date_is_refused(api, token):
    body = is_problem(api.post("/requests", token=token, json={**PHONE_REQUEST, "received_at": "2999-01-01T00:00:00Z"}),
                      422, "validation-failed")
    assert body["errors"][0]["pointer"] == "/received_at"


def _file(api, token, n: int = 1, **more) -> list[str]:
    return [api.post("/requests", token=token, json={**PHONE_REQUEST, **more}).get_json()["reference"]
            for _ in range(n)]


def test_the_list_pages_with_a_cursor_until_the_end(api, token):
    references = _file(api, token, 5)
    seen, cursor = [], None
    for _ in range(5):
        page = api.get("/requests?limit=2" + (f"&cursor={cursor}" if cursor else ""), token=token).get_json()
        seen += [item["reference"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == references


def test_the_list_filters_like_the_queue(api, token):
    [closed] = _file(api, token)
    [still_open] = _file(api, token, type="erasure")
    api.post(f"/requests/{closed}/transitions", token=token, json={"to": "rejected", "reason": "本人確認ができません"})
    def refs(query):
        return [item["reference"] for item in api.get("/requests" + query, token=token).get_json()["items"]]
    assert refs("") == [still_open]
    assert refs("?status=closed") == [closed]
    assert refs("?status=any&type=erasure") == [still_open]
    assert refs("?status=any&unmatched=true") == [closed, still_open]


def test_a_filing_answers_the_timeline_and_dates_that_reading_the_request_gives(api, token):
    # Several events (received, verified, CCPA's confirmation of receipt), a receipt date given
    # in Japan time: the answer is made from the events just added, the read from the database.
    filed = api.post("/requests", token=token, json={
        "type": "disclosure", "channel": "phone", "policy": "ccpa", "verified": True,
        "received_at": "2024-06-10T09:30:00", "requester": {"email": "taro@example.jp"}}).get_json()
    read = api.get(f"/requests/{filed['reference']}", token=token).get_json()
    assert [event["kind"] for event in filed["timeline"]] == ["received", "verified", "acknowledged"]
    assert filed["timeline"] == read["timeline"]
    assert filed["timeline"][0]["at"] == filed["received_at"] == read["received_at"] == "2024-06-10T00:30:00+00:00"


def test_a_cursor_not_given_by_the_api_is_a_parameter_problem(api, token):
    body = is_problem(api.get("/requests?cursor=nonsense!", token=token), 400, "invalid-parameter")
    assert body["errors"][0]["parameter"] == "cursor"


def test_one_request_with_its_timeline_and_404_for_an_unknown_reference(api, token):
    [reference] = _file(api, token)
    body = api.get(f"/requests/{reference}", token=token).get_json()
    assert body["reference"] == reference and body["timeline"][0]["kind"] == "received"
    is_problem(api.get("/requests/MG-2026-999999", token=token), 404, "not-found")


def test_transitions_follow_the_status_machine(api, token):
    [reference] = _file(api, token)
    moved = api.post(f"/requests/{reference}/transitions", token=token, json={"to": "verified"})
    assert moved.status_code == 200 and moved.get_json()["status"] == "verified"
    assert moved.get_json()["due_at"] is not None
    body = is_problem(api.post(f"/requests/{reference}/transitions", token=token, json={"to": "completed"}),
                      409, "conflict")
    assert "cannot become" in body["detail"]


def test_a_stale_version_is_a_conflict(api, token):
    [reference] = _file(api, token)
    version = api.get(f"/requests/{reference}", token=token).get_json()["version"]
    api.post(f"/requests/{reference}/transitions", token=token, json={"to": "verified", "version": version})
    is_problem(api.post(f"/requests/{reference}/transitions", token=token,
                        json={"to": "in_progress", "version": version}), 409, "conflict")


def test_a_rejection_needs_a_reason(api, token):
    [reference] = _file(api, token)
    body = is_problem(api.post(f"/requests/{reference}/transitions", token=token, json={"to": "rejected"}),
                      409, "conflict")
    assert "reason" in body["detail"]


@pytest.mark.parametrize("kind, event, visible", [
    ("to_requester", "message_to_requester", True),
    ("from_requester", "message_from_requester", True),
    ("internal_note", "internal_note", False),
])
def test_messages_and_notes_join_the_timeline(api, token, kind, event, visible):
    [reference] = _file(api, token)
    response = api.post(f"/requests/{reference}/messages", token=token, json={"kind": kind, "body": "お電話で確認しました"})
    assert response.status_code == 201
    last = response.get_json()["timeline"][-1]
    assert (last["kind"], last["visible_to_requester"], last["body"]) == (event, visible, "お電話で確認しました")


def test_a_nul_character_is_a_field_error_not_a_database_failure(api, token, count_rows):
    body = is_problem(api.post("/requests", token=token, json={**PHONE_REQUEST, "requester": {
        "email": "taro@example.jp", "name": "山田\u0000太郎"}}), 422, "validation-failed")
    assert body["errors"][0]["pointer"] == "/requester/name"
    is_problem(api.get("/persons/C-\u0000", token=token), 400, "invalid-parameter")
    assert count_rows(DataRequest) == 0
