"""The import streams in chunks: what spans a chunk boundary behaves as if the file were one piece."""
import gc
import json

import pytest
import sqlalchemy as sa

import portal.inventory.importer as importer
from portal.audit.models import AuditEntry
from portal.audit.services import Actor
from portal.extensions import db
from portal.inventory.cli import ProgressLine
from portal.inventory.importer import ImportFailed, import_bytes
from portal.inventory.models import ConsentEvent, Item, Person
from tests.inventory.records import CONSENT, ITEM, PERSON, PURCHASE, PURPOSE, SOURCE


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of two or three lines, so a short file crosses many boundaries."""
    monkeypatch.setattr(importer, "CHUNK_LINES", 2)
    monkeypatch.setattr(importer, "CHUNK_LINES_AT_MOST", 3)


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_lines_across_chunks_load_once_and_a_reimport_adds_nothing(small_chunks, import_lines, app_ctx):
    second = {**PERSON, "key": "C-2", "email": "taro@example.jp"}
    lines = [SOURCE, PURPOSE, PERSON, PURCHASE, PURCHASE, PURCHASE, ITEM, CONSENT, CONSENT,
             second, {**PURCHASE, "person": "C-2"}, {**ITEM, "key": "C-2/address", "person": "C-2"}]
    first = import_lines(*lines)
    assert first.counts["item"] == 6
    # The same purchase three times is three lines, even when they fall into different chunks.
    assert count(Item) == 6 and count(ConsentEvent) == 1 and count(Person) == 2
    again = import_lines(*lines)
    assert again.change_summary() == "0 created, 0 updated"
    assert count(Item) == 6


def test_a_problem_in_a_late_chunk_leaves_nothing_of_the_early_chunks(small_chunks, import_lines, app_ctx):
    lines = [SOURCE, PURPOSE, PERSON, PURCHASE, ITEM, CONSENT, {**ITEM, "key": "k9", "person": "nobody"}]
    with pytest.raises(ImportFailed) as failure:
        import_lines(*lines)
    assert [str(problem) for problem in failure.value.problems] == [
        "7: item: unknown person 'nobody' in 'person' (define it earlier in the file or import it first)"]
    assert count(Person) == count(Item) == count(AuditEntry) == 0


def test_an_email_stored_for_another_person_is_refused_across_chunks(small_chunks, import_lines, app_ctx):
    import_lines(SOURCE, PURPOSE, PERSON)
    with pytest.raises(ImportFailed) as failure:
        import_lines(PURPOSE, SOURCE, {**PERSON, "key": "C-2"})
    assert "duplicate email: already used by person 'C-000123'" in str(failure.value.problems[0])


ENDLESS = "@1e400@"  # written as the number 1e400: beyond a double, the standard parser reads infinity


def _import_with_numbers(*records: dict):
    text = "\n".join(json.dumps(record, ensure_ascii=False) for record in records)
    return import_bytes(text.replace(f'"{ENDLESS}"', "1e400").encode(), actor=Actor("test"))


def test_numbers_beyond_64_bits_and_non_finite_numbers_load_as_the_standard_parser_reads_them(app_ctx):
    big = {**PURCHASE, "value": {"order": 123456789012345678901234567890, "price": 150}}
    endless = {**PURCHASE, "value": {"ratio": ENDLESS, "price": 150}}
    _import_with_numbers(SOURCE, PURPOSE, PERSON, big, endless)
    values = db.session.scalars(sa.select(Item.value).where(Item.category == "purchase").order_by(Item.id)).all()
    assert values[0]["order"] == 123456789012345678901234567890
    assert values[1]["ratio"] == float("inf")
    # The same file again is recognised line by line, these lines included.
    assert _import_with_numbers(SOURCE, PURPOSE, PERSON, big, endless).change_summary() == "0 created, 0 updated"


def test_an_infinite_number_and_null_are_different_values_to_a_reimport(app_ctx):
    """orjson writes both as null; the importer's digest must still tell them apart."""
    unknown = {**ITEM, "value": {"floor": None}}
    _import_with_numbers(SOURCE, PURPOSE, PERSON, unknown)
    result = _import_with_numbers(SOURCE, PURPOSE, PERSON, {**unknown, "value": {"floor": ENDLESS}})
    assert result.changes.updated["item"] == 1
    db.session.expire_all()
    assert db.session.scalar(sa.select(Item.value).where(Item.key == ITEM["key"])) == {"floor": float("inf")}


def test_the_garbage_collector_runs_again_after_an_import_whether_it_loaded_or_failed(import_lines, app_ctx):
    import_lines(SOURCE, PURPOSE, PERSON, PURCHASE)
    assert gc.isenabled()
    with pytest.raises(ImportFailed):
        import_lines(SOURCE, PURPOSE, {**PURCHASE, "person": "nobody"})
    assert gc.isenabled()


def test_progress_line_says_records_per_second_and_time_left(capsys):
    progress = ProgressLine(1000, shown=True)
    progress.started -= 10  # ten seconds into the load
    progress.last -= 10
    progress(50_000, 250)
    progress.clear()
    shown = capsys.readouterr().err
    assert "50,000 records, 5,000 records/s, 25%, about 30 s left" in shown


def test_progress_line_stays_silent_when_not_on_a_terminal(capsys):
    progress = ProgressLine(1000, shown=False)
    progress.last -= 10
    progress(10, 10)
    assert capsys.readouterr().err == ""


def test_a_bom_and_lines_ending_in_crlf_are_read(runner, tmp_path, app_ctx):
    path = tmp_path / "crlf.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + b"\r\n".join(json.dumps(r, ensure_ascii=False).encode() for r in (SOURCE, PURPOSE)))
    result = runner.invoke(args=["import-data", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 sources, 1 purposes" in result.output


def test_a_large_load_leaves_postgresql_planning_for_the_tables_as_loaded(import_lines, app_ctx, monkeypatch):
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL's planner statistics (SQLite plans without them)")
    monkeypatch.setattr(importer, "ANALYZE_AFTER_CREATED", 3)  # "large": three rows or more
    import_lines(SOURCE, PURPOSE, PERSON, PURCHASE, ITEM)
    planned = db.session.scalar(sa.text("SELECT reltuples FROM pg_class WHERE relname = 'item'"))
    assert planned == 2  # what ANALYZE counted: the two items loaded
