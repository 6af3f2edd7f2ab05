"""The import contract: atomic, idempotent, every problem reported by line, nothing written on error."""
import json
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.inventory.importer import ImportFailed
from portal.inventory.models import ConsentEvent, Item, Person, Provision, Purpose, Source
from tests.inventory.records import (
    CONSENT, ITEM, LIST_SOURCE, PERSON, PROVISION, PURCHASE, PURPOSE, SOURCE, VALID_FILE,
)

MODELS = (Source, Purpose, Person, Item, ConsentEvent, Provision)


def row_counts() -> dict:
    return {model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model)) for model in MODELS}


def write_jsonl(tmp_path, records, name="data.jsonl", extra: str = "") -> str:
    path = tmp_path / name
    lines = [json.dumps(r, ensure_ascii=False) if isinstance(r, dict) else r for r in records]
    path.write_text("\n".join(lines) + extra, encoding="utf-8")
    return str(path)


def test_cli_import_prints_counts_per_type(runner, tmp_path, app_ctx):
    result = runner.invoke(args=["import-data", write_jsonl(tmp_path, VALID_FILE)])
    assert result.exit_code == 0, result.output
    assert "imported: 2 sources, 1 purposes, 1 persons, 2 items, 1 consents, 1 provisions" in result.output
    person = db.session.scalars(sa.select(Person)).one()
    assert person.email == "hanako@example.jp"  # trimmed and lower-cased
    item = db.session.scalars(sa.select(Item).where(Item.key == ITEM["key"])).one()
    assert item.collected_at == datetime(2024, 5, 15, 1, 30, tzinfo=timezone.utc)
    purchase = db.session.scalars(sa.select(Item).where(Item.category == "purchase")).one()
    # A time without an offset is Japan time.
    assert purchase.collected_at == datetime(2024, 6, 1, 3, 0, tzinfo=timezone.utc)
    assert purchase.value == {"sku": "A-1", "name": "緑茶", "price": 150}


def test_importing_the_same_file_twice_changes_nothing(runner, tmp_path, app_ctx):
    path = write_jsonl(tmp_path, VALID_FILE + [PURCHASE])  # the same purchase twice is two lines
    assert runner.invoke(args=["import-data", path]).exit_code == 0
    first = row_counts()
    assert first["Item"] == 3
    second = runner.invoke(args=["import-data", path])
    assert second.exit_code == 0
    assert "0 created, 0 updated" in second.output
    assert row_counts() == first


def test_record_with_existing_key_is_updated_in_place(import_lines, app_ctx):
    import_lines(*VALID_FILE)
    moved = {**ITEM, "value": "東京都渋谷区サンプル2-2", "purposes": []}
    renamed = {**PERSON, "name": "山田 華子"}
    result = import_lines(renamed, moved)
    assert result.changes.updated == {"person": 1, "item": 1, "source": 0, "purpose": 0, "consent": 0, "provision": 0} | result.changes.updated
    item = db.session.scalars(sa.select(Item).where(Item.key == ITEM["key"])).one()
    assert item.value == "東京都渋谷区サンプル2-2"
    assert db.session.scalar(sa.select(Person.name)) == "山田 華子"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Item)) == 2


def test_records_may_refer_to_keys_imported_earlier(import_lines, app_ctx):
    import_lines(SOURCE, PURPOSE, PERSON)
    import_lines(ITEM, CONSENT)
    assert row_counts()["Item"] == 1 and row_counts()["ConsentEvent"] == 1


def test_identical_consent_is_not_added_twice_but_history_appends(import_lines, app_ctx):
    import_lines(*VALID_FILE)
    withdrawn = {**CONSENT, "state": "withdrawn", "at": "2025-01-10T09:00:00+09:00"}
    import_lines(CONSENT, withdrawn)
    states = db.session.scalars(sa.select(ConsentEvent.state).order_by(ConsentEvent.at)).all()
    assert [s.value for s in states] == ["granted", "withdrawn"]


def test_dry_run_validates_and_counts_without_writing(runner, tmp_path, app_ctx):
    result = runner.invoke(args=["import-data", "--dry-run", write_jsonl(tmp_path, VALID_FILE)])
    assert result.exit_code == 0
    assert "would import: 2 sources, 1 purposes, 1 persons, 2 items, 1 consents, 1 provisions" in result.output
    assert set(row_counts().values()) == {0}


