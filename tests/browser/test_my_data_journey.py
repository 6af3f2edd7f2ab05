"""The whole journey on a phone: mail check through real mail, masked data, step-up, downloads."""
import io
import json
import zipfile
from pathlib import Path

import pytest

from tests.customer.records import HANAKO_VALUES as V
from tests.customer.records import two_customers
from tests.fixtures.verification import read_mail

pytestmark = pytest.mark.browser


def _download(page, button_name: str) -> bytes:
    with page.expect_download() as download:
        page.get_by_role("link", name=button_name).click()
    return Path(download.value.path()).read_bytes()


def test_a_customer_proves_who_they_are_sees_everything_and_downloads_it(
    live_server, phone_page, smtp_server, import_lines
):
    import_lines(*two_customers())
    page = phone_page
    page.goto(live_server + "/my/data")
    page.get_by_label("メールアドレス").fill(V["email"])
    page.get_by_role("button", name="リンクとコードを送信する").click()
    page.wait_for_url("**/verify/code")
    page.get_by_label("6桁のコード").fill(read_mail(smtp_server.to(V["email"])[-1]).code)
    page.get_by_role("button", name="確認する").click()
    page.wait_for_url("**/my/data")

    # Masked until the extra check: recognisable, never whole.
    html = page.content()
    assert "090-****-5678" in html and V["phone"] not in html and V["address"] not in html
    assert page.get_by_role("button", name="JSON形式でダウンロード").is_disabled()

    page.get_by_role("link", name="すべて表示する").click()
    page.wait_for_url("**/verify/step-up**")
    page.get_by_label("生年月日（例：1985-04-03）").check()
    page.get_by_label("回答").fill(V["birthdate"])
    page.get_by_role("button", name="確認する").click()
    page.wait_for_url("**/my/data")

    html = page.content()
    assert V["phone"] in html and V["address"] in html and V["product"] in html
    assert "株式会社サンプルリサーチ" in html  # a third-party source's provider

    records = [json.loads(line) for line in _download(page, "JSON形式でダウンロード").decode().splitlines()]
    assert next(r for r in records if r["type"] == "person")["email"] == V["email"]
    archive = zipfile.ZipFile(io.BytesIO(_download(page, "CSV形式（ZIP）でダウンロード")))
    assert "items.csv" in archive.namelist()
