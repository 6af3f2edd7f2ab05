"""`import-data FILE.csv --mapping MAP.json` (contracts/csv-import.md): encodings, Excel dates, line numbers."""
import json
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.inventory.importer import Mapping
from portal.inventory.models import Item, Person
from tests.inventory.records import PURPOSE, SOURCE

MAPPINGS = Path(__file__).resolve().parents[2] / "portal" / "inventory" / "mappings"
EXPO = {**SOURCE, "key": "expo-2023"}
CARD_PURPOSE = {**PURPOSE, "key": "new-products-mail"}
MAPPING = {
    "key": "名刺ID", "key_prefix": "CARD-", "source": "expo-2023", "purposes": ["new-products-mail"],
    "collected_at": "交換日",
    "columns": {"氏名": "person.name", "氏名（カナ）": "person.name_kana", "メールアドレス": "person.email",
                "電話番号": "person.phone", "会社名": "business-card.company", "部署名": "business-card.department",
                "携帯電話": "contact.mobile"},
}
HEADER = "名刺ID,氏名,氏名（カナ）,メールアドレス,電話番号,会社名,部署名,携帯電話,交換日"
ROWS = [
    "1001,山田 花子,ヤマダ ハナコ,hanako@example.jp,03-1234-5678,株式会社サンプル,営業部,090-1111-2222,2023/9/14",
    "1002,佐藤 一郎,サトウ イチロウ,,06-9876-5432,サンプル商事株式会社,,,2023年9月15日",
    '1003,"鈴木 次郎",,,,"株式会社テスト,大阪支店",総務部,,2023-09-16 14:05',
]


@pytest.fixture
def loaded(import_lines, app_ctx):
    import_lines(EXPO, CARD_PURPOSE)


def write(tmp_path, text: str, encoding: str, name: str = "cards.csv", mapping: dict = MAPPING) -> tuple[str, str]:
    csv_path, map_path = tmp_path / name, tmp_path / "map.json"
    csv_path.write_bytes(text.encode(encoding))
    map_path.write_text(json.dumps(mapping, ensure_ascii=False), encoding="utf-8")
    return str(csv_path), str(map_path)


def invoke(runner, csv_path: str, map_path: str, *extra: str):
    return runner.invoke(args=["import-data", csv_path, "--mapping", map_path, *extra])


def counts() -> tuple[int, int]:
    return (db.session.scalar(sa.select(sa.func.count()).select_from(Person)),
            db.session.scalar(sa.select(sa.func.count()).select_from(Item)))


def test_a_cp932_export_with_persons_without_email_loads_and_loads_again_unchanged(runner, tmp_path, loaded):
    csv_path, map_path = write(tmp_path, "\r\n".join([HEADER, *ROWS]) + "\r\n", "cp932")
    result = invoke(runner, csv_path, map_path)
    assert result.exit_code == 0, result.output
    assert "imported: 0 sources, 0 purposes, 3 persons, 6 items" in result.output
    people = {p.key: p for p in db.session.scalars(sa.select(Person))}
    assert people["CARD-1001"].email == "hanako@example.jp" and people["CARD-1001"].name == "山田 花子"
    assert people["CARD-1002"].email is None and people["CARD-1003"].email is None
    company = db.session.scalar(sa.select(Item).where(Item.key == "CARD-1003/business_card.company"))
    assert company.value == "株式会社テスト,大阪支店" and company.category == "business_card"
    # Excel's date forms, Japan time.
    times = dict(db.session.execute(sa.select(Item.key, Item.collected_at).where(Item.field == "company")).all())
    assert times["CARD-1001/business_card.company"] == datetime(2023, 9, 13, 15, 0, tzinfo=timezone.utc)
    assert times["CARD-1002/business_card.company"] == datetime(2023, 9, 14, 15, 0, tzinfo=timezone.utc)
    assert times["CARD-1003/business_card.company"] == datetime(2023, 9, 16, 5, 5, tzinfo=timezone.utc)
    # The mobile number finds its person like their own phone.
    assert db.session.scalar(sa.select(Person.key).where(Person.with_phone("09011112222"))) == "CARD-1001"

    again = invoke(runner, csv_path, map_path)
    assert again.exit_code == 0 and "changes: 0 created, 0 updated" in again.output


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_utf8_with_or_without_a_bom_is_detected(runner, tmp_path, loaded, encoding):
    csv_path, map_path = write(tmp_path, "\n".join([HEADER, *ROWS[:2]]) + "\n", encoding)
    result = invoke(runner, csv_path, map_path)
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(Person.name).where(Person.key == "CARD-1002")) == "佐藤 一郎"


def test_a_mapping_naming_a_missing_column_is_refused_and_nothing_written(runner, tmp_path, loaded):
    mapping = {**MAPPING, "columns": {**MAPPING["columns"], "役職": "business-card.title"}}
    csv_path, map_path = write(tmp_path, "\n".join([HEADER, *ROWS]), "utf-8", mapping=mapping)
    result = invoke(runner, csv_path, map_path)
    assert result.exit_code == 1
    assert "1: column '役職' named in the mapping is not in the header" in result.output
    assert counts() == (0, 0)


