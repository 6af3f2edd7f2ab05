"""The public notice has an opt-out section only when the company provides data by opt-out."""
from __future__ import annotations

import json

from tests.customer.helpers import text_of
from tests.fixtures.pages import in_english

OPT_OUT = {
    "purpose": {"ja": "第三者への提供", "en": "Provision to third parties"},
    "items": {"ja": "氏名、住所", "en": "name, address"},
    "obtained_by": {"ja": "会員登録フォーム", "en": "the sign-up form"},
    "method": {"ja": "電子ファイルの送付", "en": "sending an electronic file"},
    "how_to_ask": {"ja": "このポータル、または窓口へ", "en": "on this portal or at our desk"},
    "filed_on": "2025-04-01",
}


def test_no_opt_out_section_without_an_opt_out_basis(client):
    in_english(client)
    page = client.get("/notice").get_data(as_text=True)
    assert 'id="opt-out"' not in page and "by opt-out" not in text_of(page)


def test_the_section_lists_the_items_the_law_asks_for(app, client, tmp_path):
    from portal.common.company import DEMO_COMPANY_FILE

    profile = json.loads(DEMO_COMPANY_FILE.read_text(encoding="utf-8"))
    path = tmp_path / "company.json"
    path.write_text(json.dumps({**profile, "opt_out_provision": OPT_OUT}, ensure_ascii=False), encoding="utf-8")
    saved = app.config.get("PORTAL_COMPANY_FILE")
    app.config["PORTAL_COMPANY_FILE"] = str(path)
    try:
        in_english(client)
        page = text_of(client.get("/notice").get_data(as_text=True))
        ja = text_of(app.test_client().get("/notice").get_data(as_text=True))
    finally:
        app.config["PORTAL_COMPANY_FILE"] = saved
    for words in ("Provision to third parties by opt-out", "Provision to third parties is a purpose of use",
                  "name, address", "the sign-up form", "sending an electronic file",
                  "as soon as you ask", "on this portal or at our desk",
                  "Filed with the Personal Information Protection Commission", "April 1, 2025"):
        assert words in page, words
    assert "オプトアウト" in ja and "2025年4月1日" in ja
