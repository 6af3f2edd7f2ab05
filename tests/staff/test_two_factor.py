"""Two-factor authentication: forced enrolment, TOTP codes used once, recovery codes used once."""
from __future__ import annotations

import re

import pyotp
import pytest

from portal.extensions import db
from portal.staff.models import StaffUser
from tests.fixtures.pages import in_english, post_page_form, text_of
from tests.fixtures.staff import totp_code_for


def password_step(client, account):
    return post_page_form(client, "/staff/login", {"email": account.email, "password": account.password})


def secret_on(page_html: str) -> str:
    return "".join(re.search(r'class="totp-secret">([^<]+)<', page_html).group(1).split())


def codes_on(page_html: str) -> list[str]:
    return re.findall(r"<li><code>([A-Z0-9-]+)</code></li>", page_html)


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_managers_and_admins_must_set_up_2fa_before_anything_else(client, create_staff, role):
    account = create_staff(role, with_2fa=False)
    response = password_step(client, account)
    assert response.location.endswith("/staff/2fa/setup")
    for elsewhere in ("/staff/", "/staff/account", "/staff/users"):
        assert "/staff/login" in client.get(elsewhere).location, "not logged in until enrolled"
    assert client.get("/staff/2fa/setup").status_code == 200


def test_enrolment_shows_a_local_qr_code_and_the_key_then_ten_recovery_codes_once(client, create_staff, audit_actions):
    account = create_staff("manager", with_2fa=False)
    password_step(client, account)
    page = client.get("/staff/2fa/setup").get_data(as_text=True)
    assert 'src="/staff/2fa/qr.svg"' in page and "data:" not in page and "<script" not in page
    secret = secret_on(page)
    qr = client.get("/staff/2fa/qr.svg")
    assert qr.mimetype == "image/svg+xml" and qr.data.startswith(b"<svg") and b"script" not in qr.data

    wrong = post_page_form(client, "/staff/2fa/setup", {"code": "000000"}, page="/staff/2fa/setup")
    assert wrong.status_code == 200 and "/staff/login" in client.get("/staff/").location

    done = post_page_form(client, "/staff/2fa/setup", {"code": pyotp.TOTP(secret).now()}, page="/staff/2fa/setup")
    codes = codes_on(done.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    assert done.headers["Cache-Control"] == "no-store"
    assert client.get("/staff/").status_code == 200, "enrolment finishes the log-in"
    assert client.get("/staff/2fa/qr.svg").status_code == 404, "the pending secret is gone"
    assert not any(code in text_of(client.get("/staff/account")) for code in codes), "shown once only"
    assert ("staff.2fa_enrolled", "staff", str(account.id), {"recovery_codes": 10}) in audit_actions()


def test_qr_code_is_not_served_to_anyone_who_is_not_enrolling(client, login_as):
    assert "/staff/login" in client.get("/staff/2fa/qr.svg").location
    login_as("agent")  # already enrolled
    assert client.get("/staff/2fa/qr.svg").status_code == 404


def test_agents_log_in_with_a_password_alone_unless_2fa_is_required_for_them(app, client, create_staff, monkeypatch):
    account = create_staff("agent", with_2fa=False)
    assert password_step(client, account).location.endswith("/staff/")
    post_page_form(client, "/staff/logout", {}, page="/staff/")
    monkeypatch.setitem(app.config, "PORTAL_AGENT_2FA_REQUIRED", True)
    assert password_step(client, account).location.endswith("/staff/2fa/setup")


def test_an_agent_may_turn_on_2fa_voluntarily(client, create_staff, login_staff):
    account = create_staff("agent", with_2fa=False)
    login_staff(client, account)
    secret = secret_on(client.get("/staff/2fa/setup").get_data(as_text=True))
    done = post_page_form(client, "/staff/2fa/setup", {"code": pyotp.TOTP(secret).now()}, page="/staff/2fa/setup")
    assert len(codes_on(done.get_data(as_text=True))) == 10
    post_page_form(client, "/staff/logout", {}, page="/staff/")
    assert password_step(client, account).location.endswith("/staff/login/2fa")


def test_a_promoted_agent_without_2fa_must_enrol_before_continuing(app, client, create_staff, login_staff):
    account = create_staff("agent", with_2fa=False)
    login_staff(client, account)
    with app.app_context():
        db.session.get(StaffUser, account.id).role = "manager"
        db.session.commit()
    assert client.get("/staff/").location.endswith("/staff/2fa/setup")


def test_a_totp_code_logs_in(client, create_staff, app):
    account = create_staff("manager")
    assert password_step(client, account).location.endswith("/staff/login/2fa")
    assert "/staff/login" in client.get("/staff/").location, "the password alone is not a log-in"
    response = post_page_form(client, "/staff/login/2fa", {"code": totp_code_for(app, account)})
    assert response.location.endswith("/staff/")
    assert client.get("/staff/").status_code == 200


def test_the_same_code_cannot_be_used_twice(client, app, create_staff, login_staff):
    account = create_staff("manager")
    code = totp_code_for(app, account)
    in_english(client)
    password_step(client, account)
    assert post_page_form(client, "/staff/login/2fa", {"code": code}).location.endswith("/staff/")
    post_page_form(client, "/staff/logout", {}, page="/staff/")

    password_step(client, account)
    replay = post_page_form(client, "/staff/login/2fa", {"code": code})
    assert replay.status_code == 200
    assert "The code is not correct or was already used" in text_of(replay)
    assert "/staff/login" in client.get("/staff/").location


def test_wrong_codes_are_slowed_per_address_without_locking_the_account(client, create_staff, login_staff):
    account = create_staff("admin")
    in_english(client)
    attacker = {"REMOTE_ADDR": "203.0.113.9"}  # who knows the password, not the authenticator
    post_page_form(client, "/staff/login", {"email": account.email, "password": account.password},
                   environ_base=attacker)
    answers = [post_page_form(client, "/staff/login/2fa", {"code": "123456"}, environ_base=attacker).status_code
               for _ in range(6)]
    assert answers == [200] * 5 + [429]
    own = client.application.test_client()
    login_staff(own, account)  # the person, from their own address, is not locked out
    assert own.get("/staff/").status_code == 200


def test_a_recovery_code_logs_in_once(client, create_staff, audit_actions):
    account = create_staff("manager")
    code = account.recovery_codes[0]
    in_english(client)
    password_step(client, account)
    first = post_page_form(client, "/staff/login/2fa", {"code": code.lower().replace("-", " ")})
    assert first.location.endswith("/staff/")
    assert "You used a recovery code; 9 remain." in text_of(client.get("/staff/"))
    post_page_form(client, "/staff/logout", {}, page="/staff/")

    password_step(client, account)
    again = post_page_form(client, "/staff/login/2fa", {"code": code})
    assert again.status_code == 200 and "/staff/login" in client.get("/staff/").location
    assert ("staff.recovery_code_used", "staff", str(account.id), {"remaining": 9}) in audit_actions()


def test_the_code_step_expires_and_the_person_starts_again(client, create_staff, app):
    account = create_staff("manager")
    password_step(client, account)
    with client.session_transaction() as session:
        pending = session["staff_pending"]
        pending["at"] -= 11 * 60
        session["staff_pending"] = pending
    response = post_page_form(client, "/staff/login/2fa", {"code": totp_code_for(app, account)}, page="/staff/login")
    assert response.location.endswith("/staff/login")


def test_new_recovery_codes_replace_the_old_ones(client, create_staff, login_staff, audit_actions):
    account = create_staff("manager")
    login_staff(client, account)
    refused = post_page_form(client, "/staff/account/recovery-codes", {"password": "not my password"}, page="/staff/account")
    assert refused.status_code == 422
    response = post_page_form(client, "/staff/account/recovery-codes", {"password": account.password}, page="/staff/account")
    new_codes = codes_on(response.get_data(as_text=True))
    assert len(new_codes) == 10
    post_page_form(client, "/staff/logout", {}, page="/staff/")
    password_step(client, account)
    assert post_page_form(client, "/staff/login/2fa", {"code": account.recovery_codes[1]}).status_code == 200
    assert post_page_form(client, "/staff/login/2fa", {"code": new_codes[0]}).location.endswith("/staff/")
    assert any(a[0] == "staff.recovery_codes_regenerated" for a in audit_actions())


def test_on_a_shared_browser_the_next_person_gets_a_secret_of_their_own(client, create_staff):
    first, second = create_staff("manager", with_2fa=False), create_staff("manager", with_2fa=False)
    password_step(client, first)
    first_secret = secret_on(client.get("/staff/2fa/setup").get_data(as_text=True))
    password_step(client, second)
    second_secret = secret_on(client.get("/staff/2fa/setup").get_data(as_text=True))
    assert first_secret != second_secret
