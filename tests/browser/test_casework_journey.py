"""In Japanese, on a desktop: an agent logs in, finds a correction in the queue, claims it, opens
it, accepts the change and completes it — and the customer then sees the request completed."""
import re

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.inventory.models import Item
from portal.mail.models import OutboxMessage

pytestmark = pytest.mark.browser

OLD_ADDRESS, NEW_ADDRESS = "東京都港区旧町1-1", "東京都港区新町2-2 サンプルタワー1201"


def test_an_agent_works_a_correction_from_the_queue_to_completion(
        app, live_server, desktop_page, create_staff, make_person, file_case, case_state,  # noqa: F811
        login_customer):  # noqa: F811
    person_id = make_person(name="山田 花子", email="hanako@example.jp", items={("contact", "address"): OLD_ADDRESS})
    with app.app_context():
        item_id = db.session.scalar(sa.select(Item.id).where(Item.person_id == person_id))
        db.session.remove()
    correction = file_case(type="correction", person_id=person_id, email="hanako@example.jp",
                           requester_name="山田 花子", details={"changes": [
                               {"item_id": item_id, "category": "contact", "field": "address", "action": "change",
                                "current": OLD_ADDRESS, "proposed": NEW_ADDRESS, "reason": "引っ越しました"}]})
    file_case(requester_name="別の 請求者")
    # Agents log in without a code unless PORTAL_AGENT_2FA_REQUIRED is on (it is off by default).
    agent = create_staff("agent", with_2fa=False, name="担当 一郎")

    page = desktop_page
    page.goto(live_server + "/staff/login")
    page.get_by_label("メールアドレス").fill(agent.email)
    page.get_by_label("パスワード").fill(agent.password)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url("**/staff/")

    # The queue: search by (whole) name, claim the request from its row, open it.
    page.get_by_label("検索").fill("山田花子")
    page.get_by_role("button", name="表示する").click()
    page.wait_for_url("**/staff/?*q=*")
    rows = page.locator("tbody tr")
    assert rows.count() == 1 and correction.reference in rows.first.inner_text()
    assert "訂正等" in rows.first.inner_text() and "あと14日" in rows.first.inner_text()
    rows.first.get_by_role("button", name="担当する").click()
    page.wait_for_url("**/staff/?*q=*")
    assert f"{correction.reference}をあなたの担当にしました。" in page.locator(".flashes").inner_text()
    assert "担当 一郎" in page.locator("tbody tr").first.inner_text()
    page.get_by_role("link", name=correction.reference).click()
    page.wait_for_url(f"**/staff/requests/{correction.reference}")

    # The request page: what is held now next to what the customer proposed; decide and complete.
    decision = page.locator("form", has=page.get_by_role("button", name="請求を完了する"))
    assert OLD_ADDRESS in decision.inner_text() and NEW_ADDRESS in decision.inner_text()
    decision.get_by_label("受け入れる").check()
    decision.get_by_text("請求者への回答・内部メモを加える").click()  # folded under the primary action
    decision.get_by_label("請求者への回答（任意）").fill("ご指摘のとおり住所を訂正しました。")
    decision.get_by_role("button", name="請求を完了する").click()
    page.wait_for_url(f"**/staff/requests/{correction.reference}")
    assert "請求を完了しました。請求者に通知します。" in page.locator(".flashes").inner_text()
    assert re.search(r"\b完了\b", page.locator(".page-header").inner_text())
    assert "この請求は終了しています" in page.content()

    request, _events = case_state(correction.reference)
    assert request.status.value == "completed"
    with app.app_context():
        assert db.session.get(Item, item_id).value == NEW_ADDRESS
        # Addresses are encrypted: compared after reading, not in SQL.
        assert "dsr.completed" in [m.kind for m in db.session.scalars(sa.select(OutboxMessage))
                                   if m.to_address == "hanako@example.jp"]
        db.session.remove()

    # What the customer sees: the request completed, with the answer.
    customer = app.test_client()
    login_customer(customer, "hanako@example.jp")
    mine = customer.get(f"/my/requests/{correction.reference}")
    assert mine.status_code == 200
    text = mine.get_data(as_text=True)
    assert "完了" in text and "ご指摘のとおり住所を訂正しました。" in text
