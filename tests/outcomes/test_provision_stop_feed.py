"""A stop of third-party provision stops provision: the stop appears in the CSV feed and the
API, a webhook announces it, and a new provision record to the stopped recipient is refused
by the importer with its line number."""
from __future__ import annotations

import csv
import io
import json

import sqlalchemy as sa

from portal.common.time import utcnow
from portal.dsr.calendar import japan_date
from portal.extensions import db
from portal.inventory.models import Provision
from tests.customer.records import HANAKO, HANAKO_VALUES, JIRO

AD_PARTNER = "株式会社サンプル広告"


def _stop(file_case, act, person_id, **decision):
    details = {"scope": "chosen", "recipients": [AD_PARTNER]} if decision.get("scope") == "chosen" else {"scope": "all"}
    case = file_case(type="stop_provision", person_id=person_id, status="in_progress", email=HANAKO_VALUES["email"],
                     details=details)
    response = act(case, "complete", confirmed="yes", **decision)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return case


def _provision(key, recipient, provided_at, basis="consent", person=HANAKO):
    return {"type": "provision", "key": key, "person": person, "recipient": {"name": recipient},
            "provided_at": provided_at, "basis": basis, "items": ["contact.email"]}


def test_a_stop_reaches_the_feed_the_api_the_webhook_and_the_importer(
        app, runner, hanako, read, file_case, login_as, act, api, make_token, webhook, receiver, import_lines,
        tmp_path):
    webhook("provision.stopped")
    login_as("agent")
    jiro = read(lambda: db.session.scalar(sa.text("select id from person where key = :k"), {"k": JIRO}))

    hanako_case = _stop(file_case, act, hanako, scope="chosen", recipient=AD_PARTNER)
    jiro_case = _stop(file_case, act, jiro, scope="all")

    # The CSV feed: one row per stop in force; --recipient keeps the stops covering that company.
    result = runner.invoke(args=["export-provision-stops"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [(r["person_key"], r["recipient"], r["request"]) for r in rows] == [
        (HANAKO, AD_PARTNER, hanako_case.reference), (JIRO, "", jiro_case.reference)]
    assert all(r["since"].startswith(str(utcnow().year)) for r in rows)
    narrowed = runner.invoke(args=["export-provision-stops", "--recipient", "株式会社 サンプル広告"]).output
    assert [r["person_key"] for r in csv.DictReader(io.StringIO(narrowed))] == [HANAKO, JIRO]
    other = runner.invoke(args=["export-provision-stops", "--recipient", "株式会社サンプル物流"]).output
    assert [r["person_key"] for r in csv.DictReader(io.StringIO(other))] == [JIRO]  # Jiro stopped everyone

    # The API: the same stops, paged, for tokens with suppressions:read.
    token = make_token("suppressions:read", role="agent")
    first = api.get("/provision-stops?limit=1", token=token).get_json()
    assert "items" in first, first
    assert first["items"][0] == {"person_key": HANAKO, "recipient": AD_PARTNER, "since": first["items"][0]["since"],
                                 "request": hanako_case.reference}
    second = api.get(f"/provision-stops?limit=1&cursor={first['next_cursor']}", token=token).get_json()
    assert "items" in second, second
    assert [(i["person_key"], i["recipient"]) for i in second["items"]] == [(JIRO, None)]
    assert second["next_cursor"] is None
    assert api.get("/provision-stops", token=make_token("requests:read", role="agent")).status_code == 403
    assert "/provision-stops" in api.get("/openapi.json").get_json()["paths"]

    # The webhook: one event per stop that took effect, with keys and company names only.
    runner.invoke(args=["tick"])
    sent = [json.loads(body) for _headers, body in receiver.received]
    assert [(e["event"], e["data"]["person_key"], e["data"]["recipient"], e["data"]["request"]) for e in sent] == [
        ("provision.stopped", HANAKO, AD_PARTNER, hanako_case.reference),
        ("provision.stopped", JIRO, None, jiro_case.reference)]
    assert HANAKO_VALUES["email"] not in json.dumps(sent, ensure_ascii=False)

    # The importer: a new provision to the stopped recipient is refused with its line; nothing is written.
    today = japan_date(utcnow()).isoformat()  # stops take effect by Japan date, as provisions are dated
    before = read(lambda: db.session.scalar(sa.select(sa.func.count()).select_from(Provision)))
    lines = [_provision("P-OLD", AD_PARTNER, "2024-01-10"),  # history from before the stop: loads
             _provision("P-NEW", "株式会社 サンプル広告", today),  # line 2: refused
             _provision("P-TRUST", AD_PARTNER, today, basis="entrustment"),  # 委託 is not provision to a third party
             _provision("P-JIRO", "株式会社サンプル物流", today, person=JIRO)]  # line 4: Jiro stopped everyone
    path = tmp_path / "provisions.jsonl"
    path.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n", encoding="utf-8")
    refused = runner.invoke(args=["import-data", str(path)])
    assert refused.exit_code != 0
    assert "2: person 'C-000123' stopped provision" in refused.output
    assert "4: person 'C-000999' stopped provision" in refused.output
    assert "1: " not in refused.output and "3: " not in refused.output
    assert read(lambda: db.session.scalar(sa.select(sa.func.count()).select_from(Provision))) == before

    result = import_lines(lines[0], lines[2])
    assert result.counts["provision"] == 2
