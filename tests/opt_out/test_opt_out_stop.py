"""A stop of opt-out provision: no ground asked, effective at once, the recipient blocked for
that person (the same block as any stop of provision), confirmed by mail over SMTP."""
from __future__ import annotations

import re

import sqlalchemy as sa

from portal.dsr.models import DataRequest, RequestType
from portal.dsr.status import RequestStatus
from portal.extensions import db
from portal.inventory.provision_stops import is_provision_blocked
from portal.mail.services import deliver_due
from tests.fixtures.pages import csrf_from, in_english
from tests.customer.helpers import text_of

RECORDS = [
    {"type": "source", "key": "signup", "kind": "direct", "name": "会員登録"},
    {"type": "person", "key": "C-1", "email": "hanako@example.jp", "name": "山田 花子"},
    {"type": "item", "key": "C-1/address", "person": "C-1", "category": "contact", "field": "address",
     "value": "東京都港区1-1", "source": "signup"},
    {"type": "provision", "key": "P-1", "person": "C-1", "recipient": {"name": "株式会社サンプル名簿"},
     "provided_at": "2025-06-01", "basis": "opt_out", "items": ["contact.address"]},
    {"type": "provision", "key": "P-2", "person": "C-1", "recipient": {"name": "株式会社サンプル物流"},
     "provided_at": "2025-06-01", "basis": "consent", "items": ["contact.address"]},
]


def test_an_opt_out_stop_completes_at_once_with_no_ground(app, client, import_lines, login_customer, smtp_server):
    import_lines(*RECORDS)
    person_id = login_customer(client, "hanako@example.jp")
    in_english(client)
    # Offered where a customer asks to stop provision.
    assert "Stop opt-out provision" in text_of(client.get("/my/requests/new/stop_provision").get_data(as_text=True))
    page = client.get("/my/opt-out").get_data(as_text=True)
    assert "株式会社サンプル名簿" in page and "株式会社サンプル物流" not in page
    assert 'name="ground"' not in page
    response = client.post("/my/opt-out", data={"csrf_token": csrf_from(page), "residence": "jp",
                                                "idempotency_key": re.search(r'name="idempotency_key"[^>]*value="([^"]+)"', page).group(1)})
    assert response.status_code == 302
    with app.app_context():
        [request] = db.session.scalars(sa.select(DataRequest)).all()
        assert request.type is RequestType.STOP_PROVISION and request.status is RequestStatus.COMPLETED
        assert "ground" not in request.details and request.details["opt_out"] is True
        assert is_provision_blocked(person_id, "株式会社サンプル名簿")
        assert is_provision_blocked(person_id, "株式会社 サンプル名簿")  # the same company, spaced
        assert not is_provision_blocked(person_id, "株式会社サンプル物流")
        reference = request.reference
        deliver_due()
        db.session.remove()
    [mail] = smtp_server.to("hanako@example.jp")
    assert reference in mail["Subject"] + mail.get_body(("plain",)).get_content()
    assert "株式会社サンプル名簿" in mail.get_body(("plain",)).get_content()
    # Nothing left to stop: the offer is gone and the page says so.
    assert "株式会社サンプル名簿" not in client.get("/my/opt-out").get_data(as_text=True)
    assert "Stop opt-out provision" not in text_of(client.get("/my/requests/new").get_data(as_text=True)).split("Make a request", 2)[-1]


def test_the_page_needs_a_verified_customer(client):
    assert client.get("/my/opt-out").status_code in (302, 401, 403)


def test_the_opt_out_stop_is_in_the_provision_stop_feed(app, client, runner, import_lines, login_customer):
    import_lines(*RECORDS)
    login_customer(client, "hanako@example.jp")
    page = client.get("/my/opt-out").get_data(as_text=True)
    client.post("/my/opt-out", data={"csrf_token": csrf_from(page), "residence": "jp",
                                     "idempotency_key": re.search(r'name="idempotency_key"[^>]*value="([^"]+)"', page).group(1)})
    result = runner.invoke(args=["export-provision-stops", "--recipient", "株式会社サンプル名簿"])
    assert result.exit_code == 0, result.output
    assert "C-1" in result.output and "株式会社サンプル名簿" in result.output
    other = runner.invoke(args=["export-provision-stops", "--recipient", "株式会社サンプル物流"])
    assert "C-1" not in other.output
