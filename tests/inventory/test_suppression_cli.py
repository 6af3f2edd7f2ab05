"""`flask --app portal export-suppressions --purpose KEY [--since TIME]`: the CSV contract."""
from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEntry
from portal.extensions import db
from tests.inventory.test_suppression import NEWSLETTER, consent, person


@pytest.fixture
def withdrawn(import_lines):
    """Two withdrawals (one by a person whose key and address look like formulas), one grant."""
    import_lines(
        NEWSLETTER,
        person("C-1", "hanako@example.jp"), person("=HYPERLINK(\"http://evil\")", "+81@example.jp"),
        person("C-3", "saburo@example.jp"),
        consent("C-1", "withdrawn", "2025-03-01T09:00:00+09:00"),
        consent("=HYPERLINK(\"http://evil\")", "withdrawn", "2025-04-01T12:30:00+09:00"),
        consent("C-3", "granted", "2025-01-01T09:00:00+09:00"),
    )


def export(runner, *args: str):
    return runner.invoke(args=["export-suppressions", *args])


def rows_of(result) -> list[list[str]]:
    return list(csv.reader(io.StringIO(result.stdout_bytes.decode("utf-8"))))


def test_the_csv_has_a_header_and_one_row_per_suppressed_person(runner, withdrawn):
    result = export(runner, "--purpose", "newsletter-email")
    assert result.exit_code == 0, result.stderr
    header, *rows = rows_of(result)
    assert header == ["person_key", "email", "reason", "since"]
    assert [row[0] for row in rows] == ["C-1", "'=HYPERLINK(\"http://evil\")"]
    assert rows[0] == ["C-1", "hanako@example.jp", "consent_withdrawn", "2025-03-01T09:00:00+09:00"]


def test_times_are_iso_8601_with_their_offset(runner, withdrawn):
    _header, *rows = rows_of(export(runner, "--purpose", "newsletter-email"))
    for row in rows:
        assert datetime.fromisoformat(row[3]).utcoffset() is not None
    assert rows[1][3] == "2025-04-01T12:30:00+09:00"


def test_cells_that_a_spreadsheet_would_run_as_formulas_are_neutralised(runner, withdrawn):
    _header, _first, evil = rows_of(export(runner, "--purpose", "newsletter-email"))
    assert evil[0].startswith("'=") and evil[1] == "'+81@example.jp"


def test_the_csv_is_utf8_without_bom_and_with_crlf_lines(runner, import_lines):
    import_lines(NEWSLETTER, person("顧客-1", "hanako@example.jp"),
                 consent("顧客-1", "withdrawn", "2025-03-01T09:00:00+09:00"))
    raw = export(runner, "--purpose", "newsletter-email").stdout_bytes
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert "顧客-1".encode("utf-8") in raw and raw.endswith(b"\r\n")


def test_since_keeps_only_later_entries(runner, withdrawn):
    result = export(runner, "--purpose", "newsletter-email", "--since", "2025-03-15T00:00:00+09:00")
    assert [row[0] for row in rows_of(result)[1:]] == ["'=HYPERLINK(\"http://evil\")"]
    # Without an offset the time is Japan time.
    result = export(runner, "--purpose", "newsletter-email", "--since", "2025-03-01T09:00:00")
    assert len(rows_of(result)) == 2


def test_an_unparseable_since_is_refused(runner, withdrawn):
    result = export(runner, "--purpose", "newsletter-email", "--since", "last tuesday")
    assert result.exit_code != 0 and "ISO 8601" in result.stderr


def test_an_unknown_purpose_is_one_line_on_stderr_and_exit_1(runner, withdrawn):
    result = export(runner, "--purpose", "no-such-purpose")
    assert result.exit_code == 1
    assert result.stdout_bytes == b""
    assert result.stderr.strip().count("\n") == 0 and "no-such-purpose" in result.stderr


def test_an_empty_list_is_just_the_header(runner, import_lines):
    import_lines(NEWSLETTER)
    assert export(runner, "--purpose", "newsletter-email").stdout_bytes == b"person_key,email,reason,since\r\n"


def test_the_export_is_audited_with_counts_only(app, runner, withdrawn):
    export(runner, "--purpose", "newsletter-email")
    with app.app_context():
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "inventory.suppressions_exported"))
        assert entry.actor_type == "cli"
        assert entry.details == {"purpose": "newsletter-email", "rows": 2, "since": None}
        db.session.remove()
