"""Corrections: contact details the customer may change apply at once (with history); the rest
waits for staff, showing the proposal next to the current value. A new email address waits for
its link: tests/customer_requests/test_email_change.py."""
import re

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from portal.audit.models import AuditEntry
from portal.dsr.models import EventKind, RequestEvent
from portal.dsr.status import RequestStatus
from portal.extensions import db
from portal.inventory.models import Item, ItemRevision, Person
from tests.customer.helpers import text_of
from tests.fixtures.pages import in_english
from tests.customer.records import HANAKO_VALUES, JIRO
from tests.fixtures.customer_requests import mail_text

CORRECTION = "/my/requests/new/correction"
NEW_ADDRESS = "東京都港区サンプル9-9-9 サンプルタワー1201"


def _item(app, person_key: str, field: str) -> Item:
    with app.app_context():
        item = db.session.scalar(sa.select(Item).join(Person).where(Person.key == person_key, Item.field == field))
        db.session.expunge(item)
        return item


def test_a_phone_number_changes_at_once_and_keeps_its_history(app, app_ctx, client, hanako, submit, smtp_server,
                                                               requests_of, entry):
    prefix = entry("phone")
    response = submit(CORRECTION, {f"{prefix}-action": "change", f"{prefix}-proposed": "０８０－１１１１－２２２２"})

    [request] = requests_of(hanako)
    assert response.headers["Location"] == f"/my/requests/{request.reference}"
    assert request.status is RequestStatus.COMPLETED and request.details["self_service"] is True
    phone = db.session.scalar(sa.select(Item).where(Item.person_id == hanako, Item.field == "phone"))
    assert phone.value == "080-1111-2222"  # full-width typing normalised
    [revision] = db.session.scalars(sa.select(ItemRevision)).all()
    assert (revision.old_value, revision.new_value, revision.request_id) == (HANAKO_VALUES["phone"], "080-1111-2222", request.id)
    assert db.session.get(Person, hanako).phone == "080-1111-2222"  # the register follows
    kinds = [e.kind for e in db.session.scalars(sa.select(RequestEvent).where(RequestEvent.request_id == request.id)
                                                .order_by(RequestEvent.id))]
    assert kinds == [EventKind.RECEIVED, EventKind.VERIFIED, EventKind.STATUS_CHANGED, EventKind.APPLIED,
                     EventKind.DECISION]
    audit = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "inventory.item_changed"))
    assert "080" not in str(audit.details) and "090" not in str(audit.details)  # no values in the audit log

    [mail] = smtp_server.to(HANAKO_VALUES["email"])
    assert request.reference in mail["Subject"] and "080-1111-2222" not in mail_text(mail)  # no values by mail
    page = text_of(client.get(response.headers["Location"]).get_data(as_text=True))
    assert HANAKO_VALUES["phone"] in page and "080-1111-2222" in page


def test_an_address_correction_waits_for_staff_and_shows_the_proposal_next_to_the_current_value(
        app, client, hanako, submit, smtp_server, requests_of, entry):
    prefix = entry("address")
    submit(CORRECTION, {f"{prefix}-action": "change", f"{prefix}-proposed": NEW_ADDRESS, f"{prefix}-reason": "引っ越しました"})

    [request] = requests_of(hanako)
    assert request.status is RequestStatus.VERIFIED and request.due_at is not None
    [change] = request.details["changes"]
    assert change | {"item_id": None} == {"item_id": None, "category": "contact", "field": "address", "action": "change",
                                          "current": HANAKO_VALUES["address"], "proposed": NEW_ADDRESS,
                                          "reason": "引っ越しました"}
    assert _item(app, "C-000123", "address").value == HANAKO_VALUES["address"]  # unchanged until staff decide
    html = client.get(f"/my/requests/{request.reference}").get_data(as_text=True)
    changes = re.search(r'<section id="changes".*?</section>', html, flags=re.S).group(0)
    assert HANAKO_VALUES["address"] in changes and NEW_ADDRESS in changes and "引っ越しました" in changes
    assert len(smtp_server.to(HANAKO_VALUES["email"])) == 1


def test_several_changes_go_in_one_request_and_self_service_ones_in_another(client, hanako, submit, requests_of, entry):
    address, name, phone = entry("address"), entry("name_kana"), entry("phone")
    submit(CORRECTION, {
        f"{address}-action": "change", f"{address}-proposed": NEW_ADDRESS,
        f"{name}-action": "delete", f"{name}-reason": "不要です",
        f"{phone}-action": "change", f"{phone}-proposed": "080-1111-2222",
        "additions-0-category": "contact", "additions-0-what": "勤務先の電話番号", "additions-0-value": "03-0000-0000",
    })
    at_once, for_staff = requests_of(hanako)
    assert at_once.status is RequestStatus.COMPLETED
    assert [c["field"] for c in at_once.details["changes"]] == ["phone"]
    assert for_staff.status is RequestStatus.VERIFIED
    assert [(c["field"], c["action"]) for c in for_staff.details["changes"]] == [
        ("name_kana", "delete"), ("address", "change"), ("勤務先の電話番号", "add")]
    listing = text_of(client.get("/my/requests").get_data(as_text=True))
    assert at_once.reference in listing and for_staff.reference in listing


