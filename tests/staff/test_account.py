"""A staff user's own account page: password change, landing page and the frame's nav."""
from __future__ import annotations

import pytest

from tests.fixtures.pages import in_english, post_page_form, text_of


def change(client, current: str, new: str, confirm: str | None = None):
    return post_page_form(client, "/staff/account/password",
                          {"current_password": current, "new_password": new, "confirm_password": confirm or new},
                          page="/staff/account")


def test_changing_the_password_keeps_this_session_and_ends_the_others(app, client, create_staff, login_staff, audit_actions):
    account = create_staff("agent")
    other_browser = app.test_client()
    login_staff(other_browser, account)
    login_staff(client, account)
    response = change(client, account.password, "a completely new phrase")
    assert response.status_code == 302
    assert client.get("/staff/").status_code == 200
    assert "/staff/login" in other_browser.get("/staff/").location
    account.password = "a completely new phrase"
    post_page_form(client, "/staff/logout", {}, page="/staff/")
    login_staff(client, account)
    assert ("staff.password_changed", "staff", str(account.id), {"reason": "changed_by_user"}) in audit_actions()


@pytest.mark.parametrize("current, new, confirm, message", [
    ("wrong current password", "a completely new phrase", None, "Your current password is not correct."),
    (None, "too short", None, "Use at least 12 characters."),
    (None, "agent1@staff.example.jp", None, "The password must not be your e-mail address."),
    (None, "a completely new phrase", "a different phrase here", "The two passwords differ."),
    (None, "qwerty123456", None, "This password is among the most used ones"),
    (None, "Sunshine2024!!", None, "This password is among the most used ones"),
])
def test_a_refused_password_change_says_why(client, create_staff, login_staff, current, new, confirm, message):
    account = create_staff("agent")
    in_english(client)
    login_staff(client, account)
    response = change(client, current or account.password, new, confirm)
    assert response.status_code == 422
    assert message in text_of(response)


def test_the_landing_page_greets_and_lists_only_the_areas_of_the_role(client, login_as):
    in_english(client)
    agent = login_as("agent")
    page = text_of(client.get("/staff/"))
    assert f"Hello, {agent.name}" in page and "Agent" in page
    assert "Account" in page and "Staff accounts" not in page


def test_admins_see_staff_accounts_in_the_frame(client, login_as):
    in_english(client)
    login_as("admin")
    html = client.get("/staff/").get_data(as_text=True)
    assert 'href="/staff/users"' in html
    assert 'action="/staff/logout"' in html


def test_the_previous_log_in_is_shown_so_a_stranger_s_log_in_is_noticed(client, create_staff, login_staff):
    account = create_staff("agent")
    in_english(client)
    login_staff(client, account)
    assert "Your previous log-in" not in text_of(client.get("/staff/"))
    post_page_form(client, "/staff/logout", {}, page="/staff/")
    login_staff(client, account)
    assert "Your previous log-in" in text_of(client.get("/staff/"))


def test_the_reports_link_appears_only_once_a_reports_page_exists(client, login_as, app):
    in_english(client)
    login_as("manager")
    has_reports = "reports.dashboard" in app.view_functions
    assert ("Reports" in text_of(client.get("/staff/"))) == has_reports
