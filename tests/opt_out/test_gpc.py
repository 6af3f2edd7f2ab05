"""Global Privacy Control (#15 item 9): a browser sending `Sec-GPC: 1` opts a verified Californian out
of the sale and sharing of their data, once, exactly as if they had asked — the request, the stop of
provision, the feed, the webhook, the mail — and the page says so. Without the header, outside
California or with the CCPA rule's setting off, nothing happens."""
from __future__ import annotations

import csv
import io
import json

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEntry
from portal.customer.request_services import Requester, file_request
from portal.dsr.models import DataRequest, Jurisdiction, Policy, RequestType
from portal.dsr.status import RequestStatus
from portal.extensions import db
from portal.inventory.importer import ImportFailed
from portal.inventory.consents import current_states
from portal.inventory.models import ConsentState, Purpose
from portal.inventory.provision_stops import is_provision_blocked
from portal.inventory.restrictions import UseRestriction
from portal.mail.services import deliver_due
from tests.customer.helpers import text_of
from tests.fixtures.pages import in_english
from tests.opt_out.test_opt_out_stop import RECORDS

SHARING = {"type": "purpose", "key": "ad-partner", "title": {"ja": "広告会社への提供", "en": "Sharing with our ad partner"},
           "consent_required": True, "channel": "none", "sale_or_sharing": True}
NEWS = {"type": "purpose", "key": "newsletter-email", "title": "お知らせメール", "consent_required": True, "channel": "email"}
CONSENTS = [{"type": "consent", "person": "C-1", "purpose": key, "state": "granted", "at": "2025-01-01T10:00:00+09:00",
             "method": "web-form"} for key in ("ad-partner", "newsletter-email")]
WITH_SHARING = [*RECORDS[:2], SHARING, NEWS, *RECORDS[2:], *CONSENTS]
GPC = {"Sec-GPC": "1"}
NOTICE_EN = ("Your browser's Global Privacy Control signal was received; we have treated it as a request to opt "
             "out of the sale or sharing of your personal information.")
NOTICE_JA = "グローバル・プライバシー・コントロール（GPC）の信号を受け取りました"


def purpose_id(key: str) -> int:
    return db.session.scalar(sa.select(Purpose.id).where(Purpose.key == key))


def _earlier_request(app, person_id: int, residence: str) -> None:
    """The person said where they live when they filed before (a request for disclosure)."""
    with app.app_context():
        file_request(Requester(person_id=person_id, email="hanako@example.jp", name="山田 花子", language="ja"),
                     type=RequestType.DISCLOSURE, residence=residence, details={}, idempotency_key="earlier",
                     send_receipt=False)
        db.session.commit()
        db.session.remove()


def _gpc_requests(app) -> list[DataRequest]:
    with app.app_context():
        found = [r for r in db.session.scalars(sa.select(DataRequest).where(DataRequest.type == RequestType.STOP_PROVISION))]
        db.session.expunge_all()
        db.session.remove()
        return found