def test_an_email_another_customer_uses_is_refused_and_nothing_changes(app, app_ctx, client, hanako, submit,
                                                                     smtp_server, requests_of, entry):
    prefix = entry("email")
    response = submit(CORRECTION, {f"{prefix}-action": "change", f"{prefix}-proposed": "jiro@example.jp"})
    assert response.status_code == 200
    assert "このメールアドレスは別のお客様の登録に使われているため、変更できません。" in text_of(response.get_data(as_text=True))
    assert requests_of(hanako) == [] and smtp_server.messages == []
    assert db.session.get(Person, hanako).email == HANAKO_VALUES["email"]
    assert db.session.scalars(sa.select(ItemRevision)).all() == []


def test_another_persons_item_is_not_found(app, client, hanako, submit, requests_of, entry):
    jiro_phone = _item(app, JIRO, "phone")
    assert client.get(f"/my/items/{jiro_phone.id}/correct").status_code == 404
    # A tampered form naming his item is refused the same way, and changes nothing.
    prefix = entry("phone")
    response = submit(CORRECTION, {f"{prefix}-item_id": str(jiro_phone.id), f"{prefix}-action": "change",
                                   f"{prefix}-proposed": "080-0000-0000"})
    assert response.status_code == 404
    assert _item(app, JIRO, "phone").value == jiro_phone.value and requests_of(hanako) == []


def test_one_item_can_be_corrected_from_its_own_page(app, client, hanako, submit, requests_of):
    address = _item(app, "C-000123", "address")
    page = f"/my/items/{address.id}/correct"
    response = submit(page, {"changes-0-proposed": NEW_ADDRESS})  # "Change it" is preselected there
    [request] = requests_of(hanako)
    assert response.headers["Location"] == f"/my/requests/{request.reference}"
    assert request.details["changes"][0]["proposed"] == NEW_ADDRESS


def test_corrections_need_the_extra_check(client, login_customer, customers):
    login_customer(client, "hanako@example.jp", stepped_up=False)
    response = client.get(CORRECTION)
    assert response.status_code == 302 and "/verify/step-up" in response.headers["Location"]


def test_validation_messages_in_japanese(client, hanako, submit, requests_of, entry):
    prefix = entry("phone")
    page = text_of(submit(CORRECTION, {f"{prefix}-action": "change", f"{prefix}-proposed": "電話して"}).get_data(as_text=True))
    assert "電話番号は数字のみ、またはハイフン付きで入力してください" in page
    page = text_of(submit(CORRECTION, {}).get_data(as_text=True))
    assert "まだ何も選ばれていません。" in page
    assert requests_of(hanako) == []


def test_validation_messages_in_english(client, hanako, submit, requests_of, entry):
    in_english(client)
    prefix = entry("phone")
    page = text_of(submit(CORRECTION, {f"{prefix}-action": "change", f"{prefix}-proposed": HANAKO_VALUES["phone"]}).get_data(as_text=True))
    assert "This is the value we already hold." in page
    prefix = entry("address")
    page = text_of(submit(CORRECTION, {f"{prefix}-action": "change"}).get_data(as_text=True))
    assert "Please enter the correct value." in page
    page = text_of(submit(CORRECTION, {"additions-0-value": "x"}).get_data(as_text=True))
    assert "Please choose the kind of data." in page and "Please say what is missing." in page
    assert requests_of(hanako) == []


def test_a_double_submitted_correction_changes_once_and_files_once(app, app_ctx, client, hanako, requests_of, entry):
    from tests.fixtures.customer_requests import form_fields

    prefix = entry("phone")
    fields = form_fields(client.get(CORRECTION).get_data(as_text=True))
    fields.update({f"{prefix}-action": ["change"], f"{prefix}-proposed": ["080-1111-2222"]})
    data = MultiDict([(name, value) for name, values in fields.items() for value in values])
    first, second = client.post(CORRECTION, data=data), client.post(CORRECTION, data=data)
    [request] = requests_of(hanako)
    assert first.headers["Location"] == second.headers["Location"] == f"/my/requests/{request.reference}"
    assert len(db.session.scalars(sa.select(ItemRevision)).all()) == 1
