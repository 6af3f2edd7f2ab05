"""`flask --app portal create-staff` as DESIGN.md fixes it."""
from __future__ import annotations

import sqlalchemy as sa

from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.staff import security
from portal.staff.models import StaffRole, StaffUser

GOOD_PASSWORD = "correct horse battery staple"


def create(runner, *, email="taro@staff.example.jp", role="manager", password_input=f"{GOOD_PASSWORD}\n", stdin=True):
    args = ["create-staff", "--email", email, "--name", "山田 太郎", "--role", role]
    if stdin:
        args.append("--password-stdin")
    return runner.invoke(args=args, input=password_input)


def test_create_staff_reads_the_password_from_stdin(runner, app_ctx):
    result = create(runner, email=" Taro@Staff.Example.JP ")
    assert result.exit_code == 0, result.output
    assert "created manager account" in result.output
    user = db.session.scalar(sa.select(StaffUser))
    assert user.email == "taro@staff.example.jp" and user.name == "山田 太郎" and user.role is StaffRole.MANAGER
    assert user.password_hash.startswith("$argon2id$") and GOOD_PASSWORD not in user.password_hash
    assert security.verify_password(user.password_hash, GOOD_PASSWORD)
    assert not user.has_totp, "2FA is set up by the person at their first log-in"


def test_create_staff_prompts_twice_for_a_hidden_password(runner, app_ctx):
    result = create(runner, role="agent", stdin=False, password_input=f"{GOOD_PASSWORD}\n{GOOD_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert GOOD_PASSWORD not in result.output, "the password is not echoed"
    user = db.session.scalar(sa.select(StaffUser))
    assert user.role is StaffRole.AGENT and security.verify_password(user.password_hash, GOOD_PASSWORD)


def test_create_staff_refuses_two_different_passwords_at_the_prompt(runner, app_ctx):
    result = create(runner, stdin=False, password_input=f"{GOOD_PASSWORD}\nsomething else entirely\n")
    assert result.exit_code != 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StaffUser)) == 0


def test_create_staff_refuses_a_duplicate_address_in_one_line(runner, app_ctx):
    assert create(runner).exit_code == 0
    result = create(runner, email="TARO@staff.example.jp")
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: create-staff: a staff account with this e-mail address already exists"
    ]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StaffUser)) == 1


def test_create_staff_refuses_a_short_password(runner, app_ctx):
    result = create(runner, password_input="short pass\n")
    assert result.exit_code == 1
    assert "at least 12 characters" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StaffUser)) == 0


def test_create_staff_refuses_the_email_as_password(runner, app_ctx):
    result = create(runner, email="long.address@staff.example.jp", password_input="Long.Address@staff.example.jp\n")
    assert result.exit_code == 1
    assert "must not be the e-mail address" in result.output


def test_create_staff_refuses_a_common_password(runner, app_ctx):
    result = create(runner, password_input="1qaz2wsx3edc\n")
    assert result.exit_code == 1
    assert "among the most used ones" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StaffUser)) == 0


def test_create_staff_refuses_an_unknown_role(runner, app_ctx):
    result = create(runner, role="superuser")
    assert result.exit_code == 2 and "superuser" in result.output


def test_create_staff_is_audited_with_the_cli_as_actor(runner, app_ctx):
    create(runner)
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "staff.created"))
    assert entry.actor_type == "cli"
    assert entry.details == {"role": "manager", "has_password": True}
    assert "taro" not in repr(entry.details)
