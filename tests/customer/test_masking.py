"""The masking rules used before the step-up check, one value at a time."""
from datetime import date
from types import SimpleNamespace

import pytest

from portal.customer.masking import (
    mask_address,
    mask_birthdate,
    mask_email,
    mask_name,
    mask_number,
    mask_person,
    mask_phone,
    mask_value,
)


@pytest.mark.parametrize(
    "phone, masked",
    [
        ("090-1234-5678", "090-****-5678"),
        ("03-1234-5678", "03-****-5678"),
        ("09012345678", "090****5678"),
        ("+81-90-1234-5678", "+81-**-****-5678"),
        ("0901234-5678", "090****-5678"),
        ("1234", "****"),
    ],
)
def test_phone_keeps_first_group_and_last_four_digits(phone, masked):
    assert mask_phone(phone) == masked


def test_phone_never_shows_more_than_first_group_and_last_four():
    assert "1234" not in mask_phone("090-1234-5678")


@pytest.mark.parametrize(
    "address, masked",
    [
        ("東京都港区サンプル1-2-3", "東京都 ****"),
        ("〒150-0000 東京都渋谷区サンプル2-14-7", "東京都 ****"),
        ("京都府京都市中京区見本1", "京都府 ****"),
        ("北海道札幌市中央区見本1", "北海道 ****"),
        ("神奈川県横浜市見本", "神奈川県 ****"),
        ("1-2-3 Sample-cho, Chiyoda-ku", "****"),
    ],
)
def test_address_is_cut_after_the_prefecture(address, masked):
    assert mask_address(address) == masked


def test_email_keeps_first_letter_and_domain():
    assert mask_email("hanako@example.jp") == "h***@example.jp"
    assert mask_email("not-an-address") == "****"


def test_birth_date_shows_the_year_only():
    assert mask_birthdate(date(1985, 4, 1)) == "1985-**-**"
    assert mask_birthdate("1985-04-01") == "1985-**-**"


def test_customer_number_shows_last_four():
    assert mask_number("M-55501234") == "****1234"
    assert mask_number("123") == "****"


def test_names_are_partly_hidden():
    assert mask_name("山田 花子") == "山田 **"
    assert mask_name("山田　花子") == "山田 **"  # full-width space
    assert mask_name("ヤマダ ハナコ") == "ヤマダ **"
    assert mask_name("山田花子") == "山**"


def test_item_values_are_masked_by_field_name():
    assert mask_value("phone", "090-1234-5678") == "090-****-5678"
    assert mask_value("address", "大阪府大阪市北区見本9-8-7") == "大阪府 ****"
    assert mask_value("member_number", "M-55501234") == "****1234"


def test_unknown_free_text_is_hidden_completely():
    assert mask_value("comment", "惣菜の種類をもっと増やしてほしい。") == "****"


def test_structured_values_are_only_summarised():
    assert mask_value("line", {"product": "抹茶どら焼き", "total": 280}) is None


def test_register_entry_is_masked_whole():
    person = SimpleNamespace(
        name="山田 花子", name_kana="ヤマダ ハナコ", email="hanako@example.jp", phone="090-1234-5678",
        birthdate=date(1985, 4, 1), customer_number="M-55501234",
    )
    assert mask_person(person) == {
        "name": "山田 **", "name_kana": "ヤマダ **", "email": "h***@example.jp",
        "phone": "090-****-5678", "birthdate": "1985-**-**", "customer_number": "****1234",
    }
