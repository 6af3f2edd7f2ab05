"""Import (the CLI's semantics), a person's records, the suppression list and the report figures."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from portal.inventory.models import Item, Person
from tests.fixtures.api import is_problem
from tests.inventory.records import CONSENT, ITEM, PERSON, PURPOSE, SOURCE, VALID_FILE

NDJSON = {"Content-Type": "application/x-ndjson"}


def lines(*records) -> bytes:
    return "\n".join(json.dumps(r, ensure_ascii=False) for r in records).encode()


def test_import_loads_the_file_and_a_second_load_changes_nothing(api, token, count_rows):
    response = api.post("/import", token=token, data=lines(*VALID_FILE), headers=NDJSON)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["dry_run"] is False
    assert body["counts"] == {"source": 2, "purpose": 1, "person": 1, "item": 2, "consent": 1, "provision": 1}
    again = api.post("/import", token=token, data=lines(*VALID_FILE), headers=NDJSON).get_json()
    assert sum(again["created"].values()) == 0 and sum(again["updated"].values()) == 0
    assert count_rows(Item) == 2


def test_import_is_atomic_and_reports_every_problem_by_line(api, token, count_rows):
    broken = [SOURCE, PURPOSE, PERSON, {**ITEM, "category": "nonsense"}, {**CONSENT, "person": "C-404"}]
    body = is_problem(api.post("/import", token=token, data=lines(*broken), headers=NDJSON), 422, "import-failed")
    assert [error["line"] for error in body["errors"]] == [4, 5]
    assert all(error["detail"] for error in body["errors"])
    assert count_rows(Person) == 0


def test_import_reports_malformed_json_with_its_line(api, token, count_rows):
    data = lines(SOURCE) + b"\n{not json\n"
    body = is_problem(api.post("/import", token=token, data=data, headers=NDJSON), 422, "import-failed")
    assert body["errors"][0]["line"] == 2


def test_import_dry_run_counts_and_writes_nothing(api, token, count_rows):
    body = api.post("/import?dry_run=true", token=token, data=lines(*VALID_FILE), headers=NDJSON).get_json()
    assert body["dry_run"] is True and body["counts"]["person"] == 1
    assert count_rows(Person) == 0


def test_import_needs_the_inventory_scope_and_refuses_json_media(api, make_token, token):
    is_problem(api.post("/import", token=make_token("requests:write"), data=lines(PERSON), headers=NDJSON),
               403, "insufficient-scope")
    is_problem(api.post("/import", token=token, data=lines(PERSON), headers={"Content-Type": "image/png"}),
               415, "unsupported-media-type")


def test_a_person_is_answered_in_the_export_vocabulary(api, token, import_lines, audit_entries):
    import_lines(*VALID_FILE)
    body = api.get("/persons/C-000123", token=token).get_json()
    assert body["person_key"] == "C-000123"
    assert [r["type"] for r in body["records"]] == ["source", "purpose", "person", "item", "item",
                                                    "consent", "provision"]
    [read] = audit_entries("api.person_read")
    assert read.person_id is not None and read.actor_id == str(token.owner_id)
    is_problem(api.get("/persons/C-404", token=token), 404, "not-found")


def test_suppressions_list_who_withdrew_with_reason_and_since(api, token, import_lines):
    withdrawn = {**CONSENT, "state": "withdrawn", "at": "2025-03-01T09:00:00+09:00"}
    import_lines(SOURCE, PURPOSE, PERSON, CONSENT, withdrawn)
    body = api.get("/suppressions?purpose=newsletter-email", token=token).get_json()
    assert body["purpose"] == "newsletter-email"
    assert body["items"] == [{"person_key": "C-000123", "email": "hanako@example.jp", "reason": "consent_withdrawn",
                              "since": datetime(2025, 3, 1, 0, 0, tzinfo=timezone.utc).isoformat()}]


def test_suppressions_since_keeps_only_newer_entries(api, token, import_lines):
    second = {**PERSON, "key": "C-000124", "email": "jiro@example.jp"}
    import_lines(SOURCE, PURPOSE, PERSON, second,
                 {**CONSENT, "state": "withdrawn", "at": "2025-03-01T09:00:00+09:00"},
                 {**CONSENT, "person": "C-000124", "state": "withdrawn", "at": "2025-06-01T09:00:00+09:00"})
    body = api.get("/suppressions?purpose=newsletter-email&since=2025-04-01T00:00:00%2B09:00", token=token).get_json()
    assert [item["person_key"] for item in body["items"]] == ["C-000124"]
    # No offset means Japan time, as in the CLI.
    body = api.get("/suppressions?purpose=newsletter-email&since=2025-03-01T08:59:59", token=token).get_json()
    assert len(body["items"]) == 2


def test_suppressions_need_a_known_purpose(api, token):
    body = is_problem(api.get("/suppressions?purpose=nope", token=token), 422, "validation-failed")
    assert body["errors"][0]["parameter"] == "purpose"
    body = is_problem(api.get("/suppressions", token=token), 400, "invalid-parameter")
    assert body["errors"] == [{"parameter": "purpose", "detail": "is required"}]
    is_problem(api.get("/suppressions?purpose=newsletter-email&since=yesterday", token=token), 400, "invalid-parameter")


def test_report_summary_counts_requests_of_the_period(api, token):
    for kind in ("disclosure", "erasure"):
        api.post("/requests", token=token, json={"type": kind, "channel": "phone", "policy": "appi",
                                                 "requester": {"email": "a@example.jp"}})
    body = api.get("/reports/summary", token=token).get_json()
    assert body["received"]["total"] == 2
    assert body["received"]["by_type"]["erasure"] == 1
    assert body["received"]["by_channel"]["phone"] == 2
    assert body["open_now"]["total"] == 2 and body["open_now"]["not_yet_verified"] == 2
    empty = api.get("/reports/summary?from=2020-01-01&to=2020-01-31", token=token).get_json()
    assert empty["received"]["total"] == 0 and empty["on_time_rate"] is None
    is_problem(api.get("/reports/summary?from=2020-02-01&to=2020-01-01", token=token), 400, "invalid-parameter")


def test_import_names_the_line_with_a_nul_character(api, token, count_rows):
    data = lines(SOURCE, PURPOSE, {**PERSON, "name": "山田\u0000花子"})
    body = is_problem(api.post("/import", token=token, data=data, headers=NDJSON), 422, "import-failed")
    assert [error["line"] for error in body["errors"]] == [3]
    assert count_rows(Person) == 0
