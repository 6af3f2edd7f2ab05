"""Correction decisions: changes keep the old value in the history, additions get a source,
deletions leave a tombstone, refusals are stated with their reason."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEntry
from portal.dsr.decisions import Decision, DecisionInvalid, Verdict
from portal.dsr.status import RequestStatus
from portal.extensions import db
from portal.inventory.changes import item_history
from portal.inventory.erasure import ItemTombstone
from portal.inventory.models import ItemRevision, Source, SourceKind
from tests.customer.records import HANAKO_VALUES
from tests.fixtures.decisions import item_of, applied_event

NEW_ADDRESS = "東京都渋谷区サンプル4-5-6"


def _change(item, **values):
    return {"item_id": item.id, "category": item.category.value, "field": item.field, "action": "change",
            "current": item.value, "proposed": None, "reason": None, **values}


def test_accepted_change_sets_the_value_and_keeps_the_old_one_in_the_history(people, file_about, decide):
    hanako = people["hanako"]
    address = item_of(hanako, "contact", "address")
    request = file_about(hanako, "correction", {"changes": [_change(address, proposed=NEW_ADDRESS, reason="引っ越し")]})

    change = decide(request, Decision(verdicts=(Verdict(0, True),)))

    assert request.status is RequestStatus.COMPLETED
    assert item_of(hanako, "contact", "address").value == NEW_ADDRESS
    [revision] = item_history(address.id)
    assert (revision.old_value, revision.new_value, revision.request_id) == (HANAKO_VALUES["address"], NEW_ADDRESS, request.id)
    event = applied_event(request)
    assert event.visible_to_requester and event in change.events
    assert event.body == "住所を変更しました。"
    assert event.data["changed"] == [{"item_id": address.id, "category": "contact", "field": "address"}]


def test_accepted_addition_creates_an_item_from_the_correction_source(people, file_about, decide):
    hanako = people["hanako"]
    request = file_about(hanako, "correction", {"changes": [
        {"item_id": None, "category": "contact", "field": "建物名", "action": "add", "current": None,
         "proposed": "サンプルタワー 12階", "reason": None}]})

    decide(request, Decision(verdicts=(Verdict(0, True, field="building"),)))

    added = item_of(hanako, "contact", "building")
    assert added.value == "サンプルタワー 12階"
    source = db.session.get(Source, added.source_id)
    assert (source.key, source.kind) == ("madoguchi-correction", SourceKind.DIRECT)
    assert "追加しました" in applied_event(request).body


def test_accepted_deletion_erases_the_item_and_its_history_and_leaves_a_tombstone(people, file_about, decide):
    hanako = people["hanako"]
    phone = item_of(hanako, "contact", "phone")
    request = file_about(hanako, "correction", {"changes": [_change(phone, action="delete")]})

    decide(request, Decision(verdicts=(Verdict(0, True),)))

    assert item_of(hanako, "contact", "phone") is None
    [tombstone] = db.session.scalars(sa.select(ItemTombstone)).all()
    assert (tombstone.item_id, tombstone.person_id, tombstone.category.value, tombstone.field, tombstone.request_id) == (
        phone.id, hanako, "contact", "phone", request.id)
    assert HANAKO_VALUES["phone"] not in str({c.name: getattr(tombstone, c.name) for c in ItemTombstone.__table__.c})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ItemRevision)) == 0
    assert applied_event(request).body == "電話番号を削除しました。"


def test_refused_change_is_stated_with_its_reason_and_changes_nothing(people, file_about, decide):
    hanako = people["hanako"]
    birthdate = item_of(hanako, "demographic", "birthdate")
    request = file_about(hanako, "correction", {"changes": [_change(birthdate, proposed="1990-01-01")]})

    decide(request, Decision(verdicts=(Verdict(0, False, reason="ご本人確認書類の生年月日と一致しないため"),)))

    assert item_of(hanako, "demographic", "birthdate").value == HANAKO_VALUES["birthdate"]
    event = applied_event(request)
    assert event.body == "生年月日は変更しませんでした。理由: ご本人確認書類の生年月日と一致しないため"
    assert event.data["refused"] == [{"index": 0, "category": "demographic", "field": "birthdate"}]
    assert request.status is RequestStatus.COMPLETED


@pytest.mark.parametrize("verdicts, message", [
    ((), "Decide every proposed change"),
    ((Verdict(0, True),), "Decide every proposed change"),
    ((Verdict(0, True), Verdict(1, False)), "A refused change needs a reason"),
])
def test_a_correction_decision_must_answer_every_proposal(people, file_about, verdicts, message):
    from portal.dsr.decisions import complete_with_decision
    from tests.fixtures.decisions import STAFF

    hanako = people["hanako"]
    address, phone = item_of(hanako, "contact", "address"), item_of(hanako, "contact", "phone")
    request = file_about(hanako, "correction", {"changes": [_change(address, proposed=NEW_ADDRESS),
                                                            _change(phone, proposed="03-1111-2222")]})

    with pytest.raises(DecisionInvalid) as raised:
        complete_with_decision(request, actor=STAFF, decision=Decision(verdicts=verdicts))
    db.session.rollback()

    assert message in str(raised.value)
    assert item_of(hanako, "contact", "address").value == HANAKO_VALUES["address"]
    assert db.session.get(type(request), request.id).status is RequestStatus.IN_PROGRESS


def test_the_audit_entry_of_a_correction_names_fields_never_values(people, file_about, decide):
    hanako = people["hanako"]
    address = item_of(hanako, "contact", "address")
    request = file_about(hanako, "correction", {"changes": [_change(address, proposed=NEW_ADDRESS)]})

    decide(request, Decision(verdicts=(Verdict(0, True),)))

    entries = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).all()
    actions = [entry.action for entry in entries]
    assert "dsr.decision_applied" in actions and "dsr.request.applied" in actions
    assert all(NEW_ADDRESS not in str(entry.details) and HANAKO_VALUES["address"] not in str(entry.details)
               for entry in entries)
