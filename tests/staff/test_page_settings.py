"""One set of page settings for the whole staff area, whichever package serves the page:
the styled 403 and 404 in the staff member's language, no-store, and the idle time-out."""
from __future__ import annotations

import time

import pytest

from tests.fixtures.pages import in_english, text_of

# A page of each package that serves part of /staff/, with the role it needs.
MANAGER_PAGES = ["/staff/reports", "/staff/campaigns", "/staff/incidents", "/staff/duplicates"]
ADMIN_PAGES = ["/staff/users", "/staff/audit", "/staff/policies", "/staff/api-tokens", "/staff/webhooks"]
AGENT_PAGES = ["/staff/", "/staff/account", "/staff/retention", "/staff/suppressions"]


@pytest.mark.parametrize("url", MANAGER_PAGES + ADMIN_PAGES)
def test_an_agent_on_a_manager_or_admin_page_gets_the_styled_403_in_japanese(client, login_as, url):
    login_as("agent")
    response = client.get(url)
    assert response.status_code == 403
    page = text_of(response)
    assert "あなたの権限では利用できません" in page and "スタッフ専用ページに戻る" in page
    assert "Forbidden" not in page
    assert response.headers["Cache-Control"] == "no-store"


def test_the_403_speaks_the_staff_members_language(client, login_as):
    login_as("agent")
    in_english(client)
    page = text_of(client.get("/staff/reports"))
    assert "Not available for your role" in page and "Back to the staff area" in page


@pytest.mark.parametrize("url", ["/staff/no-such-page", "/staff/requests/MG-2026-999999"])
def test_a_missing_staff_page_is_the_staff_404(client, login_as, url):
    login_as("agent")
    in_english(client)
    response = client.get(url)
    assert response.status_code == 404
    page = text_of(response)
    assert "Page not found" in page and "Back to the staff area" in page
    assert response.headers["Cache-Control"] == "no-store"


def test_outside_the_staff_area_the_customer_404_stays(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and "Back to the staff area" not in text_of(response)


@pytest.mark.parametrize("url", AGENT_PAGES + MANAGER_PAGES + ADMIN_PAGES)
def test_no_staff_page_is_cached(client, login_as, url):
    login_as("admin")
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("url", ["/staff/reports", "/staff/audit", "/staff/policies", "/staff/api-tokens"])
def test_an_idle_session_is_logged_out_on_every_staff_page(client, login_as, url):
    login_as("admin")
    with client.session_transaction() as session:
        session["staff_seen"] = int(time.time()) - 31 * 60
    response = client.get(url)
    assert response.status_code == 302 and "/staff/login" in response.location
