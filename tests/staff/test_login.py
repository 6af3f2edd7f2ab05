"""Logging in: one message for every wrong guess, lock-out, rate limits, session renewal,
idle time-out, log-out, and the audit trail of it all."""
from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.common.time import utcnow
from portal.extensions import db
from portal.staff.models import StaffUser
from tests.fixtures.pages import in_english, post_page_form, text_of

WRONG = "The e-mail address or the password is not correct."


def try_login(client, email: str, password: str, **kwargs):
    return post_page_form(client, "/staff/login", {"email": email, "password": password}, **kwargs)


def error_of(response) -> str:
    """The form's error line as a person reads it."""
    match = re.search(r'<p class="flash flash-error" role="alert">([^<]+)</p>', response.get_data(as_text=True))
    return match.group(1) if match else ""


def test_password_and_authenticator_code_open_the_staff_area(client, create_staff, login_staff):
    account = create_staff("agent")
    login_staff(client, account)
    page = client.get("/staff/")
    assert page.status_code == 200
    assert account.name in text_of(page)


def test_unknown_address_wrong_password_and_deactivated_account_read_the_same(client, create_staff):
    account = create_staff("agent")
    gone = create_staff("agent", active=False)
    answers = [
        try_login(client, "nobody@staff.example.jp", "whatever password"),
        try_login(client, account.email, "not the password at all"),
        try_login(client, gone.email, gone.password),
    ]
    assert {r.status_code for r in answers} == {200}
    messages = {error_of(r) for r in answers}
    assert len(messages) == 1 and messages.pop(), "each wrong guess must read exactly the same"
    assert "/staff/login/2fa" not in {r.location for r in answers}


def test_the_message_for_a_wrong_guess_is_japanese_by_default(client, create_staff):
    response = try_login(client, "nobody@staff.example.jp", "whatever password")
    assert "メールアドレスまたはパスワード" in error_of(response)


def test_address_is_matched_whatever_its_case_or_width(client, create_staff, login_staff):
    account = create_staff("agent", with_2fa=False, email="hanako.staff@example.jp")
    response = try_login(client, "  ＨＡＮＡＫＯ.Staff@Example.JP ", account.password)
    assert response.status_code == 302 and response.location.endswith("/staff/")


def test_five_failures_lock_the_account_even_against_the_right_password(client, create_staff, audit_actions):
    account = create_staff("agent")
    in_english(client)
    for _ in range(4):
        assert error_of(try_login(client, account.email, "wrong password guess")) == WRONG
    fifth = try_login(client, account.email, "wrong password guess")
    assert "This account is locked for 15 minutes" in error_of(fifth)
    right = try_login(client, account.email, account.password)
    assert right.status_code == 200 and "is locked" in error_of(right)
    actions = [a for a, *_ in audit_actions()]
    assert actions.count("staff.locked") == 1
    assert actions.count("staff.login_failed") == 6


def test_the_lock_ends_after_fifteen_minutes(app, client, create_staff, login_staff):
    account = create_staff("agent")
    for _ in range(5):
        try_login(client, account.email, "wrong password guess")
    with app.app_context():
        user = db.session.get(StaffUser, account.id)
        assert user.locked_until - utcnow() > timedelta(minutes=14)
        user.locked_until = utcnow() - timedelta(seconds=1)  # as if fifteen minutes had passed
        db.session.commit()
        db.session.remove()
    login_staff(client, account)
    assert client.get("/staff/").status_code == 200


def test_failures_count_again_from_zero_after_a_successful_log_in(app, client, create_staff, login_staff):
    account = create_staff("agent", with_2fa=False)
    for _ in range(4):
        try_login(client, account.email, "wrong password guess")
    login_staff(client, account)
    with app.app_context():
        assert db.session.get(StaffUser, account.id).failed_login_count == 0


def test_many_log_in_attempts_from_one_address_are_refused_with_429(client):
    answers = [try_login(client, f"guess{n}@staff.example.jp", "whatever password").status_code for n in range(12)]
    assert answers[:10] == [200] * 10
    assert answers[10:] == [429, 429]


def test_many_attempts_on_one_account_from_many_addresses_are_refused_with_429(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "PORTAL_STAFF_LOGIN_EMAIL_RATE_LIMIT", "3 per hour")
    codes = [
        try_login(client, "target@staff.example.jp", "whatever password",
                  environ_base={"REMOTE_ADDR": f"192.0.2.{n}"}).status_code
        for n in range(4)
    ]
    assert codes == [200, 200, 200, 429]


