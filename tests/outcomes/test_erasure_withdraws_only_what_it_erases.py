"""An erasure withdraws only the disclosure packages that hold what it erased, and the
customer's page and both timelines say the same thing about each package."""
from __future__ import annotations

import sqlalchemy as sa

from portal.audit.services import Actor
from portal.common.time import utcnow
from portal.dsr import services as dsr
from portal.dsr.decisions.packages import DisclosurePackage
from portal.extensions import db
from portal.inventory.models import Category, Item
from tests.customer.helpers import section, text_of
from tests.customer.records import HANAKO_VALUES

WITHDRAWN = "このダウンロードは、お客様のご依頼（{reference}）によりその中のデータを消去したため、"


def _package(read, reference):
    return read(lambda: db.session.scalar(sa.select(DisclosurePackage).join(
        dsr.DataRequest, dsr.DataRequest.id == DisclosurePackage.request_id).where(
        dsr.DataRequest.reference == reference)))


def test_erasing_one_category_withdraws_only_the_packages_holding_it(
        app, client, hanako, read, file_case, login_as, act, login_customer):
    staff = login_as("agent")

    def disclose(type_="disclosure"):
        case = file_case(type=type_, person_id=hanako, status="in_progress", email=HANAKO_VALUES["email"])
        assert act(case, "complete", format="zip").status_code == 302
        return case

    before_device = disclose()  # written before any device data came in
    records_only = disclose("provision_records")  # holds provision records, no items

    def add_device():
        db.session.add(Item(person_id=hanako, category=Category.DEVICE, field="os", value="iOS 18",
                            collected_at=utcnow()))
        db.session.commit()
    read(add_device)
    with_device = disclose()

    erasure = file_case(type="erasure", person_id=hanako, status="in_progress", email=HANAKO_VALUES["email"],
                        details={"scope": "chosen", "categories": ["device"], "ground": "no_longer_needed"})
    assert act(erasure, "complete", scope="chosen", category="device", confirmed="yes").status_code == 302

    withdrawn = _package(read, with_device.reference)
    assert withdrawn.withdrawn_at is not None and withdrawn.withdrawal_reference == erasure.reference
    assert not withdrawn.is_available()
    for untouched in (before_device, records_only):
        package = _package(read, untouched.reference)
        assert package.withdrawn_at is None and package.is_available(), untouched.reference

    sentence = WITHDRAWN.format(reference=erasure.reference)
    # The staff timeline of the withdrawn package's request says it, once.
    staff_page = client.get(f"/staff/requests/{with_device.reference}").get_data(as_text=True)
    assert staff_page.count(sentence) == 1
    assert sentence not in client.get(f"/staff/requests/{before_device.reference}").get_data(as_text=True)

    customer = app.test_client()
    login_customer(customer, HANAKO_VALUES["email"], stepped_up=True)
    page = customer.get(f"/my/requests/{with_device.reference}").get_data(as_text=True)
    assert sentence in text_of(section(page, "package"))
    assert sentence in text_of(section(page, "timeline"))
    assert "削除しました" not in text_of(section(page, "package"))
    assert customer.get(f"/my/requests/{with_device.reference}/package").status_code == 410
    kept = customer.get(f"/my/requests/{before_device.reference}").get_data(as_text=True)
    assert f"/my/requests/{before_device.reference}/package" in kept and sentence not in kept
    assert customer.get(f"/my/requests/{records_only.reference}/package").status_code == 200