@pytest.mark.parametrize(
    "bad_record, message",
    [
        ({"type": "customer", "key": "x"}, "unknown type 'customer'"),
        ({**PERSON, "key": "C-2", "email": "not-an-address"}, "'email' is not a valid address"),
        ({**SOURCE, "key": "s2", "kind": "fax"}, "unknown kind 'fax'"),
        ({**ITEM, "key": "k2", "category": "secret"}, "unknown category 'secret'"),
        ({**PURPOSE, "key": "p2", "channel": "pigeon"}, "unknown channel 'pigeon'"),
        ({**CONSENT, "state": "maybe"}, "unknown state 'maybe'"),
        ({**PROVISION, "key": "P2", "basis": "gift"}, "unknown basis 'gift'"),
        ({**ITEM, "key": "k3", "person": "C-999"}, "unknown person 'C-999'"),
        ({**ITEM, "key": "k4", "purposes": ["nope"]}, "unknown purpose 'nope'"),
        ({**ITEM, "key": "k5", "retain_until": "2029-02-30"}, "bad date in 'retain_until'"),
        ({**CONSENT, "at": "yesterday"}, "bad time in 'at'"),
        ({**PERSON, "key": "C-2"}, "duplicate email"),
        ({**LIST_SOURCE, "key": "l2", "provider": None}, "missing required field 'provider'"),
    ],
)
def test_each_kind_of_error_is_reported_with_its_line_and_nothing_is_written(
    import_lines, app_ctx, bad_record, message
):
    with pytest.raises(ImportFailed) as failure:
        import_lines(*VALID_FILE, bad_record)
    problems = [str(p) for p in failure.value.problems]
    assert any(p.startswith(f"{len(VALID_FILE) + 1}: ") and message in p for p in problems), problems
    assert set(row_counts().values()) == {0}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 0


def test_all_problems_are_reported_not_only_the_first(runner, tmp_path, app_ctx):
    path = write_jsonl(tmp_path, [SOURCE, "{not json", PURPOSE, {"type": "nope"}, {**ITEM, "person": "X"}])
    result = runner.invoke(args=["import-data", path])
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line[:1].isdigit()]
    assert [line.split(":")[0] for line in lines] == ["2", "4", "5"]
    assert "malformed JSON" in lines[0]
    assert set(row_counts().values()) == {0}


def test_file_that_is_not_utf8_is_refused(runner, tmp_path, app_ctx):
    path = tmp_path / "sjis.jsonl"
    path.write_bytes(json.dumps(SOURCE, ensure_ascii=False).encode() + b"\n" + "山田".encode("shift_jis"))
    result = runner.invoke(args=["import-data", str(path)])
    assert result.exit_code != 0
    assert "2: file is not UTF-8" in result.output
    assert set(row_counts().values()) == {0}


def test_comments_and_blank_lines_are_skipped(import_lines, runner, tmp_path, app_ctx):
    path = write_jsonl(tmp_path, ["# exported from CRM", "", SOURCE, "   ", PURPOSE])
    result = runner.invoke(args=["import-data", path])
    assert result.exit_code == 0, result.output
    assert "1 sources, 1 purposes" in result.output


def test_import_is_audited_without_personal_values(import_lines, app_ctx):
    import_lines(*VALID_FILE)
    entry = db.session.scalars(sa.select(AuditEntry)).one()
    assert entry.action == "inventory.import"
    assert entry.details["counts"]["person"] == 1
    dumped = json.dumps(entry.details, ensure_ascii=False)
    for personal in ("hanako", "山田", "090-1234", "東京都港区"):
        assert personal not in dumped


def test_keyless_provisions_are_not_added_again_on_reimport(runner, tmp_path, app_ctx):
    keyless = {k: v for k, v in PROVISION.items() if k != "key"}
    path = write_jsonl(tmp_path, [SOURCE, PURPOSE, PERSON, keyless, keyless])  # two real provisions
    assert runner.invoke(args=["import-data", path]).exit_code == 0
    assert row_counts()["Provision"] == 2
    again = runner.invoke(args=["import-data", path])
    assert "0 created, 0 updated" in again.output
    assert row_counts()["Provision"] == 2


def test_purposes_that_are_not_a_list_are_reported_not_crashed_on(import_lines, app_ctx):
    with pytest.raises(ImportFailed) as failure:
        import_lines(*VALID_FILE, {**ITEM, "key": "k9", "purposes": True})
    assert any("'purposes' must be a list" in str(p) for p in failure.value.problems)
    assert set(row_counts().values()) == {0}


def test_a_purpose_with_a_null_channel_gets_the_default_channel(import_lines, app_ctx):
    """Found by the property tests: `"channel": null` reached the NOT NULL column (a 500)."""
    import_lines({**PURPOSE, "channel": None})
    assert db.session.scalar(sa.select(Purpose.channel).where(Purpose.key == PURPOSE["key"])) == "none"