def test_log_in_starts_a_fresh_session_that_keeps_only_the_language(client, create_staff, login_staff):
    account = create_staff("agent")
    with client.session_transaction() as session:
        session["planted_by_attacker"] = "x"
        session["customer_token"] = "someone's customer session"
        session["lang"] = "en"
    login_staff(client, account)
    with client.session_transaction() as session:
        assert "planted_by_attacker" not in session
        assert "customer_token" not in session
        assert session["lang"] == "en"
        assert session["_user_id"].startswith(f"{account.id}.")


def test_after_log_in_the_person_lands_where_they_were_going_inside_the_staff_area(client, create_staff, login_staff):
    account = create_staff("agent")
    assert login_staff(client, account, next="/staff/account").location.endswith("/staff/account")


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/staff/", "/my/data", "/staff/logout"])
def test_next_outside_the_staff_area_is_ignored(client, create_staff, login_staff, target):
    account = create_staff("agent")
    assert login_staff(client, account, next=target).location.endswith("/staff/")


def test_an_idle_session_is_logged_out(client, create_staff, login_staff, audit_actions):
    account = create_staff("agent")
    in_english(client)
    login_staff(client, account)
    with client.session_transaction() as session:
        session["staff_seen"] = int(time.time()) - 31 * 60
    response = client.get("/staff/account")
    assert response.status_code == 302 and "/staff/login" in response.location
    assert "logged out after 30 minutes without activity" in text_of(client.get(response.location))
    assert client.get("/staff/").status_code == 302
    assert ("staff.session_expired", "staff", str(account.id), {"reason": "idle"}) in audit_actions()


def test_a_session_in_use_stays_logged_in(client, create_staff, login_staff):
    account = create_staff("agent")
    login_staff(client, account)
    with client.session_transaction() as session:
        session["staff_seen"] = int(time.time()) - 29 * 60
    assert client.get("/staff/").status_code == 200
    with client.session_transaction() as session:
        assert int(time.time()) - session["staff_seen"] < 5  # the clock restarted


def test_log_out_is_refused_without_a_csrf_token(client, create_staff, login_staff):
    account = create_staff("agent")
    login_staff(client, account)
    assert client.post("/staff/logout").status_code == 400
    assert client.get("/staff/").status_code == 200


def test_log_out_ends_the_session_and_is_audited(client, create_staff, login_staff, audit_actions):
    account = create_staff("agent")
    login_staff(client, account)
    response = post_page_form(client, "/staff/logout", {}, page="/staff/")
    assert response.status_code == 302 and response.location.endswith("/staff/login")
    assert client.get("/staff/").status_code == 302
    assert ("staff.logout", "staff", str(account.id), {"reason": "user"}) in audit_actions()


def test_log_ins_are_audited_without_passwords_or_addresses(client, create_staff, login_staff, audit_actions):
    account = create_staff("manager")
    try_login(client, "nobody@staff.example.jp", "first secret guess")
    try_login(client, account.email, "second secret guess")
    login_staff(client, account)
    entries = audit_actions()
    failed = [e for e in entries if e[0] == "staff.login_failed"]
    assert failed[0][1:3] == ("system", None)  # nobody to name
    assert failed[1][1:3] == ("staff", str(account.id))
    assert ("staff.login_succeeded", "staff", str(account.id), {"method": "password+totp"}) in entries
    flat = repr(entries)
    for secret in ("nobody@staff.example.jp", account.email, "secret guess", account.password):
        assert secret not in flat


def test_a_weakly_hashed_password_is_rehashed_at_log_in(app, client, create_staff, login_staff):
    from argon2 import PasswordHasher

    account = create_staff("agent", with_2fa=False)
    weak = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1).hash(account.password)
    with app.app_context():
        db.session.execute(sa.update(StaffUser).where(StaffUser.id == account.id).values(password_hash=weak))
        db.session.commit()
    login_staff(client, account)
    with app.app_context():
        stored = db.session.get(StaffUser, account.id).password_hash
    assert stored != weak and stored.startswith("$argon2id$")


def test_a_session_taken_to_another_browser_is_dropped(client, create_staff, login_staff):
    account = create_staff("agent")
    login_staff(client, account)
    response = client.get("/staff/", headers={"User-Agent": "a different browser"})
    assert response.status_code == 302 and "/staff/login" in response.location


def test_staff_pages_are_never_cached(client, create_staff, login_staff):
    login_staff(client, create_staff("agent"))
    assert client.get("/staff/").headers["Cache-Control"] == "no-store"


def test_a_staff_log_in_opens_no_customer_pages(client, create_staff, login_staff):
    login_staff(client, create_staff("admin"))
    response = client.get("/my/data")
    assert response.status_code == 302 and "/staff/" not in response.location
