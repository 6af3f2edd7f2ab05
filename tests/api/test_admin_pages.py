"""Admin pages: create a token (shown once), list and revoke it; register a webhook (secret
shown once), read its deliveries and attempts, send one again."""
from __future__ import annotations

import re

import sqlalchemy as sa

from portal.api.models import ApiToken
from portal.webhooks.models import DeliveryStatus, WebhookDelivery
from portal.extensions import db
from tests.fixtures.api import is_problem
from tests.fixtures.pages import in_english, text_of


def test_an_admin_creates_a_token_that_is_shown_once_and_works(app, client, login_as, post_form, api):
    admin = login_as("admin")
    in_english(client)
    response = post_form("/staff/api-tokens/new", {"owner_id": str(admin.id), "name": "CRM nightly sync",
                                                   "scopes": ["requests:read", "suppressions:read"], "days": "30"})
    assert response.status_code == 200
    raw = re.search(r"mgk_[A-Za-z0-9_-]{40,}", response.get_data(as_text=True)).group(0)
    assert "shown only this once" in text_of(response)
    listing = client.get("/staff/api-tokens")
    assert "CRM nightly sync" in text_of(listing) and raw not in listing.get_data(as_text=True)
    assert api.get("/requests", headers={"Authorization": f"Bearer {raw}"}).status_code == 200


def test_a_scope_beyond_the_owners_role_is_refused_on_the_page(app, client, login_as, create_staff, post_form, count_rows):
    login_as("admin")
    in_english(client)
    agent = create_staff("agent")
    response = post_form("/staff/api-tokens/new", {"owner_id": str(agent.id), "name": "Import",
                                                   "scopes": ["inventory:write"], "days": "30"})
    assert "does not include every chosen scope" in text_of(response)
    assert count_rows(ApiToken) == 0


def test_a_revoked_token_stops_working(app, client, login_as, post_form, make_token, api):
    login_as("admin")
    credentials = make_token()
    post_form(f"/staff/api-tokens/{credentials.token_id}/revoke", page="/staff/api-tokens")
    is_problem(api.get("/requests", token=credentials), 401, "invalid-token")


def test_webhooks_are_registered_shown_and_resent(app, client, login_as, post_form, api, token):
    login_as("admin")
    in_english(client)
    response = post_form("/staff/webhooks/new", {"url": "http://127.0.0.1:9/hooks", "description": "CRM",
                                                 "events": ["request.received"]})
    assert re.search(r"whsec_[A-Za-z0-9_-]{40,}", response.get_data(as_text=True))
    api.post("/requests", token=token, json={"type": "disclosure", "channel": "phone", "policy": "appi",
                                             "requester": {"email": "taro@example.jp"}})
    with app.app_context():
        delivery = db.session.scalar(sa.select(WebhookDelivery))
        delivery.status = DeliveryStatus.FAILED
        db.session.commit()
        webhook_id, delivery_id = delivery.webhook_id, delivery.id
    page = client.get(f"/staff/webhooks/{webhook_id}")
    assert "request.received" in text_of(page) and "Failed" in text_of(page)
    post_form(f"/staff/webhooks/deliveries/{delivery_id}/resend", page=f"/staff/webhooks/{webhook_id}")
    with app.app_context():
        assert db.session.get(WebhookDelivery, delivery_id).status is DeliveryStatus.PENDING


def test_an_invalid_webhook_url_is_a_field_error(client, login_as, post_form):
    login_as("admin")
    in_english(client)
    response = post_form("/staff/webhooks/new", {"url": "ftp://example.com", "events": ["request.received"]})
    assert "Enter an http or https URL." in text_of(response)