def test_an_undecodable_file_is_refused_with_a_clear_message(runner, tmp_path, loaded):
    csv_path, map_path = write(tmp_path, "\n".join([HEADER, *ROWS]), "utf-8")
    Path(csv_path).write_bytes(Path(csv_path).read_bytes() + b"\n1004,\xff\xfe\xff,,,,,,,\n")
    result = invoke(runner, csv_path, map_path)
    assert result.exit_code == 1
    assert "5: file is neither UTF-8 nor CP932 (Shift_JIS): give its encoding with --encoding" in result.output
    assert counts() == (0, 0)
    forced = invoke(runner, csv_path, map_path, "--encoding", "utf-8")
    assert "5: file is not utf-8 (invalid byte at position" in forced.output


def test_problems_name_the_physical_line_even_after_a_cell_spanning_lines(runner, tmp_path, loaded):
    rows = [HEADER, '1001,"山田\n花子",,,,,,,2023/9/14', ",名無し,,,,,,,2023/9/14",
            "1005,田中,,not-an-email,,会社,,,2023/2/30"]
    csv_path, map_path = write(tmp_path, "\n".join(rows), "utf-8")
    result = invoke(runner, csv_path, map_path)
    assert result.exit_code == 1
    problems = [line for line in result.output.splitlines() if line[:1].isdigit()]
    assert problems[0] == "4: the row has no key (column '名刺ID' is empty)"
    assert problems[1].startswith("5: person: 'email' is not a valid address")
    assert any(problem.startswith("5: item: bad time in 'collected_at'") for problem in problems[2:])
    assert counts() == (0, 0)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 1  # the fixture's load only


def test_a_csv_updates_only_the_person_fields_it_has(runner, tmp_path, import_lines, loaded):
    import_lines({"type": "person", "key": "CARD-1001", "name": "旧姓 花子", "birthdate": "1985-04-01",
                  "customer_number": "M-1"})
    csv_path, map_path = write(tmp_path, "\n".join([HEADER, ROWS[0]]), "utf-8")
    assert invoke(runner, csv_path, map_path).exit_code == 0
    person = db.session.scalar(sa.select(Person).where(Person.key == "CARD-1001"))
    assert (person.name, person.birthdate, person.customer_number) == ("山田 花子", date(1985, 4, 1), "M-1")


def test_dry_run_counts_without_writing(runner, tmp_path, loaded):
    csv_path, map_path = write(tmp_path, "\n".join([HEADER, *ROWS]), "cp932")
    result = invoke(runner, csv_path, map_path, "--dry-run")
    assert result.exit_code == 0 and "would import: 0 sources, 0 purposes, 3 persons, 6 items" in result.output
    assert counts() == (0, 0)


def test_a_csv_without_a_mapping_and_a_broken_mapping_are_refused(runner, tmp_path, loaded):
    csv_path, map_path = write(tmp_path, "\n".join([HEADER, *ROWS]), "utf-8",
                               mapping={"key": "名刺ID", "columns": {"氏名": "person.nickname"}})
    assert "--mapping" in runner.invoke(args=["import-data", csv_path]).output
    result = invoke(runner, csv_path, map_path)
    assert result.exit_code == 1
    assert "map.json: 'source' is required" in result.output
    assert "a person has no field 'nickname'" in result.output
    assert counts() == (0, 0)


SHIPPED = {
    "sansan-cards.json": (
        "名刺ID,会社名,部署,役職,姓,名,姓カナ,名カナ,TEL1,TEL2,携帯番号,Fax,email1,URL1,郵便番号,住所1,名刺交換日\n"
        "c-1,株式会社サンプル,営業部,部長,山田,花子,ヤマダ,ハナコ,03-1111-1111,,090-2222-3333,,hanako@example.jp,,"
        "100-0001,東京都千代田区サンプル1-1,2024/05/15\n",
        "SANSAN-c-1", "山田 花子"),
    "garoon-address-book.json": (
        "表示名,姓,名,姓(よみ),名(よみ),会社名,会社名(よみ),部課名,郵便番号,住所,経路,所要時間,運賃,会社電話番号,"
        "会社Fax番号,URL,役職名,個人電話番号,E-mail,メモ\n"
        "佐藤 一郎,佐藤,一郎,さとう,いちろう,サンプル商事,さんぷるしょうじ,総務部,530-0001,大阪府大阪市サンプル2-2,,,,"
        "06-1111-2222,,,課長,080-1234-5678,ichiro@example.jp,\n",
        "GAROON-ichiro@example.jp", "佐藤 一郎"),
}


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_the_shipped_mappings_load_an_export_with_their_documented_columns(runner, tmp_path, import_lines, app_ctx, name):
    mapping = json.loads((MAPPINGS / name).read_text(encoding="utf-8"))
    Mapping.from_json(mapping)
    import_lines({**SOURCE, "key": mapping["source"]}, *({**PURPOSE, "key": key} for key in mapping["purposes"]))
    text, key, person_name = SHIPPED[name]
    csv_path, map_path = write(tmp_path, text, "cp932", mapping=mapping)
    result = invoke(runner, csv_path, map_path)
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(Person.name).where(Person.key == key)) == person_name
