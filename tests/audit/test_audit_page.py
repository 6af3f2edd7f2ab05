"""The audit log page for admins: filters, keyset pages, chain check, CSV — each reading audited."""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEntry
from portal.audit.services import Actor, record
from portal.common.time import JST
from portal.extensions import db
from tests.fixtures.pages import csrf_from, in_english, post_page_form, text_of
from tests.fixtures.audit import audit_entries

AUDIT = "/staff/audit"


@pytest.fixture
def write(app, monkeypatch):
    """`write(action, at=…, **fields)` → entry id: a real, correctly chained entry.

    `at` (Japan wall-clock) freezes the clock `record` reads, so dates can be chosen.
    """

    def add(action: str = "test.action", *, at: datetime | None = None, actor: Actor = Actor("system"), **fields) -> int:
        if at is not None:
            monkeypatch.setattr("portal.audit.services.utcnow", lambda: at.astimezone(timezone.utc))
        with app.app_context():
            entry_id = record(action, actor=actor, **fields)
            db.session.commit()
            db.session.remove()
        monkeypatch.undo()
        return entry_id

    return add


def shown_ids(response) -> list[int]:
    """The entry numbers in the table, in the order shown."""
    html = response.get_data(as_text=True)
    return [int(n) for n in re.findall(r'<td class="num">(\d+)</td>\s*<td class="nowrap"><time', html)]


def test_managers_and_agents_cannot_open_the_audit_log(client, login_as):
    login_as("manager")
    assert client.get(AUDIT).status_code == 403
    assert client.get(AUDIT + "/export.csv").status_code == 403


