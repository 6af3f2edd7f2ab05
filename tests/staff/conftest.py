"""Staff fixtures: accounts made through the real services, log-ins through the real pages.

`create_staff(role=…, with_2fa=True)` → a `StaffAccount` (plain data: id, email, password,
totp_secret, recovery_codes), usable outside any app context.
`login_staff(client, account)` logs that client in by posting the log-in form and, when the
account has 2FA, a TOTP code made with pyotp — exactly what a person does.
`login_as(role)` does both for the default `client`.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone

import pyotp
import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEntry
from portal.audit.services import Actor
from portal.extensions import db
from portal.staff import security, services
from portal.staff.models import StaffUser
from tests.conftest import csrf_from


@dataclass
class StaffAccount:
    id: int
    email: str
    name: str
    role: str
    password: str
    totp_secret: str | None = None
    recovery_codes: list[str] = field(default_factory=list)


def totp_code_for(app, account: StaffAccount) -> str:
    """A code the portal will accept now: never the step it last accepted for this account.

    Logging the same account in twice within 30 seconds would otherwise reuse a code, which
    the portal (rightly) refuses. The next step's code is accepted too (valid_window=1); for
    a third log-in within one step the fixture forgets the last step — a shortcut for tests
    only, as the refusal of reused codes has its own tests.
    """
    totp = pyotp.TOTP(account.totp_secret)
    now_step = totp.timecode(datetime.now(timezone.utc))
    with app.app_context():
        user = db.session.get(StaffUser, account.id)
        last = user.totp_last_step
        if last is not None and last >= now_step + 1:
            user.totp_last_step = None
            db.session.commit()
            last = None
        db.session.remove()
    step = now_step if last is None or last < now_step else now_step + 1
    return totp.generate_otp(step)


@pytest.fixture
def create_staff(app):
    numbers = itertools.count(1)

    def create(role: str = "agent", *, with_2fa: bool = True, email: str | None = None,
               name: str | None = None, password: str | None = None, active: bool = True) -> StaffAccount:
        n = next(numbers)
        email = email or f"{role}{n}@staff.example.jp"
        password = password or f"a long pass phrase {role} {n}"
        with app.app_context():
            user = services.create_staff(email=email, name=name or f"{role.title()} {n}", role=role,
                                         password=password, actor=Actor("test"))
            account = StaffAccount(user.id, user.email, user.name, user.role.value, password)
            if with_2fa:
                secret = security.new_totp_secret()
                account.totp_secret = secret
                account.recovery_codes = services.enrol_totp(
                    user, secret=secret, code=pyotp.TOTP(secret).now(), actor=Actor("test"))
                user.totp_last_step = None  # enrolled "a while ago": the current code is fresh
            user.active = active
            db.session.commit()
            db.session.remove()
        return account

    return create


def post_page_form(client, url: str, data: dict, *, page: str | None = None, **kwargs):
    html = client.get(page or url).get_data(as_text=True)
    return client.post(url, data={"csrf_token": csrf_from(html), **data}, **kwargs)


@pytest.fixture
def login_staff(app):
    def login(client, account: StaffAccount, *, next: str | None = None):
        url = "/staff/login" + (f"?next={next}" if next else "")
        response = post_page_form(client, url, {"email": account.email, "password": account.password})
        assert response.status_code == 302, f"log-in refused for {account.email}: {text_of(response)[:300]}"
        if response.location.endswith("/staff/login/2fa"):
            assert account.totp_secret, "the portal asks for a code but the account has no TOTP secret"
            response = post_page_form(client, "/staff/login/2fa", {"code": totp_code_for(app, account)})
        assert response.status_code == 302 and "/staff/login" not in response.location, (
            f"log-in of {account.email} did not complete: {response.status_code} {response.location}")
        return response

    return login


@pytest.fixture
def login_as(client, create_staff, login_staff):
    """`login_as("manager")` → the account, with the default `client` logged in as it."""

    def login(role: str = "agent", **options) -> StaffAccount:
        account = create_staff(role, **options)
        login_staff(client, account)
        return account

    return login


@pytest.fixture
def audit_actions(app):
    """`audit_actions()` → [(action, actor_type, actor_id, details)] in order."""

    def read(prefix: str = "staff.") -> list[tuple]:
        with app.app_context():
            rows = db.session.execute(
                sa.select(AuditEntry.action, AuditEntry.actor_type, AuditEntry.actor_id, AuditEntry.details)
                .where(AuditEntry.action.startswith(prefix)).order_by(AuditEntry.id)
            ).all()
            db.session.remove()
        return [tuple(row) for row in rows]

    return read


def in_english(client) -> None:
    """Show this browser the English pages (the language survives log-in), so tests can
    assert on the msgids this package controls; Japanese stays the default."""
    with client.session_transaction() as session:
        session["lang"] = "en"


def text_of(response) -> str:
    """The visible text of a page, whitespace collapsed (for assertions on what a person reads)."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())
