"""Every customer URL: only for a verified customer, and only ever that customer's own data.

The routes are read from the app's url_map, so a new GET route in the `customer` blueprint
is tested the moment it exists; a test fails until its URL arguments have a sample here.
Arguments that name an object (an item, a request) are filled with ANOTHER person's
object, so the matrix also proves that such URLs answer 404 instead of showing it.
"""
import io
import re
import zipfile

import pytest
from flask import url_for

from portal import create_app
from tests.fixtures.app import TEST_SECRET_KEY
from tests.customer.records import HANAKO_VALUES, JIRO, JIRO_VALUES
from tests.fixtures.customers import OBJECT_ARGUMENTS, PLAIN_ARGUMENTS


def _customer_rules() -> tuple[list[tuple[str, tuple[str, ...]]], list[str]]:
    """(endpoint and arguments of every GET route of `customer`, routes with unknown arguments)."""
    app = create_app({"PORTAL_ENV": "testing", "SECRET_KEY": TEST_SECRET_KEY, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    rules, unknown = [], []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("customer.") or "GET" not in rule.methods:
            continue
        if set(rule.arguments) - PLAIN_ARGUMENTS.keys() - OBJECT_ARGUMENTS:
            unknown.append(rule.rule)
            continue
        rules.append((rule.endpoint, tuple(sorted(rule.arguments))))
    return sorted(rules), unknown


CUSTOMER_RULES, UNKNOWN_ARGUMENT_RULES = _customer_rules()
RULE_IDS = [f"{endpoint}({','.join(arguments)})" for endpoint, arguments in CUSTOMER_RULES]
# What 佐藤 次郎 has that 山田 花子 must never see, masked or not.
JIRO_SECRETS = [
    JIRO, "次郎", "ジロウ", "jiro@", "j***@", "9876", "4321", "大阪府大阪市北区見本", "1970", "M-9999", "8888",
    JIRO_VALUES["product"], "ジロウだけの趣味",
]


def _url(app, endpoint: str, arguments: tuple[str, ...], objects: dict) -> str:
    values = {name: PLAIN_ARGUMENTS[name] if name in PLAIN_ARGUMENTS else objects[name] for name in arguments}
    with app.test_request_context():
        return url_for(endpoint, **values)


def test_the_matrix_covers_the_customer_pages_and_downloads():
    endpoints = {endpoint for endpoint, _ in CUSTOMER_RULES}
    assert {"customer.my_data", "customer.category", "customer.download_json", "customer.download_zip"} <= endpoints


def test_every_customer_route_is_in_the_matrix():
    """A route with a new URL argument needs a sample value here, or it would escape the matrix."""
    assert UNKNOWN_ARGUMENT_RULES == [], f"add sample values for the arguments of {UNKNOWN_ARGUMENT_RULES}"


@pytest.mark.parametrize("endpoint, arguments", CUSTOMER_RULES, ids=RULE_IDS)
def test_without_a_verified_customer_every_url_sends_to_the_mail_check(app, client, jiro_objects, endpoint, arguments):
    response = client.get(_url(app, endpoint, arguments, jiro_objects))
    assert response.status_code == 302
    with app.test_request_context():
        assert response.headers["Location"].startswith(url_for("verification.start"))


# Random per-page values (the CSRF token, a form's idempotency key) can hold any four digits, so
# searching them for "1970" or "9876" failed now and then (seen in CI); they name nobody.
RANDOM_FORM_VALUES = re.compile(r'(name="(?:csrf_token|idempotency_key)"[^>]*value=")[^"]*"')


def _body(response) -> str:
    if response.mimetype == "application/zip":
        archive = zipfile.ZipFile(io.BytesIO(response.data))
        return "\n".join(archive.read(name).decode("utf-8-sig") for name in archive.namelist())
    return RANDOM_FORM_VALUES.sub(r'\1"', response.get_data(as_text=True))


@pytest.mark.parametrize("stepped_up", [False, True], ids=["masked", "stepped-up"])
@pytest.mark.parametrize("endpoint, arguments", CUSTOMER_RULES, ids=RULE_IDS)
def test_a_customer_never_sees_another_persons_data(app, client, login_customer, jiro_objects, endpoint, arguments, stepped_up):
    login_customer(client, "hanako@example.jp", stepped_up=stepped_up)
    response = client.get(_url(app, endpoint, arguments, jiro_objects))
    assert response.status_code < 500
    body = _body(response) + response.headers.get("Location", "")
    assert [secret for secret in JIRO_SECRETS if secret in body] == []
    if OBJECT_ARGUMENTS & set(arguments) and stepped_up:
        assert response.status_code == 404  # another person's object does not exist for her
    if endpoint in ("customer.my_data", "customer.category") or (endpoint.startswith("customer.download") and stepped_up):
        assert response.status_code == 200
        if stepped_up:
            assert HANAKO_VALUES["product"] in body  # her own data is there: the test is not vacuous


def test_a_category_only_another_person_has_is_not_found(client, login_customer, jiro_objects):
    login_customer(client, "hanako@example.jp", stepped_up=True)
    assert client.get("/my/data/category/preference").status_code == 404
