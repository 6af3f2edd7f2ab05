"""The load generator's browser: one keep-alive connection with its own cookies.

Staff log in through the real pages (password, then a TOTP code from pyotp); a customer's
session is made as the verification flow makes it — a CustomerSession row whose token sits in
the signed session cookie, signed here with the server's SECRET_KEY.
"""
from __future__ import annotations

import hashlib
import http.client
import re
import secrets
import time
import uuid
from dataclasses import dataclass
from urllib.parse import urlencode

import pyotp
import sqlalchemy as sa

from portal.audit.services import Actor
from portal.extensions import db
from portal.inventory.models import Person
from portal.staff import security
from portal.staff import services as staff_services
from portal.staff.models import StaffUser
from portal.verification.models import CustomerSession
from portal.verification.session import TOKEN_KEY

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass
class Response:
    status: int
    location: str
    body: str


@dataclass
class Manager:
    email: str
    password: str
    totp_secret: str


class Client:
    def __init__(self, port: int, *, cookie: tuple[str, str] | None = None):
        self.port = port
        self.cookies: dict[str, str] = dict([cookie]) if cookie else {}
        self.csrf_token: str | None = None  # the session's, once a form has been fetched
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def reconnect(self) -> None:
        self.connection.close()
        self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)

    def request(self, method: str, path: str, form: dict | None = None, *, keep_cookies: bool = True) -> Response:
        headers = {"Accept-Language": "ja"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=body, headers=headers)
        raw = self.connection.getresponse()
        text = raw.read().decode("utf-8", "replace")
        for header in (raw.msg.get_all("Set-Cookie") or []) if keep_cookies else ():
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if value and "expires=thu, 01 jan 1970" not in header.lower():
                self.cookies[name] = value
            else:
                self.cookies.pop(name, None)
        return Response(raw.status, raw.getheader("Location") or "", text)

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post_form(self, path: str, data: dict, *, page: str | None = None) -> Response:
        html = self.get(page or path).body
        return self.request("POST", path, {"csrf_token": CSRF.search(html).group(1), **data})

    def log_in_staff(self, app, manager: Manager) -> None:
        response = self.post_form("/staff/login", {"email": manager.email, "password": manager.password})
        if response.status == 302 and response.location.endswith("/staff/login/2fa"):
            response = self.post_form("/staff/login/2fa", {"code": pyotp.TOTP(manager.totp_secret).now()})
        if response.status != 302 or "/staff/login" in response.location:
            raise RuntimeError(f"staff log-in failed: {response.status} {response.location}")


def new_manager(app) -> Manager:
    """A manager with 2FA enrolled, fresh for each client (a TOTP code is accepted only once)."""
    manager = Manager(f"bench-{uuid.uuid4().hex[:12]}@bench.example.jp", secrets.token_urlsafe(16),
                      security.new_totp_secret())
    with app.app_context():
        user = staff_services.create_staff(email=manager.email, name="ベンチ 管理者", role="manager",
                                           password=manager.password, actor=Actor("cli"))
        staff_services.enrol_totp(user, secret=manager.totp_secret, code=pyotp.TOTP(manager.totp_secret).now(),
                                  actor=Actor("cli"))
        db.session.get(StaffUser, user.id).totp_last_step = None  # enrolled "a while ago"
        db.session.commit()
        db.session.remove()
    return manager


def customer_cookie(app, email: str) -> tuple[str, str]:
    """(cookie name, value) of a verified customer's session for the person with `email`."""
    token = secrets.token_urlsafe(32)
    with app.app_context():
        person_id = db.session.scalar(sa.select(Person.id).where(Person.with_email(email)))
        if person_id is None:  # a session without a person would time an empty page
            raise SystemExit(f"no person with the address {email!r} in the database")
        db.session.add(CustomerSession(token_hash=hashlib.sha256(token.encode()).hexdigest(), email=email,
                                       person_id=person_id))
        db.session.commit()
        db.session.remove()
    value = app.session_interface.get_signing_serializer(app).dumps({TOKEN_KEY: token})
    return app.config["SESSION_COOKIE_NAME"], value


DISCLOSURE_FORM = "/my/requests/new/disclosure"


def disclosure_fields(csrf_token: str) -> dict[str, str]:
    """What the disclosure form sends, with a fresh idempotency key made as the form makes it."""
    return {"csrf_token": csrf_token, "idempotency_key": uuid.uuid4().hex, "residence": "jp",
            "format": "electronic", "note": ""}


def submission(client: Client):
    """POST one disclosure request as the form sends it; time the POST.

    The session's CSRF token is taken from the form once per client (Flask-WTF's token holds
    for the session) and each POST carries a fresh idempotency key, so this row counts POSTs
    alone; the form's GET is the "request form" row. The cookie the
    POST answers with is not kept: it only adds the confirmation message for the next page,
    which shows and removes it (kept, hundreds of them would pile up in the cookie).
    """
    if client.csrf_token is None:
        found = CSRF.search(client.get(DISCLOSURE_FORM).body)
        if not found:
            return 0.0, "the disclosure form has no CSRF token"
        client.csrf_token = found.group(1)
    started = time.perf_counter()
    response = client.request("POST", DISCLOSURE_FORM, disclosure_fields(client.csrf_token), keep_cookies=False)
    took = (time.perf_counter() - started) * 1000
    if response.status != 302 or "/my/requests/MG-" not in response.location:
        return took, f"POST disclosure → {response.status} {response.location}"
    return took, None


def new_api_token(app, scopes: list[str]) -> str:
    """A bearer token (its secret) with `scopes`, owned by a fresh manager, as an integrator holds one."""
    from portal.api.tokens import create_token

    manager = new_manager(app)
    with app.app_context():
        owner = db.session.scalar(sa.select(StaffUser).where(StaffUser.email == manager.email))
        _, secret = create_token(owner=owner, name="bench", scopes=scopes, actor=Actor("staff", owner.id))
        db.session.commit()
        db.session.remove()
    return secret
