"""Suspension of use and stop of provision: flags, restrictions, suppression lists, usable exports."""
from __future__ import annotations

from portal.dsr.decisions import Decision
from portal.extensions import db
from portal.inventory.export import export_person_records, export_usable_items
from portal.inventory.provision_stops import is_provision_blocked
from portal.inventory.restrictions import RestrictionKind, active_restrictions
from portal.inventory.suppression import suppressed_for_purpose
from tests.customer.records import HANAKO, HANAKO_VALUES, JIRO
from tests.fixtures.decisions import items_of, applied_event


def _keys_and_fields(records) -> list[tuple[str, str]]:
    return sorted({(r["category"], r["field"]) for r in records if r["type"] == "item"})


def test_suspension_of_a_category_flags_its_items_and_puts_the_person_on_the_suppression_list(
        people, file_about, decide):
    hanako = people["hanako"]
    request = file_about(hanako, "suspension", {"scope": "chosen", "categories": ["contact"], "ground": "beyond_purpose"})

    decide(request, Decision())

    contact = items_of(hanako, "contact")
    assert len(contact) == 3 and all(item.suspended_at is not None and item.suspended_request_id == request.id
                                      for item in contact)
    assert all(item.suspended_at is None for item in items_of(hanako, "purchase"))
    assert [(r.kind, r.category.value) for r in active_restrictions(hanako)] == [(RestrictionKind.SUSPENSION, "contact")]
    # Suspending the contact data stops contact for every purpose, consent or not.
    for purpose_key in ("dm-post", "orders"):
        assert {row.person_key: row.reason.value for row in suppressed_for_purpose(purpose_key)}.get(HANAKO) \
            == "suspension", purpose_key
    assert applied_event(request).body.splitlines() == [
        "ご連絡先の住所、メールアドレス、電話番号の利用を停止しました。",
        "これらのデータは保有していますが、今後は利用しません。ポータルでは「利用停止」と表示されます。",
    ]


def test_suspended_items_leave_the_usable_export_but_stay_in_the_persons_own_export(people, file_about, decide):
    hanako = people["hanako"]
    request = file_about(hanako, "suspension", {"scope": "chosen", "categories": ["contact"], "ground": "beyond_purpose"})

    decide(request, Decision())

    usable = _keys_and_fields(export_usable_items(hanako))
    assert ("contact", "address") not in usable and ("purchase", "line") in usable
    own = [r for r in export_person_records(hanako) if r["type"] == "item"]
    address = next(r for r in own if r["field"] == "address")
    assert address["suspended_at"] is not None
    assert "suspended_at" not in next(r for r in own if r["category"] == "purchase")
    assert ("contact", "address") in _keys_and_fields(export_usable_items(people["jiro"]))


def test_suspension_of_everything_leaves_nothing_usable(people, file_about, decide):
    hanako = people["hanako"]
    request = file_about(hanako, "suspension", {"scope": "all", "ground": "leak"})

    decide(request, Decision())

    assert list(export_usable_items(hanako)) == []
    assert all(item.suspended_at is not None for item in items_of(hanako))
    assert len([r for r in export_person_records(hanako) if r["type"] == "item"]) == 16
    body = applied_event(request).body
    assert "購入履歴 8件の利用を停止しました。" in body
    assert "今後、お客様のデータ（今後お預かりするものを含みます）は一切利用しません。" in body
    assert applied_event(request).data["suspended_count"] == 16


def test_stop_of_provision_blocks_the_recipient_for_that_person_only(people, file_about, decide):
    hanako = people["hanako"]
    request = file_about(hanako, "stop_provision", {"scope": "chosen", "recipients": ["株式会社サンプル物流"],
                                                    "ground": "provided_without_consent"})

    decide(request, Decision())

    assert is_provision_blocked(hanako, "株式会社サンプル物流")
    assert is_provision_blocked(hanako, "株式会社　サンプル物流")  # full-width space, same company
    assert not is_provision_blocked(hanako, "株式会社サンプル旅行")
    assert not is_provision_blocked(people["jiro"], "株式会社サンプル物流")
    [restriction] = active_restrictions(hanako)
    assert (restriction.kind, restriction.recipient_name, restriction.request_id) == (
        RestrictionKind.PROVISION_STOP, "株式会社サンプル物流", request.id)
    assert applied_event(request).body == "今後、株式会社サンプル物流へお客様のデータを提供しません。"
    assert applied_event(request).data["recipients_stopped"] == ["株式会社サンプル物流"]


def test_stop_of_all_provision_blocks_every_recipient(people, file_about, decide):
    hanako = people["hanako"]
    request = file_about(hanako, "stop_provision", {"scope": "all", "recipients": [], "ground": "harm"})

    decide(request, Decision())

    assert is_provision_blocked(hanako, "株式会社サンプル物流") and is_provision_blocked(hanako, "どこかの会社")
    assert applied_event(request).body == "今後、お客様のデータを第三者へ提供しません。"
    assert not any(row.person_key == JIRO for row in suppressed_for_purpose("dm-post"))
    db.session.rollback()


def test_the_person_still_sees_suspended_items_on_their_data_page_marked(client, login_customer, people,  # noqa: F811
                                                                        file_about, decide):
    hanako = people["hanako"]
    request = file_about(hanako, "suspension", {"scope": "chosen", "categories": ["contact"], "ground": "beyond_purpose"})
    decide(request, Decision())
    login_customer(client, "hanako@example.jp", stepped_up=True)

    page = client.get("/my/data").get_data(as_text=True)

    assert HANAKO_VALUES["address"] in page
    assert page.count('<span class="badge badge-muted">利用停止</span>') == 3
