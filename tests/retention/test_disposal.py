"""Disposal of items past their retention date: listed first on /staff/retention (counts per
category and source), disposed of after a confirmation page showing the counts, in one
transaction, audited with counts only; held items are neither listed nor disposed of. The page
and `dispose-expired` run the same service."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.inventory.erasure import ItemTombstone, japan_today
from portal.inventory.models import Item
from tests.fixtures.pages import csrf_from, in_english, text_of
from tests.inventory.records import ITEM, PERSON, PURPOSE, SOURCE

EXPIRED = dict(ITEM, key="C-000123/old-address", retain_until="2020-01-01")
HELD = dict(ITEM, key="C-000123/old-contract", category="membership", field="contract",
            value="契約番号 K-778", retain_until="2019-06-30")
KEPT = ITEM  # retained until 2029


def _load(app, import_lines, runner):
    import_lines(SOURCE, PURPOSE, PERSON, KEPT, EXPIRED, HELD)
    until = (japan_today() + timedelta(days=365)).isoformat()
    result = runner.invoke(args=["legal-hold", "--category", "membership", "--until", until, "--reason", "訴訟対応"])
    assert result.exit_code == 0, result.output


def _keys(app) -> list[str]:
    with app.app_context():
        keys = sorted(db.session.scalars(sa.select(Item.key)))
        db.session.remove()
    return keys


def _disposal_audit(app) -> list[tuple]:
    with app.app_context():
        rows = [tuple(row) for row in db.session.execute(
            sa.select(AuditEntry.actor_type, AuditEntry.person_id, AuditEntry.details)
            .where(AuditEntry.action == "retention.items_disposed"))]
        db.session.remove()
    return rows


def test_items_past_retention_are_listed_first_with_counts_and_held_items_are_not(app, client, login_as,
                                                                                  import_lines, runner):
    _load(app, import_lines, runner)
    login_as("manager")
    in_english(client)

    page = text_of(client.get("/staff/retention"))

    due = page.index("Items past their retention date")
    assert due < page.index("Legal holds in force")
    listed = page[due:page.index("Legal holds in force")]
    assert "Sales Promotion EXPO 2024, business card exchange" in listed and "2020-01-01" in listed
    assert "1 items" in listed
    assert "2019-06-30" not in listed  # held: not due
    assert "東京都港区" not in page and "K-778" not in page
    assert "flask --app portal dispose-expired --dry-run" in page


def test_a_manager_confirms_the_counts_and_the_expired_items_go_in_one_audited_step(app, client, login_as,
                                                                                   import_lines, runner):
    _load(app, import_lines, runner)
    login_as("manager")
    in_english(client)

    confirm = client.get("/staff/retention/dispose")
    assert confirm.status_code == 200
    assert "1 item will be disposed of" in text_of(confirm)
    assert _keys(app) == ["C-000123/address", "C-000123/old-address", "C-000123/old-contract"]  # nothing yet

    done = client.post("/staff/retention/dispose", data={"csrf_token": csrf_from(confirm.get_data(as_text=True)),
                                                         "expected": "1"})
    assert done.status_code == 302
    assert _keys(app) == ["C-000123/address", "C-000123/old-contract"]  # the held contract stays
    with app.app_context():
        tombstones = [(t.item_key, t.actor_type, t.request_id) for t in db.session.scalars(sa.select(ItemTombstone))]
        db.session.remove()
    assert tombstones == [("C-000123/old-address", "staff", None)]
    [(actor_type, person_id, details)] = _disposal_audit(app)
    assert (actor_type, person_id) == ("staff", None)
    assert details == {"count": 1, "by_category": {"contact": 1}, "retained_until_before": japan_today().isoformat()}
    assert "東京都" not in str(details)
    assert "Nothing is kept past its retention date." in text_of(client.get("/staff/retention"))


def test_a_list_that_changed_since_the_confirmation_is_shown_again_and_nothing_goes(app, client, login_as,
                                                                                   import_lines, runner):
    _load(app, import_lines, runner)
    login_as("manager")
    confirm = client.get("/staff/retention/dispose").get_data(as_text=True)

    stale = client.post("/staff/retention/dispose", data={"csrf_token": csrf_from(confirm), "expected": "2"})

    assert stale.status_code == 409
    assert len(_keys(app)) == 3 and _disposal_audit(app) == []


def test_agents_see_the_list_but_may_not_dispose(app, client, login_as, import_lines, runner):
    _load(app, import_lines, runner)
    login_as("agent")
    in_english(client)
    assert "Review and dispose of these items" not in text_of(client.get("/staff/retention"))
    assert client.get("/staff/retention/dispose").status_code == 403
    assert client.post("/staff/retention/dispose", data={"expected": "1"}).status_code in (400, 403)
    assert len(_keys(app)) == 3


def test_the_command_runs_the_same_service_and_a_dry_run_changes_nothing(app, runner, import_lines):
    _load(app, import_lines, runner)

    dry = runner.invoke(args=["dispose-expired", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would dispose of 1 item(s)" in dry.output and "contact\tbigsight-2024\t1 item(s)" in dry.output
    assert len(_keys(app)) == 3 and _disposal_audit(app) == []

    done = runner.invoke(args=["dispose-expired"])
    assert done.exit_code == 0, done.output
    assert "disposed of 1 item(s)" in done.output
    assert _keys(app) == ["C-000123/address", "C-000123/old-contract"]
    assert [(actor, details["by_category"]) for actor, _, details in _disposal_audit(app)] == [("cli", {"contact": 1})]
