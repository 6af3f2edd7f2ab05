"""Staff management by admins: new accounts with a mailed set-password link, roles,
deactivation, 2FA reset, and the last administrator who cannot be removed."""
from __future__ import annotations

import re

import sqlalchemy as sa

from portal.extensions import db
from portal.staff.models import StaffRole, StaffUser
from tests.fixtures.pages import in_english, post_page_form, text_of

LINK = re.compile(r"http://portal\.test(/staff/set-password/\S+)")


def user_row(app, user_id: int) -> StaffUser:
    with app.app_context():
        user = db.session.get(StaffUser, user_id)
        db.session.expunge(user)
        return user


def detail(user_id: int) -> str:
    return f"/staff/users/{user_id}"


def test_admin_creates_an_account_and_the_person_sets_a_password_by_mailed_link(
        app, client, login_as, login_staff, smtp_server, audit_actions):
    admin = login_as("admin")
    response = post_page_form(client, "/staff/users/new",
                              {"name": "佐藤 次郎", "email": "Jiro@Staff.Example.jp", "role": "manager"})
    assert response.status_code == 302
    assert "佐藤 次郎" in text_of(client.get("/staff/users"))
    [mail] = smtp_server.to("jiro@staff.example.jp")
    link = LINK.search(mail.get_body(preferencelist=("plain",)).get_content()).group(1)

    post_page_form(client, "/staff/logout", {}, page="/staff/")
    newcomer = app.test_client()
    in_english(newcomer)
    assert newcomer.get(link).status_code == 200
    weak = post_page_form(newcomer, link, {"new_password": "short", "confirm_password": "short"})
    assert weak.status_code == 200 and "Use at least 12 characters." in text_of(weak)
    done = post_page_form(newcomer, link, {"new_password": "a brand new pass phrase", "confirm_password": "a brand new pass phrase"})
    assert done.location.endswith("/staff/login")
    assert newcomer.get(link).status_code == 404, "the link works once"

    step = post_page_form(newcomer, "/staff/login", {"email": "jiro@staff.example.jp", "password": "a brand new pass phrase"})
    assert step.location.endswith("/staff/2fa/setup"), "a manager enrols 2FA at the first log-in"
    created = [a for a in audit_actions() if a[0] == "staff.created"][-1]
    assert created[1:] == ("staff", str(admin.id), {"role": "manager", "has_password": False})


def test_a_new_account_cannot_log_in_before_its_password_is_set(client, login_as, smtp_server, app):
    login_as("admin")
    post_page_form(client, "/staff/users/new", {"name": "New", "email": "new@staff.example.jp", "role": "agent"})
    post_page_form(client, "/staff/logout", {}, page="/staff/")
    for guess in ("", "None", "a long guess of a password"):
        response = post_page_form(client, "/staff/login", {"email": "new@staff.example.jp", "password": guess or " "})
        assert response.status_code == 200


def test_a_duplicate_address_is_refused_on_the_form(client, login_as, create_staff, smtp_server):
    other = create_staff("agent")
    in_english(client)
    login_as("admin")
    response = post_page_form(client, "/staff/users/new", {"name": "Dup", "email": other.email.upper(), "role": "agent"})
    assert response.status_code == 200
    assert "A staff account with this e-mail address already exists." in text_of(response)


def test_admin_changes_a_role_and_it_applies_at_once(app, client, login_as, create_staff, login_staff, audit_actions):
    agent = create_staff("agent")
    admin = login_as("admin")
    post_page_form(client, f"{detail(agent.id)}/role", {"role": "manager"}, page=detail(agent.id))
    assert user_row(app, agent.id).role is StaffRole.MANAGER
    assert ("staff.role_changed", "staff", str(admin.id), {"previous": "agent", "role": "manager"}) in audit_actions()


def test_deactivation_ends_the_persons_sessions_and_blocks_log_in(app, create_staff, login_staff, login_as, client):
    agent = create_staff("agent")
    agent_browser = app.test_client()
    login_staff(agent_browser, agent)
    login_as("admin")
    post_page_form(client, f"{detail(agent.id)}/deactivate", {}, page=detail(agent.id))
    assert not user_row(app, agent.id).active
    assert "/staff/login" in agent_browser.get("/staff/").location
    refused = post_page_form(agent_browser, "/staff/login", {"email": agent.email, "password": agent.password})
    assert refused.status_code == 200

    post_page_form(client, f"{detail(agent.id)}/reactivate", {}, page=detail(agent.id))
    assert user_row(app, agent.id).active
    login_staff(agent_browser, agent)


def test_reset_2fa_forces_enrolment_at_the_next_log_in(app, create_staff, login_staff, login_as, client, audit_actions):
    manager = create_staff("manager")
    manager_browser = app.test_client()
    login_staff(manager_browser, manager)
    admin = login_as("admin")
    post_page_form(client, f"{detail(manager.id)}/reset-2fa", {}, page=detail(manager.id))
    row = user_row(app, manager.id)
    assert row.totp_secret is None and not row.has_totp
    assert "/staff/login" in manager_browser.get("/staff/").location, "the old session ended"
    step = post_page_form(manager_browser, "/staff/login", {"email": manager.email, "password": manager.password})
    assert step.location.endswith("/staff/2fa/setup")
    assert ("staff.2fa_reset", "staff", str(admin.id), {}) in audit_actions()


def test_the_last_active_admin_cannot_demote_or_deactivate_themselves(app, client, login_as):
    in_english(client)
    admin = login_as("admin")
    for action, data in (("role", {"role": "manager"}), ("deactivate", {})):
        response = post_page_form(client, f"{detail(admin.id)}/{action}", data, page=detail(admin.id))
        assert response.status_code == 302
        page = text_of(client.get(response.location))
        assert "This is the last active administrator" in page
    row = user_row(app, admin.id)
    assert row.role is StaffRole.ADMIN and row.active


def test_with_a_second_admin_an_admin_may_step_down(app, client, login_as, create_staff):
    create_staff("admin")
    admin = login_as("admin")
    post_page_form(client, f"{detail(admin.id)}/role", {"role": "manager"}, page=detail(admin.id))
    assert user_row(app, admin.id).role is StaffRole.MANAGER
    assert client.get("/staff/users").status_code == 403, "least privilege applies at once"


def test_an_admin_can_mail_a_new_set_password_link(app, client, login_as, create_staff, smtp_server):
    agent = create_staff("agent")
    login_as("admin")
    post_page_form(client, f"{detail(agent.id)}/password-link", {}, page=detail(agent.id))
    [mail] = smtp_server.to(agent.email)
    link = LINK.search(mail.get_body(preferencelist=("plain",)).get_content()).group(1)
    other = app.test_client()
    post_page_form(other, link, {"new_password": "a replacement phrase", "confirm_password": "a replacement phrase"})
    with app.app_context():
        from portal.staff import security

        assert security.verify_password(db.session.get(StaffUser, agent.id).password_hash, "a replacement phrase")


def test_unknown_staff_id_is_404(client, login_as):
    login_as("admin")
    assert client.get("/staff/users/99999").status_code == 404


def test_staff_list_shows_each_account_once(client, login_as, create_staff, app):
    for role in ("agent", "manager"):
        create_staff(role)
    login_as("admin")
    page = text_of(client.get("/staff/users"))
    with app.app_context():
        names = db.session.scalars(sa.select(StaffUser.name)).all()
    assert all(page.count(name) == 1 for name in names)