def test_the_signal_of_a_verified_californian_is_an_opt_out_recorded_once_and_in_every_feed(
        app, client, runner, import_lines, login_customer, smtp_server, webhook, receiver):
    import_lines(*WITH_SHARING)
    webhook("provision.stopped", "consent.withdrawn")
    person_id = login_customer(client, "hanako@example.jp")
    _earlier_request(app, person_id, "us-ca")

    page = text_of(client.get("/my/data", headers=GPC).get_data(as_text=True))
    assert NOTICE_JA in page and "販売・共有の停止" in page

    [request] = _gpc_requests(app)
    assert request.status is RequestStatus.COMPLETED and request.details["gpc"] is True
    assert request.jurisdiction is Jurisdiction.CCPA and request.details["scope"] == "all"
    with app.app_context():
        # Third parties (by opt-out and on consent) no longer receive the data.
        assert is_provision_blocked(person_id, "株式会社サンプル名簿")
        assert is_provision_blocked(person_id, "株式会社サンプル物流")
        [stop] = db.session.scalars(sa.select(UseRestriction).where(UseRestriction.person_id == person_id)).all()
        assert stop.recipient_name is None and stop.request_id == request.id
        # Consent to the use marked as a sale or sharing is withdrawn; other consents stand.
        assert current_states(person_id) == {purpose_id("ad-partner"): ConsentState.WITHDRAWN,
                                             purpose_id("newsletter-email"): ConsentState.GRANTED}
        actions = set(db.session.scalars(sa.select(AuditEntry.action)))
        assert {"dsr.request.created", "dsr.request.applied", "inventory.use_restricted",
                "inventory.consent_recorded"} <= actions
        deliver_due()
        db.session.remove()
    [mail] = smtp_server.to("hanako@example.jp")
    assert request.reference in mail["Subject"] + mail.get_body(("plain",)).get_content()
    assert "広告会社への提供：同意を撤回しました" in mail.get_body(("plain",)).get_content()

    # Later visits with the signal say so again and record nothing more; English too.
    in_english(client)
    for path in ("/my/data", "/my/consents", f"/my/requests/{request.reference}"):
        assert NOTICE_EN in text_of(client.get(path, headers=GPC).get_data(as_text=True)), path
    assert len(_gpc_requests(app)) == 1
    detail = text_of(client.get(f"/my/requests/{request.reference}").get_data(as_text=True))
    assert "Global Privacy Control signal" in detail and NOTICE_EN not in detail  # no header, no notice
    assert "Sharing with our ad partner Consent withdrawn" in detail

    consents_page = text_of(client.get("/my/consents").get_data(as_text=True))
    assert "by your browser's Global Privacy Control signal" in consents_page

    # The feeds other systems read: the stops of provision, the suppression list of the sharing use
    # (and not of the newsletter), and the webhooks (one event each).
    rows = list(csv.DictReader(io.StringIO(runner.invoke(args=["export-provision-stops"]).output)))
    assert [(r["person_key"], r["recipient"], r["request"]) for r in rows] == [("C-1", "", request.reference)]
    suppressed = list(csv.DictReader(io.StringIO(runner.invoke(args=["export-suppressions", "--purpose", "ad-partner"]).output)))
    assert [(r["person_key"], r["reason"]) for r in suppressed] == [("C-1", "consent_withdrawn")]
    news = runner.invoke(args=["export-suppressions", "--purpose", "newsletter-email"]).output
    assert "C-1" not in news
    runner.invoke(args=["tick"])
    sent = sorted((json.loads(body) for _headers, body in receiver.received), key=lambda e: e["event"])
    assert [(e["event"], e["data"].get("purpose") or e["data"].get("recipient"), e["data"]["request"]) for e in sent] == [
        ("consent.withdrawn", "ad-partner", request.reference), ("provision.stopped", None, request.reference)]
    assert len(smtp_server.to("hanako@example.jp")) == 1


@pytest.mark.parametrize("case", ["no header", "header 0", "lives in Japan", "never said", "policy off"])
def test_nothing_happens_without_the_signal_outside_california_or_with_the_policy_off(
        app, client, import_lines, login_customer, case):
    import_lines(*RECORDS)
    person_id = login_customer(client, "hanako@example.jp")
    if case != "never said":
        _earlier_request(app, person_id, "jp" if case == "lives in Japan" else "us-ca")
    if case == "policy off":
        with app.app_context():
            db.session.execute(sa.update(Policy).values(honour_gpc=False))
            db.session.commit()
            db.session.remove()
    headers = {} if case == "no header" else {"Sec-GPC": "0"} if case == "header 0" else GPC
    in_english(client)
    page = text_of(client.get("/my/data", headers=headers).get_data(as_text=True))
    assert "Global Privacy Control" not in page
    assert _gpc_requests(app) == []
    with app.app_context():
        assert not is_provision_blocked(person_id, "株式会社サンプル名簿")
        db.session.remove()


def test_the_ccpa_rule_honours_the_signal_and_admins_can_turn_it_off(app_ctx):
    rules = {policy.jurisdiction.value: policy.honour_gpc
             for policy in db.session.scalars(sa.select(Policy).where(Policy.request_type.is_(None)))}
    assert rules == {"appi": False, "gdpr": False, "ccpa": True}


def test_a_purpose_marked_as_a_sale_or_sharing_loads_and_a_bad_mark_is_refused_with_its_line(app, import_lines):
    import_lines(SHARING, NEWS)
    again = import_lines(SHARING, NEWS)
    assert again.change_summary() == "0 created, 0 updated"
    with app.app_context():
        flags = dict(db.session.execute(sa.select(Purpose.key, Purpose.sale_or_sharing)).all())
        db.session.remove()
    assert flags == {"ad-partner": True, "newsletter-email": False}
    with pytest.raises(ImportFailed) as failure:
        import_lines({**NEWS, "key": "other"}, {**SHARING, "key": "bad", "sale_or_sharing": "yes"})
    [problem] = failure.value.problems
    assert problem.line == 2 and "'sale_or_sharing' must be true or false" in problem.message
