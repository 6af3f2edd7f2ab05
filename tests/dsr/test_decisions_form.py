"""What the staff request page offers to decide, and how it reads the staff form back."""
from __future__ import annotations

from datetime import date

from werkzeug.datastructures import MultiDict

from portal.audit.services import Actor
from portal.dsr import services
from portal.dsr.decisions import Decision, Verdict, decision_from_form, describe_decision_form
from portal.extensions import db
from portal.inventory.erasure import set_legal_hold
from portal.inventory.models import Category
from tests.customer.records import HANAKO_VALUES
from tests.fixtures.decisions import item_of


def test_a_correction_offers_each_proposal_with_the_value_held_now(people, file_about):
    hanako = people["hanako"]
    address, phone = item_of(hanako, "contact", "address"), item_of(hanako, "contact", "phone")
    set_legal_hold([phone.id], until=date(2031, 3, 31), reason="契約の記録", actor=Actor("staff", 7))
    request = file_about(hanako, "correction", {"changes": [
        {"item_id": address.id, "category": "contact", "field": "address", "action": "change", "proposed": "新住所"},
        {"item_id": phone.id, "category": "contact", "field": "phone", "action": "delete"},
        {"item_id": None, "category": "contact", "field": "建物名", "action": "add", "proposed": "サンプル棟"},
    ]})

    options = describe_decision_form(request)

    change, delete, add = options.proposals
    assert (change.current, change.proposed, change.item_gone) == (HANAKO_VALUES["address"], "新住所", False)
    assert delete.held_until == date(2031, 3, 31)
    assert (add.action, add.field, add.item_gone) == ("add", "建物名", False)


def test_an_erasure_offers_the_persons_kinds_of_data_with_counts_and_holds(people, file_about):
    hanako = people["hanako"]
    set_legal_hold([item_of(hanako, "membership", "member_number").id], until=date(2031, 3, 31), reason="規約",
                   actor=Actor("staff", 7))
    request = file_about(hanako, "erasure", {"scope": "chosen", "categories": ["purchase"], "ground": "leak"})

    options = describe_decision_form(request)

    assert options.everything_asked is False
    by_category = {option.category: option for option in options.categories}
    assert (by_category[Category.PURCHASE].count, by_category[Category.PURCHASE].asked) == (8, True)
    assert (by_category[Category.MEMBERSHIP].held, by_category[Category.MEMBERSHIP].asked) == (1, False)
    assert options.categories[0].category is Category.IDENTITY  # in the order "my data" shows them


def test_a_stop_of_provision_offers_the_recipients_of_the_records_and_those_named(people, file_about):
    request = file_about(people["hanako"], "stop_provision", {"scope": "chosen", "recipients": ["株式会社どこか"],
                                                              "ground": "harm"})

    recipients = describe_decision_form(request).recipients

    assert [(r.name, r.asked) for r in recipients] == [("株式会社サンプル物流", False), ("株式会社どこか", True)]
    assert recipients[0].last_provided == date(2025, 2, 1)


def test_an_unmatched_request_says_it_must_be_matched_first(app_ctx):
    change = services.create_request(type="erasure", person_id=None, requester_email="someone@example.jp",
                                     channel="post", language="ja", residence="jp", actor=Actor("staff", 7),
                                     details={"scope": "all"})
    db.session.commit()

    assert describe_decision_form(change.request).problem is not None


def test_the_staff_form_reads_into_a_decision(people, file_about):
    hanako = people["hanako"]
    correction = file_about(hanako, "correction", {"changes": [
        {"item_id": 1, "category": "contact", "field": "address", "action": "change", "proposed": "x"},
        {"item_id": None, "category": "contact", "field": "建物名", "action": "add", "proposed": "y"}]})
    erasure = file_about(hanako, "erasure", {"scope": "all", "ground": "leak"})
    disclosure = file_about(hanako, "disclosure", {"format": "electronic"})

    assert decision_from_form(correction, MultiDict({
        "proposal-0": "refuse", "proposal-0-reason": " 確認できないため ", "proposal-1": "accept",
        "proposal-1-field": "building", "answer": "ご確認ください。"})) == Decision(
        verdicts=(Verdict(0, False, "確認できないため"), Verdict(1, True, None, "building")), answer="ご確認ください。")
    assert decision_from_form(erasure, MultiDict([("scope", "chosen"), ("category", "purchase"), ("category", "points"),
                                                  ("item", "12")])) == Decision(
        everything=False, categories=("purchase", "points"), item_ids=(12,))
    assert decision_from_form(erasure, MultiDict()) == Decision()  # as asked
    assert decision_from_form(disclosure, MultiDict({"format": "json"})) == Decision(format="json")
