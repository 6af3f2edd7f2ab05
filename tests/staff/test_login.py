"""Logging in: one message for every wrong guess, lock-out, rate limits, session renewal,
idle time-out, log-out, and the audit trail of it all."""
from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal import create_app
from portal.common.time import utcnow
from portal.extensions import db
from portal.staff.models import StaffUser
from tests.fixtures.app import TEST_SECRET_KEY
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


def test_guessing_from_one_address_is_slowed_but_never_locks_the_person_out(client, create_staff, login_staff,
                                                                            audit_actions):
    account = create_staff("admin")
    in_english(client)
    attacker = {"REMOTE_ADDR": "203.0.113.9"}
    answers = [try_login(client, account.email, "wrong password guess", environ_base=attacker) for _ in range(6)]
    assert [r.status_code for r in answers] == [200] * 5 + [429]
    assert {error_of(r) for r in answers[:5]} == {WRONG}
    # Even the right password waits from the guessing address…
    assert try_login(client, account.email, account.password, environ_base=attacker).status_code == 429
    # …while the admin, from their own address, logs in: no one can lock an admin out.
    own = client.application.test_client()
    login_staff(own, account)
    assert own.get("/staff/").status_code == 200
    with client.application.app_context():
        assert db.session.get(StaffUser, account.id).locked_until is None
    assert [a for a, *_ in audit_actions()].count("staff.login_failed") == 5


def test_an_unknown_address_is_slowed_exactly_like_a_real_one(client, create_staff):
    account = create_staff("agent")
    real = [try_login(client, account.email, "wrong password guess").status_code for _ in range(6)]
    unknown = [try_login(client, "nobody@staff.example.jp", "wrong password guess",
                         environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code for _ in range(6)]
    assert real == unknown == [200] * 5 + [429]


def test_an_unknown_address_costs_one_password_verification_like_a_real_one(app, client, create_staff, monkeypatch):
    """Similar timing without a timed test: both answers do the same argon2 work."""
    from argon2 import PasswordHasher

    account = create_staff("agent")
    calls = []
    real_verify = PasswordHasher.verify
    monkeypatch.setattr(PasswordHasher, "verify", lambda self, hash, password: calls.append(1) or real_verify(
        self, hash, password))
    try_login(client, "nobody@staff.example.jp", "wrong password guess")
    unknown = len(calls)
    try_login(client, account.email, "wrong password guess")
    assert unknown == 1 and len(calls) - unknown == 1


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


def test_attempts_on_one_account_from_many_addresses_are_each_counted_per_address(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "PORTAL_STAFF_LOGIN_EMAIL_RATE_LIMIT", "3 per hour")
    codes = [
        try_login(client, "target@staff.example.jp", "whatever password",
                  environ_base={"REMOTE_ADDR": f"192.0.2.{n % 2}"}).status_code
        for n in range(8)
    ]
    assert codes == [200] * 6 + [429, 429]


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


def test_a_copied_session_cookie_is_refused_after_log_out(client, create_staff, login_staff):
    account = create_staff("agent")
    login_staff(client, account)
    copied = client.get_cookie("session").value  # what a shared computer or a stolen cookie keeps
    post_page_form(client, "/staff/logout", {}, page="/staff/")
    thief = client.application.test_client()
    thief.set_cookie("session", copied)
    response = thief.get("/staff/")
    assert response.status_code == 302 and "/staff/login" in response.location


@pytest.mark.parametrize("minutes", [60, 240])
def test_an_idle_time_out_above_fifteen_minutes_is_honoured(app, create_staff, login_staff, monkeypatch, minutes):
    longer = create_app({"PORTAL_ENV": "testing", "SECRET_KEY": TEST_SECRET_KEY, "SERVER_NAME": None,
                         "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                         "PORTAL_STAFF_IDLE_MINUTES": minutes})
    client = longer.test_client()
    account = create_staff("agent")
    login_staff(client, account)
    later = time.time() + (minutes - 5) * 60  # away for a while, but less than the time-out
    monkeypatch.setattr(time, "time", lambda: later)
    assert client.get("/staff/").status_code == 200
    later += (minutes + 1) * 60  # and now away for longer than the time-out
    response = client.get("/staff/")
    assert response.status_code == 302 and "/staff/login" in response.location


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
