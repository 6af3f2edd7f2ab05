"""The answer mail tells the person exactly what the decision changed, in their language."""
from __future__ import annotations

from datetime import date

from portal.audit.services import Actor
from portal.dsr.decisions import Decision, Verdict
from portal.dsr.notifications import notify_requester
from portal.extensions import db
from portal.inventory.erasure import set_legal_hold
from portal.mail.services import deliver_due
from tests.customer.records import HANAKO_VALUES
from tests.fixtures.decisions import item_of


def _send_and_read(smtp_server) -> str:
    deliver_due()
    [mail] = smtp_server.to(HANAKO_VALUES["email"])
    return mail.get_body(preferencelist=("plain",)).get_content()


def test_the_answer_to_an_erasure_names_what_was_erased_and_what_the_law_keeps(people, file_about, decide,
                                                                               smtp_server):
    hanako = people["hanako"]
    member_number = item_of(hanako, "membership", "member_number")
    set_legal_hold([member_number.id], until=date(2031, 3, 31), reason="会員規約に基づく保存期間のため",
                   actor=Actor("staff", 7))
    db.session.commit()
    request = file_about(hanako, "erasure", {"scope": "chosen", "categories": ["purchase", "membership"],
                                            "ground": "no_longer_needed"})

    change = decide(request, Decision(answer="ご依頼のとおり消去いたしました。"))
    notify_requester(change)
    db.session.commit()
    text = _send_and_read(smtp_server)

    assert request.reference in text
    assert "当社の対応：" in text
    assert "- 購入履歴 8件を消去しました。" in text
    assert "- 法令上の保存義務があるため、次の項目は消去せずに保存しています: 会員番号（会員規約に基づく保存期間のため、2031年3月31日まで）" in text
    assert "ご依頼のとおり消去いたしました。" in text
    assert HANAKO_VALUES["number"] not in text and HANAKO_VALUES["product"] not in text


def test_the_answer_to_a_correction_names_the_changed_field_and_the_refusal(people, file_about, decide, smtp_server):
    hanako = people["hanako"]
    address, birthdate = item_of(hanako, "contact", "address"), item_of(hanako, "demographic", "birthdate")
    request = file_about(hanako, "correction", {"changes": [
        {"item_id": address.id, "category": "contact", "field": "address", "action": "change",
         "proposed": "東京都渋谷区サンプル4-5-6"},
        {"item_id": birthdate.id, "category": "demographic", "field": "birthdate", "action": "change",
         "proposed": "1990-01-01"},
    ]})

    change = decide(request, Decision(verdicts=(Verdict(0, True), Verdict(1, False, reason="確認書類と一致しないため"))))
    notify_requester(change)
    db.session.commit()
    text = _send_and_read(smtp_server)

    assert "- 住所を変更しました。" in text
    assert "- 生年月日は変更しませんでした。理由: 確認書類と一致しないため" in text
    assert "東京都渋谷区サンプル4-5-6" not in text  # mail names fields, never values


def test_the_answer_is_in_the_language_of_the_request(people, file_about, decide, smtp_server):
    request = file_about(people["hanako"], "stop_provision", {"scope": "chosen", "recipients": ["株式会社サンプル物流"],
                                                              "ground": "harm"}, language="en")

    change = decide(request, Decision())
    notify_requester(change)
    db.session.commit()
    text = _send_and_read(smtp_server)

    assert "We will no longer give your data to 株式会社サンプル物流." in text
