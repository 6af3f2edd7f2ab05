"""The stop of provision (APPI Art. 35(3)) concerns provision to third parties (第三者提供) only: the form
offers the companies that received the data on consent, by opt-out or because a law required it, and
not contractors (業務委託, Art. 27(5)(i)) or joint-use partners (共同利用, 27(5)(iii)) — which the page
explains in the law's words."""
from __future__ import annotations

import re

from tests.fixtures.pages import in_english, text_of

RECIPIENTS = {"consent": "株式会社サンプル広告", "opt_out": "株式会社サンプル名簿", "law": "東京サンプル税務署",
              "entrustment": "株式会社サンプル物流", "joint_use": "さくらカード株式会社"}
RECORDS = [
    {"type": "source", "key": "signup", "kind": "direct", "name": "会員登録"},
    {"type": "person", "key": "C-1", "email": "hanako@example.jp", "name": "山田 花子"},
    *({"type": "provision", "key": f"P-{basis}", "person": "C-1", "recipient": {"name": name},
       "provided_at": "2025-06-01", "basis": basis, "items": ["contact.address"]} for basis, name in RECIPIENTS.items()),
]
FORM = "/my/requests/new/stop_provision"


def _offered(page: str) -> set[str]:
    return set(re.findall(r'name="targets"[^>]*value="([^"]+)"', page)) | set(
        re.findall(r'value="([^"]+)"[^>]*name="targets"', page))


def test_only_third_parties_are_offered_and_the_page_says_why(client, import_lines, login_customer):
    import_lines(*RECORDS)
    login_customer(client, "hanako@example.jp")
    response = client.get(FORM)
    page = response.get_data(as_text=True)
    assert _offered(page) == {RECIPIENTS["consent"], RECIPIENTS["opt_out"], RECIPIENTS["law"]}
    words = text_of(response)
    assert "第三者提供の停止に関するもの" in words
    assert "業務委託先（法第27条第5項第1号）と、共同利用者（同項第3号）は、法律上「第三者」に当たらない" in words

    in_english(client)
    words = text_of(client.get(FORM))
    assert "are not third parties under the Act, so they are not listed here" in words


def test_a_contractor_cannot_be_chosen_by_a_crafted_form(client, import_lines, login_customer):
    from tests.fixtures.pages import csrf_from

    import_lines(*RECORDS)
    login_customer(client, "hanako@example.jp")
    page = client.get(FORM).get_data(as_text=True)
    response = client.post(FORM, data={"csrf_token": csrf_from(page), "scope": "chosen", "targets": [RECIPIENTS["entrustment"]],
                                       "ground": "provided_without_consent", "residence": "jp",
                                       "idempotency_key": re.search(r'name="idempotency_key"[^>]*value="([^"]+)"', page).group(1)})
    assert response.status_code in (200, 422) and 'id="error-summary"' in response.get_data(as_text=True)