def test_no_route_can_change_or_delete_an_audit_entry(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(AUDIT):
            methods = rule.methods - {"HEAD", "OPTIONS"}
            assert not methods & {"PUT", "PATCH", "DELETE"}, rule.rule
            if "POST" in methods:
                assert rule.endpoint == "audit.verify", f"only the chain check posts: {rule.rule}"


def test_the_log_shows_newest_first_with_staff_names_and_japan_time(app, client, login_as, create_staff, write):
    colleague = create_staff("agent", name="山田 花子")
    write("test.first", at=datetime(2026, 4, 30, 23, 30, tzinfo=JST), actor=Actor("staff", colleague.id),
          target_type="data_request", target_id="MG-2026-000001", person_id=42, details={"reference": "MG-2026-000001"})
    write("test.second")
    login_as("admin")
    response = client.get(AUDIT, query_string={"action": "test."})
    text = text_of(response)
    assert response.status_code == 200
    ids = shown_ids(response)
    assert len(ids) == 2 and ids[0] > ids[1], "newest first"
    assert "山田 花子" in text
    assert "2026-04-30 23:30:00" in text, "times are shown in Japan time"
    assert "MG-2026-000001" in text and "42" in text


def test_details_are_shown_as_text_never_as_markup(client, login_as, write):
    write("test.tricky", details={"note": "<script>alert(1)</script>"})
    login_as("admin")
    html = client.get(AUDIT, query_string={"action": "test."}).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_filters_by_actor_action_target_and_person(client, login_as, write):
    by_staff = write("test.request.viewed", actor=Actor("staff", 5), target_type="data_request",
                     target_id="MG-2026-000123", person_id=7)
    by_customer = write("test.request.created", actor=Actor("customer", 7), target_type="data_request",
                        target_id="MG-2026-000124", person_id=7)
    other = write("other.thing", actor=Actor("staff", 5), target_type="policy", target_id="3")
    login_as("admin")

    def ids(**filters):
        return set(shown_ids(client.get(AUDIT, query_string=filters)))

    assert ids(action="test.") == {by_staff, by_customer}
    assert ids(actor_type="staff", actor_id="5") == {by_staff, other}
    assert ids(actor_type="customer", action="test.") == {by_customer}
    # A reference typed in lower case finds the request's entries.
    assert ids(target_id="mg-2026-000123") == {by_staff}
    assert ids(target_type="policy", target_id="3") == {other}
    assert ids(person_id="7") == {by_staff, by_customer}
    assert ids(action="test.", person_id="8") == set()


def test_a_percent_sign_in_the_action_filter_is_no_wildcard(client, login_as, write):
    write("test.a")
    login_as("admin")
    assert shown_ids(client.get(AUDIT, query_string={"action": "%"})) == []


def test_date_range_counts_japan_days(client, login_as, write):
    late_evening = write("test.dated", at=datetime(2026, 4, 30, 23, 30, tzinfo=JST))  # 14:30 UTC
    next_morning = write("test.dated", at=datetime(2026, 5, 1, 0, 30, tzinfo=JST))    # still 30 April in UTC
    login_as("admin")

    def ids(**filters):
        return shown_ids(client.get(AUDIT, query_string={"action": "test.dated", **filters}))

    assert ids(date_from="2026-04-30", date_to="2026-04-30") == [late_evening]
    assert ids(date_from="2026-05-01") == [next_morning]
    assert ids(date_to="2026-04-30") == [late_evening]
    assert ids(date_from="2026-04-30", date_to="2026-05-01") == [next_morning, late_evening]


def test_wrong_filters_are_explained_and_show_nothing(client, login_as):
    login_as("admin")
    in_english(client)
    response = client.get(AUDIT, query_string={"date_from": "2026-05-02", "date_to": "2026-05-01", "person_id": "x"})
    assert response.status_code == 422
    text = text_of(response)
    assert "The end date is before the start date." in text
    assert "Please correct the filters above." in text
    assert shown_ids(response) == []


def test_pages_are_cut_by_id_newest_first(app, client, login_as):
    with app.app_context():
        for n in range(120):
            record("test.paged", actor=Actor("system"), details={"n": n})
        db.session.commit()
        all_ids = db.session.scalars(sa.select(AuditEntry.id).where(AuditEntry.action == "test.paged")
                                     .order_by(AuditEntry.id.desc())).all()
        db.session.remove()
    login_as("admin")
    in_english(client)

    first = client.get(AUDIT, query_string={"action": "test.paged"})
    assert shown_ids(first) == all_ids[:50]
    assert "Newer" not in text_of(first)
    older = re.search(r'href="([^"]+)" rel="next"', first.get_data(as_text=True)).group(1).replace("&amp;", "&")
    second = client.get(older)
    assert shown_ids(second) == all_ids[50:100]
    third = client.get(re.search(r'href="([^"]+)" rel="next"', second.get_data(as_text=True)).group(1).replace("&amp;", "&"))
    assert shown_ids(third) == all_ids[100:]
    assert 'rel="next"' not in third.get_data(as_text=True), "no older page after the last"
    back = client.get(re.search(r'href="([^"]+)" rel="prev"', third.get_data(as_text=True)).group(1).replace("&amp;", "&"))
    assert shown_ids(back) == all_ids[50:100]


def test_viewing_the_log_is_itself_audited_with_the_filters(app, client, login_as):
    admin = login_as("admin")
    client.get(AUDIT, query_string={"action": "dsr.", "target_id": "MG-2026-000123", "date_from": "2026-04-01"})
    [viewed] = audit_entries(app, "staff.viewed_audit_log")
    assert (viewed.actor_type, viewed.actor_id) == ("staff", str(admin.id))
    assert viewed.details["filters"] == {"action": "dsr.", "target_type": "data_request",
                                         "target_id": "MG-2026-000123", "date_from": "2026-04-01"}


def edit_an_entry(app, entry_id: int) -> None:
    """What someone with database access might do: change a row behind the portal's back."""
    with app.app_context():
        db.session.execute(sa.update(AuditEntry).where(AuditEntry.id == entry_id).values(actor_id="someone-else"))
        db.session.commit()
        db.session.remove()


def test_an_edited_row_is_named_by_the_page_and_by_audit_verify(app, client, runner, login_as, write):
    login_as("admin")
    in_english(client)
    write("test.one")
    tampered = write("test.two")
    write("test.three")

    intact = post_page_form(client, AUDIT + "/verify", {}, page=AUDIT)
    assert "The audit log is intact" in text_of(intact)

    edit_an_entry(app, tampered)
    broken = post_page_form(client, AUDIT + "/verify", {}, page=AUDIT)
    text = text_of(broken)
    assert broken.status_code == 200
    assert f"The chain is broken at entry No. {tampered}." in text
    assert "The content of this entry was changed after it was written." in text
    assert f"before={tampered + 1}" in broken.get_data(as_text=True), "a link shows the broken entry"
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 1 and f"BROKEN at entry {tampered}" in result.output

    checks = audit_entries(app, "staff.verified_audit_chain")
    assert [c.details["intact"] for c in checks] == [True, False]
    assert checks[1].details["first_broken_id"] == tampered


def test_csv_export_has_the_filtered_entries_and_is_audited(app, client, login_as, create_staff, write):
    colleague = create_staff("agent", name="山田 花子")
    wanted = write("test.export", actor=Actor("staff", colleague.id), target_type="data_request",
                   target_id="MG-2026-000123", details={"formula": "=1+1"})
    write("test.other")
    login_as("admin")
    response = client.get(AUDIT + "/export.csv", query_string={"action": "test.export"})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.is_streamed
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff"), "a BOM so spreadsheet programs read UTF-8"
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    assert [int(r["id"]) for r in rows] == [wanted]
    assert rows[0]["actor_name"] == "山田 花子"
    assert rows[0]["target_id"] == "MG-2026-000123"
    assert rows[0]["details"] == '{"formula":"=1+1"}'

    [exported] = audit_entries(app, "staff.exported_audit_log")
    assert exported.details["filters"] == {"action": "test.export"}


def test_csv_cells_that_look_like_formulas_are_defused(client, login_as, write):
    write("test.formula", actor=Actor("cli", "=HYPERLINK(\"http://evil\")"))
    login_as("admin")
    body = client.get(AUDIT + "/export.csv", query_string={"action": "test.formula"}).get_data(as_text=True)
    [row] = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    assert row["actor_id"].startswith("'=")


def test_entries_deleted_from_the_end_are_shown_on_the_check_page(app, client, login_as, write):
    login_as("admin")
    in_english(client)
    write("test.one")
    write("test.two")
    # The form's token first: showing the log writes an entry, which would link to the deleted one.
    token = csrf_from(client.get(AUDIT).get_data(as_text=True))
    last = write("test.three")
    with app.app_context():
        db.session.execute(sa.delete(AuditEntry).where(AuditEntry.id == last))
        db.session.commit()
    text = text_of(client.post(AUDIT + "/verify", data={"csrf_token": token}))
    assert "The end of the audit log is not as it was written." in text
    assert "The newest entries were deleted" in text
    assert f"names entry No. {last} as the newest of" in text
