"""Before the step-up check no full value reaches the browser; after it, every value does."""
import re

import pytest
from flask import url_for
from markupsafe import escape

from tests.customer.helpers import section, text_of
from tests.fixtures.pages import in_english
from tests.customer.records import HANAKO_VALUES as V

pytestmark = pytest.mark.usefixtures("customers")

# Parts of 山田 花子's values that a masked page must not contain anywhere in its HTML.
SECRETS = [
    "花子", "ハナコ", "hanako@", "1234-5678", "港区", "サンプルハイツ", "1985-04-01", "04-01",
    "M-55501234", "5550", V["product"], "SKU-", "8,028",
]


@pytest.mark.parametrize("url", ["/my/data", "/my/data/category/purchase", "/my/data/category/points"])
def test_masked_pages_never_contain_full_values(client, login_customer, url):
    login_customer(client, "hanako@example.jp")
    page = client.get(url).get_data(as_text=True)
    leaked = [secret for secret in SECRETS if secret in page]
    assert leaked == []


def test_masked_page_shows_recognisable_parts(client, login_customer):
    login_customer(client, "hanako@example.jp")
    page = client.get("/my/data").get_data(as_text=True)
    for masked in ("山田 **", "ヤマダ **", "h***@example.jp", "090-****-5678", "東京都 ****", "1985-**-**", "****1234"):
        assert masked in page


def test_masked_page_explains_the_extra_check_and_links_back_here(app, client, login_customer):
    in_english(client)
    login_customer(client, "hanako@example.jp")
    page = client.get("/my/data").get_data(as_text=True)
    assert "Some values are partly hidden" in text_of(page)
    with app.test_request_context():
        step_up = url_for("verification.step_up", next="/my/data")
    assert f'href="{escape(step_up)}"' in page


def test_masked_page_summarises_purchases_without_details(client, login_customer):
    in_english(client)
    login_customer(client, "hanako@example.jp")
    purchases = section(client.get("/my/data").get_data(as_text=True), "category-purchase")
    assert "8 lines" in purchases
    assert "Details are shown after the extra check" in purchases
    assert "Total shown after the extra check" in purchases


def test_downloads_are_disabled_with_an_explanation_before_the_extra_check(client, login_customer):
    in_english(client)
    login_customer(client, "hanako@example.jp")
    page = client.get("/my/data").get_data(as_text=True)
    assert "/my/download.json" not in page and "/my/download.zip" not in page
    assert re.search(r"<button[^>]*disabled", page.split('id="download"')[1])
    assert "need the extra check first" in section(page, "download")


@pytest.mark.parametrize("url", ["/my/download.json", "/my/download.zip"])
def test_downloads_before_the_extra_check_send_the_customer_to_it(app, client, login_customer, url):
    login_customer(client, "hanako@example.jp")
    response = client.get(url)
    assert response.status_code == 302
    with app.test_request_context():
        assert response.headers["Location"].startswith(url_for("verification.step_up"))


def test_after_the_extra_check_every_value_is_shown_in_full(client, login_customer):
    login_customer(client, "hanako@example.jp", stepped_up=True)
    page = client.get("/my/data").get_data(as_text=True)
    for value in (V["name"], V["kana"], V["email"], V["phone"], V["number"], V["address"], V["product"]):
        assert value in page
    assert "1985-04-01" in page  # the birth-date item
    assert "Some values are partly hidden" not in page and "****" not in page


def test_pages_are_not_cached(client, login_customer):
    login_customer(client, "hanako@example.jp", stepped_up=True)
    assert client.get("/my/data").headers["Cache-Control"] == "no-store"
