"""Who may call: 401 for missing or bad tokens, 403 for a missing scope, every call audited."""
from __future__ import annotations

import pytest

from portal.api.models import ApiToken
from tests.fixtures.api import expire, is_problem


def test_no_token_is_401_with_a_bearer_challenge(api):
    response = api.get("/requests")
    is_problem(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer mgk_not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz", "mgk_abc"])
def test_an_unknown_or_malformed_token_is_401(api, header):
    response = api.get("/requests", headers={"Authorization": header})
    assert response.status_code == 401 and response.mimetype == "application/problem+json"


def test_an_expired_token_is_401_and_says_so(app, api, make_token):
    credentials = make_token()
    expire(app, credentials)
    body = is_problem(api.get("/requests", token=credentials), 401, "invalid-token")
    assert "expired" in body["detail"]


def test_a_revoked_token_is_401(app, api, make_token):
    credentials = make_token()
    expire(app, credentials, revoke=True)
    body = is_problem(api.get("/requests", token=credentials), 401, "invalid-token")
    assert "revoked" in body["detail"]


def test_a_logged_in_staff_browser_without_a_token_gets_401(api, client, login_as):
    login_as("admin")
    is_problem(api.get("/requests"), 401, "unauthorized")


def test_a_token_without_the_scope_is_403_naming_the_scope(api, make_token):
    credentials = make_token("suppressions:read")
    body = is_problem(api.get("/requests", token=credentials), 403, "insufficient-scope")
    assert body["required_scope"] == "requests:read"


def test_an_owner_demoted_below_the_scope_loses_it(app, api, make_token):
    from portal.audit.services import Actor
    from portal.extensions import db
    from portal.staff import services

    credentials = make_token("reports:read", role="manager")
    assert api.get("/reports/summary", token=credentials).status_code == 200
    with app.app_context():
        services.change_role(services.get_staff(credentials.owner_id), role="agent", actor=Actor("test"))
        db.session.commit()
    is_problem(api.get("/reports/summary", token=credentials), 403, "insufficient-scope")


def test_404_and_405_under_the_api_are_problems_not_html(api, token):
    is_problem(api.get("/no-such-thing", token=token), 404, "not-found")
    response = api.client.put("/api/v1/requests", headers=token.headers)
    is_problem(response, 405, "method-not-allowed")
    assert "GET" in response.headers["Allow"]


def test_every_call_is_audited_with_the_owner_as_actor(api, token, audit_entries):
    api.get("/requests", token=token)
    api.get("/requests/MG-2026-999999", token=token)
    calls = audit_entries("api.call")
    assert [(c.actor_type, c.actor_id, c.details["status"]) for c in calls] == [
        ("staff", str(token.owner_id), 200), ("staff", str(token.owner_id), 404)]
    assert calls[0].target_id == str(token.token_id)


def test_a_filing_its_replay_and_a_refusal_are_each_audited_once_after_what_they_did(api, token, audit_entries):
    body = {"type": "disclosure", "channel": "post", "policy": "appi", "requester": {"email": "post@example.jp"}}
    headers = {"Idempotency-Key": "letter-2026-001"}
    assert api.post("/requests", token=token, json=body, headers=headers).status_code == 201
    assert api.post("/requests", token=token, json=body, headers=headers).status_code == 201  # the replay
    assert api.post("/requests", token=token, json={**body, "person_key": "C-404"}).status_code == 422
    assert [c.details["status"] for c in audit_entries("api.call")] == [201, 201, 422]
    [created] = audit_entries("dsr.request.created")
    first_call = audit_entries("api.call")[0]
    assert created.id < first_call.id and first_call.details["operation"] == "create_request"


def test_the_owner_is_the_actor_of_changes_made_through_the_api(api, token, audit_entries):
    api.post("/requests", token=token, json={"type": "disclosure", "channel": "post", "policy": "appi",
                                             "requester": {"email": "post@example.jp"}})
    [created] = audit_entries("dsr.request.created")
    assert (created.actor_type, created.actor_id) == ("staff", str(token.owner_id))


def test_last_use_is_recorded(app, api, token):
    from portal.extensions import db

    api.get("/requests", token=token)
    with app.app_context():
        assert db.session.get(ApiToken, token.token_id).last_used_at is not None


def test_rate_limit_per_token_answers_429_with_retry_after(app, api, make_token):
    first, second = make_token(), make_token()
    configured = app.config["PORTAL_API_RATE_LIMIT"]
    app.config["PORTAL_API_RATE_LIMIT"] = "3 per minute"
    try:
        statuses = [api.get("/requests", token=first).status_code for _ in range(4)]
        limited = api.get("/requests", token=first)
        other = api.get("/requests", token=second)
    finally:
        app.config["PORTAL_API_RATE_LIMIT"] = configured
    assert statuses == [200, 200, 200, 429]
    is_problem(limited, 429, "rate-limited")
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert other.status_code == 200  # the limit is per token
