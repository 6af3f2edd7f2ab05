"""Every customer URL: only for a verified customer, and only ever that customer's own data.

The URL list is generated from the app's url_map, so a new route in the `customer`
blueprint is tested the moment it exists (and fails here until it has a sample argument).
"""
import io
import zipfile

import pytest
from flask import url_for

from portal import create_app
from tests.conftest import TEST_SECRET_KEY
from tests.customer.records import HANAKO_VALUES, JIRO, JIRO_VALUES, item

# A value for every URL argument a customer route may take; categories both people have.
SAMPLE_ARGUMENTS = {"category": "purchase"}


def customer_urls() -> list[str]:
    app = create_app({"PORTAL_ENV": "testing", "SECRET_KEY": TEST_SECRET_KEY, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if not rule.endpoint.startswith("customer.") or "GET" not in rule.methods:
                continue
            missing = set(rule.arguments) - SAMPLE_ARGUMENTS.keys()
            assert not missing, f"{rule.rule}: add a sample value for {missing} to SAMPLE_ARGUMENTS"
            urls.append(url_for(rule.endpoint, **{name: SAMPLE_ARGUMENTS[name] for name in rule.arguments}))
    return sorted(urls)


CUSTOMER_URLS = customer_urls()
# What 佐藤 次郎 has that 山田 花子 must never see, masked or not.
JIRO_SECRETS = [
    JIRO, "次郎", "ジロウ", "jiro@", "j***@", "9876", "4321", "大阪府大阪市北区見本", "1970", "M-9999", "8888",
    JIRO_VALUES["product"], "ジロウだけの趣味",
]


def test_the_matrix_covers_the_customer_pages_and_downloads():
    assert {"/my/data", "/my/download.json", "/my/download.zip"} <= set(CUSTOMER_URLS)
    assert any(url.startswith("/my/data/category/") for url in CUSTOMER_URLS)


@pytest.mark.parametrize("url", CUSTOMER_URLS)
def test_without_a_verified_customer_every_url_sends_to_the_mail_check(app, client, url):
    response = client.get(url)
    assert response.status_code == 302
    with app.test_request_context():
        assert response.headers["Location"].startswith(url_for("verification.start"))


def _body(response) -> str:
    if response.mimetype == "application/zip":
        archive = zipfile.ZipFile(io.BytesIO(response.data))
        return "\n".join(archive.read(name).decode("utf-8-sig") for name in archive.namelist())
    return response.get_data(as_text=True)


@pytest.mark.parametrize("stepped_up", [False, True], ids=["masked", "stepped-up"])
@pytest.mark.parametrize("url", CUSTOMER_URLS)
def test_a_customer_never_sees_another_persons_data(client, login_customer, customers, import_lines, url, stepped_up):
    import_lines(item(JIRO, "preference", "hobby", "ジロウだけの趣味"))
    login_customer(client, "hanako@example.jp", stepped_up=stepped_up)
    response = client.get(url)
    if not stepped_up and url.startswith("/my/download"):
        assert response.status_code == 302  # to the extra check
        return
    assert response.status_code == 200
    body = _body(response)
    assert [secret for secret in JIRO_SECRETS if secret in body] == []
    if stepped_up:
        assert HANAKO_VALUES["product"] in body  # her own data is there: the test is not vacuous


def test_a_category_only_another_person_has_is_not_found(client, login_customer, customers, import_lines):
    import_lines(item(JIRO, "preference", "hobby", "ジロウだけの趣味"))
    login_customer(client, "hanako@example.jp", stepped_up=True)
    assert client.get("/my/data/category/preference").status_code == 404
