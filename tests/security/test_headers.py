"""Every response carries the security headers; no page needs inline script or style;
every state-changing form refuses a request without its CSRF token; `next=` never leads
off the site; the published development key runs nowhere but development.

The routes come from the URL map, so a new page is checked the moment it exists.
"""
from __future__ import annotations

import re

import pytest

from portal import create_app
from portal.audit.services import Actor
from portal.config import DEVELOPMENT_SECRET_KEY
from portal.extensions import db
from portal.common.urls import safe_next
from portal.staff.area import safe_staff_next
from tests.fixtures.app import TEST_SECRET_KEY
from tests.security.routes import SAMPLE_VALUES, STATE_CHANGING, all_rules, build

EXPECTED = {
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
                                "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
GET_RULES = [(endpoint, rule) for endpoint, rule, methods in all_rules() if "GET" in methods]
#: POSTs that take no CSRF token by design, each with what guards it instead.
CSRF_EXEMPT = {
    # RFC 8058 one-click unsubscribe: the mail client POSTs without a page; a signed per-person
    # token is the credential (an unsigned one answers 404, tests/campaigns).
    "campaign_landing.unsubscribe",
}
WRITE_RULES = [(endpoint, rule, sorted(methods & STATE_CHANGING)[0]) for endpoint, rule, methods in all_rules()
               if methods & STATE_CHANGING and not rule.startswith("/api/") and endpoint not in CSRF_EXEMPT]
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I)
STYLE_BLOCK = re.compile(r"<style\b", re.I)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)


@pytest.fixture
def visitor(app, client, customers, login_customer, create_staff, login_staff):
    """`visitor(role)`: the client as an anonymous visitor, 山田 花子 (stepped up) or an admin;
    returns sample URL values, with a real request of hers so the request pages render."""
    from portal.dsr.services import create_request
    from portal.inventory.models import Item, Person
    import sqlalchemy as sa

    with app.app_context():
        person = db.session.scalar(sa.select(Person).where(Person.with_email("hanako@example.jp")))
        change = create_request(type="disclosure", person_id=person.id, requester_email=person.email, channel="web",
                                language="ja", residence="jp", actor=Actor("customer", person.id), verified=True)
        db.session.commit()
        values = {**SAMPLE_VALUES, "reference": change.request.reference, "key": person.key,
                  "item_id": db.session.scalar(sa.select(Item.id).where(Item.person_id == person.id).limit(1))}
        db.session.remove()

    def become(role: str) -> dict:
        if role == "customer":
            login_customer(client, "hanako@example.jp", stepped_up=True)
        elif role == "admin":
            account = create_staff("admin")
            login_staff(client, account)
            values["user_id"] = account.id
        return values

    return become


def assert_secure_headers(response, where: str) -> None:
    for name, value in EXPECTED.items():
        if name == "Content-Security-Policy" and "sandbox" in response.headers.get(name, ""):
            continue  # a file download keeps its stricter policy
        assert response.headers.get(name) == value, f"{where}: {name} is {response.headers.get(name)!r}"
    assert response.headers.get("Permissions-Policy"), where
    assert "Strict-Transport-Security" not in response.headers, f"{where}: HSTS over plain HTTP"


def assert_no_inline_code(response, where: str) -> None:
    if response.mimetype != "text/html":
        return
    html = response.get_data(as_text=True)
    for pattern, what in ((INLINE_SCRIPT, "inline <script>"), (STYLE_ATTRIBUTE, "style= attribute"),
                          (STYLE_BLOCK, "<style> block"), (EVENT_HANDLER, "on…= handler")):
        found = pattern.search(html)
        assert not found, f"{where}: {what} (blocked by the CSP): {html[max(0, found.start() - 80):found.end() + 80]}"


@pytest.mark.parametrize("role", ["anonymous", "customer", "admin"])
def test_every_get_route_sends_the_security_headers_and_no_inline_code(app, client, visitor, role):
    values = visitor(role)
    for endpoint, rule in GET_RULES:
        url = build(app, rule, values)
        response = client.get(url)
        response.get_data()
        response.close()  # a streamed download holds its app context until closed
        where = f"{role} GET {url} ({endpoint}) → {response.status_code}"
        assert response.status_code < 500, where
        assert_secure_headers(response, where)
        assert_no_inline_code(response, where)
        if endpoint not in ("static", "site.index", "site.notice"):
            assert "no-store" in response.headers.get("Cache-Control", ""), f"{where}: may be cached"


