"""The role × URL matrix: every route under /staff/, opened by every kind of visitor.

The routes come from the app's URL map, so a new route cannot escape: if it is missing
from `access_table.ACCESS`, `test_every_staff_route_is_in_the_access_table` fails.

Expectations: anonymous visitors and customers are sent to the staff log-in; staff whose
role is not allowed get 403 or 404; allowed roles get neither 401/403 nor a server error,
and are not sent back to the log-in.
"""
from __future__ import annotations

import hashlib
import secrets

import pytest

from portal import create_app
from portal.extensions import db
from portal.staff import services
from tests.fixtures.app import TEST_SECRET_KEY
from tests.fixtures.pages import csrf_from
from tests.staff.access_table import ACCESS, ANONYMOUS, CUSTOMER, ROLES, SAMPLE_ARGUMENTS, World

PREFIX = "/staff/"


def staff_rules(app):
    """(endpoint, rule, methods tried) for every URL rule under /staff/."""
    found = []
    for rule in app.url_map.iter_rules():
        if not (rule.rule + "/").startswith(PREFIX):
            continue
        methods = rule.methods - {"HEAD", "OPTIONS"}
        found.append((rule.endpoint, rule.rule, "GET" if "GET" in methods else "POST"))
    return sorted(found)


def _collection_rules():
    """The URL map, read at collection time from an app that never touches a database."""
    app = create_app({"PORTAL_ENV": "testing", "SECRET_KEY": TEST_SECRET_KEY,
                      "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return staff_rules(app)


RULES = _collection_rules()


def test_every_staff_route_is_in_the_access_table(app):
    endpoints = {endpoint for endpoint, _rule, _method in staff_rules(app)}
    missing = sorted(endpoints - ACCESS.keys())
    assert not missing, (
        f"routes under {PREFIX} without a line in tests/staff/access_table.py ACCESS: {missing}"
    )
    stale = sorted(ACCESS.keys() - endpoints)
    assert not stale, f"ACCESS lists endpoints that no longer exist: {stale}"


def test_the_matrix_covers_the_staff_area():
    """Guards the guard: the collection-time URL map really has the staff routes."""
    assert ("staff.queue", "/staff/", "GET") in RULES
    assert len(RULES) >= len(ACCESS)


@pytest.fixture
def world(app, create_staff):
    accounts = {role: create_staff(role) for role in ("agent", "manager", "admin")}
    target = create_staff("agent")
    with app.app_context():
        token = services.password_link_token(services.get_staff(target.id))
        db.session.remove()
    return World(accounts=accounts, target=target, password_token=token, app=app)


def log_in_customer(app, client) -> None:
    """A verified customer session, as the mail check leaves it (see portal/verification)."""
    from portal.verification.models import CustomerSession
    from portal.verification.session import TOKEN_KEY

    token = secrets.token_urlsafe(32)
    with app.app_context():
        db.session.add(CustomerSession(token_hash=hashlib.sha256(token.encode()).hexdigest(),
                                       email="hanako@example.jp", person_id=None))
        db.session.commit()
        db.session.remove()
    with client.session_transaction() as session:
        session[TOKEN_KEY] = token
    if "customer.my_data" in app.view_functions:
        assert client.get("/my/data").status_code == 200, "the customer session must be real"


def build_url(app, rule: str, world: World) -> str:
    url_rule = next(r for r in app.url_map.iter_rules() if r.rule == rule)
    missing = sorted(set(url_rule.arguments) - SAMPLE_ARGUMENTS.keys())
    assert not missing, f"add sample values for {missing} to SAMPLE_ARGUMENTS in tests/staff/access_table.py"
    values = {name: SAMPLE_ARGUMENTS[name](world) for name in url_rule.arguments}
    return url_rule.build(values, append_unknown=False)[1]


def csrf_token(client) -> str:
    for page in ("/", "/staff/login"):
        html = client.get(page).get_data(as_text=True)
        if 'name="csrf_token"' in html:
            return csrf_from(html)
    raise AssertionError("no page offered a CSRF token")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint, rule, method", RULES, ids=[r[0] for r in RULES])
def test_access(app, client, world, login_staff, endpoint, rule, method, role):
    allowed = ACCESS.get(endpoint)
    assert allowed is not None, f"{endpoint} ({rule}) is missing from tests/staff/access_table.py"
    if role == CUSTOMER:
        log_in_customer(app, client)
    elif role != ANONYMOUS:
        login_staff(client, world.accounts[role])
    url = build_url(app, rule, world)

    if method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, data={"csrf_token": csrf_token(client)})

    status, location = response.status_code, response.location or ""
    sent_to_login = status == 302 and "/staff/login" in location
    where = f"{role} {method} {url} → {status} {location}"
    if role in allowed:
        assert status not in (401, 403) and status < 500, where
        if ANONYMOUS not in allowed:
            assert not sent_to_login, f"an allowed role was sent to the log-in: {where}"
    elif role in (ANONYMOUS, CUSTOMER):
        assert sent_to_login, f"expected a redirect to the staff log-in: {where}"
    else:
        assert status in (403, 404), f"expected 403 or 404: {where}"


def test_a_new_route_missing_from_the_table_would_be_caught():
    """Guards the guard: a route added under /staff/ without a table line is noticed."""
    app = create_app({"PORTAL_ENV": "testing", "SECRET_KEY": TEST_SECRET_KEY, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    app.add_url_rule("/staff/forgotten", endpoint="forgotten.page", view_func=lambda: "open to all")
    endpoints = {endpoint for endpoint, _rule, _method in staff_rules(app)}
    assert endpoints - ACCESS.keys() == {"forgotten.page"}
