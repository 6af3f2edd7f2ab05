"""The portal renders in a real browser: Japanese by default, English after the switch."""
import pytest

pytestmark = pytest.mark.browser


def test_landing_page_in_japanese_then_english_on_a_phone(live_server, phone_page):
    phone_page.goto(live_server + "/")
    assert phone_page.locator("html").get_attribute("lang") == "ja"
    phone_page.get_by_role("button", name="English").click()
    phone_page.wait_for_load_state()
    assert phone_page.locator("html").get_attribute("lang") == "en"
    assert "Public notice" in phone_page.content()
