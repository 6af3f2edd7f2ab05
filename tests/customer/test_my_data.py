"""The "my data" page: everything held, grouped, with its source, purposes and retention."""
import re

import pytest
from flask import url_for

from tests.customer.helpers import section, text_of
from tests.fixtures.pages import in_english
from tests.customer.records import HANAKO_VALUES

pytestmark = pytest.mark.usefixtures("customers")


@pytest.fixture
def page_en(client, login_customer):
    in_english(client)
    login_customer(client, "hanako@example.jp", stepped_up=True)
    response = client.get("/my/data")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_items_are_grouped_by_category_in_a_customer_friendly_order(page_en):
    headings = re.findall(r'<section id="category-(\w+)"', page_en)
    assert headings == ["identity", "contact", "demographic", "membership", "purchase", "points"]
    assert "Who you are" in text_of(page_en) and "How to reach you" in text_of(page_en)


def test_category_names_are_japanese_by_default(client, login_customer):
    login_customer(client, "hanako@example.jp", stepped_up=True)
    page = text_of(client.get("/my/data").get_data(as_text=True))
    assert "Who you are" not in page
    assert "購入履歴" in page


def test_every_item_shows_value_source_purposes_collection_time_and_retention(page_en):
    contact = section(page_en, "category-contact")
    assert HANAKO_VALUES["address"] in contact
    assert "Greater Tokyo consumer list 2025" in contact  # the source's name, in the viewer's language
    assert "From a list we bought from another company" in contact  # the kind in words
    assert "September 1, 2025" in contact  # when the list was obtained
    assert "To send you our catalogue by post" in contact  # purpose title in the viewer's language
    assert "May 15, 2024" in contact  # collected
    assert "kept until May 15, 2029" in contact


def test_source_name_is_japanese_by_default(client, login_customer):
    login_customer(client, "hanako@example.jp", stepped_up=True)
    assert "首都圏 生活者リスト 2025年版" in section(client.get("/my/data").get_data(as_text=True), "category-contact")


@pytest.mark.parametrize(
    "category, provider, how",
    [
        ("contact", "株式会社サンプルリサーチ", "懸賞サイトの応募フォームで同意を得て取得"),  # purchased list
        ("contact", "株式会社サンプル旅行", "会員優待の申込フォーム"),  # partner
        ("membership", "さくらカード株式会社", "入会申込書"),  # group company
    ],
)
def test_third_party_sources_name_the_provider_and_how_it_obtained_the_data(page_en, category, provider, how):
    text = section(page_en, f"category-{category}")
    assert f"Provided to us by {provider}" in text
    assert f"How they obtained it: {how}" in text


def test_collection_time_is_shown_in_japan_time(client, login_customer, import_lines):
    from tests.customer.records import item

    import_lines(item("C-000123", "preference", "newsletter", "weekly", at="2024-12-31T23:30:00+00:00"))
    in_english(client)
    login_customer(client, "hanako@example.jp", stepped_up=True)
    text = section(client.get("/my/data").get_data(as_text=True), "category-preference")
    assert "January 1, 2025" in text  # the day in Japan, not December 31 in UTC
    lines = client.get("/my/data/category/preference").get_data(as_text=True)
    assert "Jan 1, 2025, 08:30" in text_of(lines) and "08:30:00" not in lines  # no seconds


def test_consents_show_current_state_and_history(page_en):
    consents = section(page_en, "consents")
    newsletter = consents[consents.index("To email you news"):consents.index("To send you our catalogue")]
    assert newsletter.index("Consent withdrawn") < newsletter.index("Consent given")  # current state first
    assert "since February 10, 2025" in newsletter
    assert newsletter.count("Consent given") == 1 and newsletter.count("Consent withdrawn") == 2  # badge + history
    catalogue = consents[consents.index("To send you our catalogue"):]
    assert "Consent given" in catalogue and "withdrawn" not in catalogue


def test_recipients_show_name_address_representative_dates_and_items(page_en):
    recipients = section(page_en, "recipients")
    assert "株式会社サンプル物流" in recipients
    assert "大阪府大阪市北区サンプル町4-5-6" in recipients
    assert "代表取締役 佐藤 一郎" in recipients
    assert "February 1, 2025" in recipients
    assert "Who you are: Name" in recipients and "How to reach you: Address" in recipients


def test_a_contractor_is_listed_as_a_contractor_not_as_a_third_party(page_en):
    recipients = section(page_en, "recipients")
    third_party = recipients[recipients.index("Third parties we gave your data to"):recipients.index("Contractors handling")]
    contractors = recipients[recipients.index("Contractors handling"):recipients.index("Joint use")]
    assert "株式会社サンプル物流" in contractors and "株式会社サンプル物流" not in third_party
    assert "We have not given your data to any third party." in third_party


def test_the_companies_that_gave_us_the_data_are_listed_with_how_they_obtained_it(page_en):
    received = section(page_en, "recipients").split("Companies that gave us your data")[1]
    assert "株式会社サンプルリサーチ" in received and "懸賞サイトの応募フォームで同意を得て取得" in received
    assert "received on September 1, 2025" in received


def test_joint_use_partners_are_listed(page_en):
    assert "Sakura Card Co., Ltd." in section(page_en, "recipients")


def test_purchase_history_is_summarised_with_its_latest_lines(page_en):
    purchases = section(page_en, "category-purchase")
    assert "Purchase history 8 lines" in purchases
    assert "January 1, 2025 to August 8, 2025" in purchases
    assert "¥8,028" in purchases  # 1000 + … + 1007
    assert "All 8 lines, with a date filter" in purchases
    lines = page_en.split('id="category-purchase"')[1].split("</section>")[0].split('<ol class="lines">')[1]
    assert lines.count("<li>") == 5  # the five newest lines, one row each


def test_download_buttons_are_offered_after_the_extra_check(page_en):
    assert 'href="/my/download.json"' in page_en and 'href="/my/download.zip"' in page_en


def test_a_verified_address_we_hold_nothing_under_gets_a_clear_page(app, client, login_customer):
    in_english(client)
    assert login_customer(client, "nobody@example.jp") is None
    response = client.get("/my/data")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    text = text_of(page)
    assert "We hold no data under this address" in text
    assert "nobody@example.jp" in text
    assert "another email address" in text and "name and phone number" in text
    if "customer.new_request" in app.view_functions:
        with app.test_request_context():
            new_request = url_for("customer.new_request")
        assert f'href="{new_request}"' in page and "File a request anyway" in text
    else:
        assert "privacy@example.jp" in text  # the desk, until request forms exist
    assert "山田" not in text


@pytest.mark.parametrize("url", ["/my/data/category/purchase", "/my/download.json", "/my/download.zip"])
def test_a_customer_we_hold_nothing_about_has_no_other_pages(client, login_customer, url):
    login_customer(client, "nobody@example.jp", stepped_up=True)
    assert client.get(url).status_code == 404
