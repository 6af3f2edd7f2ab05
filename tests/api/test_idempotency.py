"""Idempotency-Key: a retried POST files one request; a reused key with another body writes nothing."""
from __future__ import annotations

import sqlalchemy as sa

from portal.api.models import ApiIdempotencyRecord
from portal.dsr.models import DataRequest
from portal.mail.models import OutboxMessage
from tests.fixtures.api import is_problem

BODY = {"type": "disclosure", "channel": "phone", "policy": "appi", "requester": {"email": "taro@example.jp"}}


def test_the_same_key_and_body_give_the_same_answer_and_one_request(api, token, count_rows):
    first = api.post("/requests", token=token, json=BODY, headers={"Idempotency-Key": "call-0001"})
    again = api.post("/requests", token=token, json=BODY, headers={"Idempotency-Key": "call-0001"})
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert count_rows(DataRequest) == 1
    assert count_rows(OutboxMessage) == 1  # one receipt, not two


def test_the_same_key_with_a_different_body_is_refused_and_nothing_is_written(api, token, count_rows):
    api.post("/requests", token=token, json=BODY, headers={"Idempotency-Key": "call-0002"})
    other = {**BODY, "type": "erasure"}
    body = is_problem(api.post("/requests", token=token, json=other, headers={"Idempotency-Key": "call-0002"}),
                      422, "idempotency-key-reused")
    assert body["errors"][0]["parameter"] == "Idempotency-Key"
    assert count_rows(DataRequest) == 1


def test_keys_belong_to_their_token(api, make_token, count_rows):
    first, second = make_token(), make_token()
    api.post("/requests", token=first, json=BODY, headers={"Idempotency-Key": "shared"})
    assert api.post("/requests", token=second, json=BODY, headers={"Idempotency-Key": "shared"}).status_code == 201
    assert count_rows(DataRequest) == 2


def test_a_failed_call_does_not_use_up_its_key(api, token, count_rows):
    bad = {**BODY, "policy": "nowhere"}
    is_problem(api.post("/requests", token=token, json=bad, headers={"Idempotency-Key": "k1"}), 422, "validation-failed")
    assert count_rows(ApiIdempotencyRecord) == 0
    assert api.post("/requests", token=token, json=BODY, headers={"Idempotency-Key": "k1"}).status_code == 201


def test_a_malformed_key_is_a_parameter_problem(api, token, count_rows):
    is_problem(api.post("/requests", token=token, json=BODY, headers={"Idempotency-Key": "x" * 101}),
               400, "invalid-parameter")
    assert count_rows(DataRequest) == 0


def test_transitions_honour_the_key_too(api, token):
    reference = api.post("/requests", token=token, json=BODY).get_json()["reference"]
    move = {"to": "verified"}
    headers = {"Idempotency-Key": "verify-1"}
    assert api.post(f"/requests/{reference}/transitions", token=token, json=move, headers=headers).status_code == 200
    # A retry answers the same instead of "a verified request cannot become verified".
    assert api.post(f"/requests/{reference}/transitions", token=token, json=move, headers=headers).status_code == 200


def test_tick_forgets_keys_after_a_week(app, api, token, count_rows):
    from datetime import timedelta

    from portal.api.jobs import forget_old_idempotency_keys
    from portal.common.time import utcnow
    from portal.extensions import db

    api.post("/requests", token=token, json=BODY, headers={"Idempotency-Key": "old"})
    api.post("/requests", token=token, json=BODY, headers={"Idempotency-Key": "new"})
    with app.app_context():
        old = db.session.scalar(sa.select(ApiIdempotencyRecord).where(ApiIdempotencyRecord.key == "old"))
        old.created_at = utcnow() - timedelta(days=8)
        db.session.commit()
        assert forget_old_idempotency_keys() == "1 forgotten"
        db.session.commit()
    assert count_rows(ApiIdempotencyRecord) == 1