def test_error_pages_carry_the_headers_too(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert_secure_headers(response, "404")
    assert_no_inline_code(response, "404")


@pytest.mark.parametrize("endpoint, rule, method", WRITE_RULES, ids=[r[0] for r in WRITE_RULES])
def test_every_state_changing_request_without_a_csrf_token_is_refused(app, client, visitor, endpoint, rule, method):
    values = visitor("admin")  # logged in, so the token is the only thing missing
    url = build(app, rule, values)
    response = client.open(url, method=method, data={"lang": "en", "next": "/"})
    assert response.status_code == 400, f"{method} {url} without a CSRF token → {response.status_code}"


def test_the_csrf_matrix_includes_both_log_outs():
    assert {"verification.logout", "staff.logout"} <= {endpoint for endpoint, _rule, _method in WRITE_RULES}


# --- HTTPS, proxies and cookies ---

def https_app(**settings):
    return create_app({"PORTAL_ENV": "testing", "SECRET_KEY": TEST_SECRET_KEY,
                       "SQLALCHEMY_DATABASE_URI": "sqlite://", **settings})


def test_behind_a_trusted_proxy_https_brings_hsts_and_secure_cookies():
    client = https_app(PORTAL_TRUST_PROXY=1).test_client()
    response = client.get("/", headers={"X-Forwarded-Proto": "https"})  # its form puts a token in the session
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_forwarded_headers_are_ignored_unless_a_proxy_is_trusted():
    client = https_app().test_client()
    response = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers


def test_portal_https_setting_marks_cookies_secure_and_sends_hsts():
    app = https_app(PORTAL_HTTPS=True)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    response = app.test_client().get("/")
    assert "Strict-Transport-Security" in response.headers
    assert "Secure" in response.headers["Set-Cookie"]


def test_plain_http_session_cookie_is_httponly_and_lax_but_not_secure():
    response = https_app().test_client().get("/")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


@pytest.mark.parametrize("env", ["production", "testing"])
def test_outside_development_the_default_secret_key_is_refused(monkeypatch, env):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(SystemExit) as stop:
        create_app({"PORTAL_ENV": env, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert "SECRET_KEY" in str(stop.value)


def test_development_may_use_the_default_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    app = create_app({"PORTAL_ENV": "development", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "PORTAL_CHECK_DATABASE_ON_START": False})
    assert app.config["SECRET_KEY"] == DEVELOPMENT_SECRET_KEY


# --- open redirects ---

ELSEWHERE = ["//evil.example", "https://evil.example", "/\\evil.example", "\\\\evil.example", "javascript:alert(1)",
             "/\t/evil.example", "/\n/evil.example", " //evil.example", "http:/evil.example", "evil.example"]


@pytest.mark.parametrize("target", ELSEWHERE)
def test_next_never_leads_to_another_site(target):
    assert safe_next(target) == "/"
    assert safe_staff_next("/staff" + target if target.startswith("/") else target) in (None, "/staff" + target)
    assert safe_staff_next(target) is None


@pytest.mark.parametrize("target", ELSEWHERE)
def test_the_language_switch_does_not_redirect_elsewhere(client, post_form, target):
    response = post_form("/language", {"lang": "en", "next": target}, page="/")
    assert response.status_code == 302
    assert response.location == "/"


@pytest.mark.parametrize("target", ELSEWHERE)
def test_staff_log_in_does_not_redirect_elsewhere(client, create_staff, login_staff, target):
    response = login_staff(client, create_staff("agent"), next=target)
    assert response.location == "/staff/"


@pytest.mark.parametrize("target", ELSEWHERE)
def test_the_mail_check_and_step_up_land_on_the_site_whatever_next_says(app, target):
    from portal.verification.views import _landing

    with app.test_request_context():
        assert _landing(target) in ("/my/data", "/")


def test_a_same_site_next_is_kept():
    assert safe_next("/my/data?x=1") == "/my/data?x=1"
    assert safe_staff_next("/staff/requests/R-1") == "/staff/requests/R-1"
