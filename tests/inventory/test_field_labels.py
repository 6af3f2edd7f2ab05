"""Labels, never keys (#15 item 6): a source record (or a CSV mapping) declares the company's words for
the fields only its data defines, and every view of the data names the field with them; a field no one
named is still shown in words, never as its raw key."""
from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.inventory.importer import ImportFailed
from portal.inventory.models import FieldLabel, Source
from tests.fixtures.pages import in_english, text_of
from tests.inventory.records import ITEM, PERSON, PURPOSE, SOURCE

LABELLED = {**SOURCE, "labels": {
    "membership.sakura_card": {"ja": "さくらカード", "en": "Sakura card"},
    "photo.store_photo": "店頭写真",
}}
CARD = {**ITEM, "key": "C-000123/sakura_card", "category": "membership", "field": "sakura_card",
        "value": "さくらカード ゴールド"}
PHOTO = {**ITEM, "key": "C-000123/store_photo", "category": "photo", "field": "store_photo", "value": "photo-0001.jpg"}
CARD_DETAILS = {**ITEM, "key": "C-000123/sakura_card.2", "category": "membership", "field": "sakura_card",
                "value": {"card": "さくらカード ゴールド", "joined_on": "2020-09-28"}}
UNNAMED = {**ITEM, "key": "C-000123/loyalty_tier", "category": "membership", "field": "loyalty_tier", "value": "B"}


def _items_csv(client) -> list[dict]:
    archive = zipfile.ZipFile(io.BytesIO(client.get("/my/download.zip").data))
    return list(csv.DictReader(io.StringIO(archive.read("items.csv").decode("utf-8-sig"))))


def test_declared_labels_name_the_field_on_my_data_and_in_the_download_in_both_languages(
        app, client, import_lines, login_customer):
    import_lines(LABELLED, PURPOSE, PERSON, ITEM, CARD, PHOTO, UNNAMED)
    login_customer(client, PERSON["email"], stepped_up=True)

    my_data = text_of(client.get("/my/data"))
    assert "さくらカード" in my_data and "店頭写真" in my_data and "sakura_card" not in my_data
    membership = text_of(client.get("/my/data/category/membership"))
    assert "さくらカード" in membership and "sakura_card" not in membership
    # A field nobody named reads as words, not as its key.
    assert "その他の項目（Loyalty tier）" in membership and "loyalty_tier" not in membership
    assert "店頭写真" in text_of(client.get("/my/data/category/photo"))
    rows = _items_csv(client)
    assert {row["項目"] for row in rows} >= {"さくらカード", "店頭写真", "その他の項目（Loyalty tier）"}
    assert not any("sakura_card" in value for row in rows for value in row.values())

    in_english(client)
    assert "Sakura card" in text_of(client.get("/my/data"))
    membership = text_of(client.get("/my/data/category/membership"))
    assert "Sakura card" in membership and "sakura_card" not in membership
    assert "店頭写真" in text_of(client.get("/my/data/category/photo"))  # a plain string serves both languages
    assert {row["Item"] for row in _items_csv(client)} >= {"Sakura card", "Other item (Loyalty tier)"}


def test_labels_are_stored_once_and_a_later_import_wins(app, import_lines):
    import_lines(LABELLED, PURPOSE)
    import_lines(LABELLED, PURPOSE)
    renamed = {**LABELLED, "labels": {"membership.sakura_card": {"ja": "さくらカード（会員証）", "en": "Sakura member card"}}}
    import_lines(renamed)
    with app.app_context():
        labels = {(str(row.category), row.field): (row.label_ja, row.label_en)
                  for row in db.session.scalars(sa.select(FieldLabel))}
    assert labels == {("membership", "sakura_card"): ("さくらカード（会員証）", "Sakura member card"),
                      ("photo", "store_photo"): ("店頭写真", "店頭写真")}


def test_a_file_without_labels_imports_unchanged(app, import_lines):
    first = import_lines(SOURCE, PURPOSE, PERSON, ITEM)
    again = import_lines(SOURCE, PURPOSE, PERSON, ITEM)
    assert first.summary() == "1 sources, 1 purposes, 1 persons, 1 items, 0 consents, 0 provisions"
    assert again.change_summary() == "0 created, 0 updated"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(FieldLabel)) == 0


@pytest.mark.parametrize("labels, message", [
    (["さくらカード"], "'labels' must be an object"),
    ({"sakura_card": "さくらカード"}, "'labels' key 'sakura_card' is not 'category.field'"),
    ({"loyalty.card": "カード"}, "'labels' key 'loyalty.card' is not 'category.field'"),
    ({"membership.sakura_card": 7}, "'labels' of 'membership.sakura_card' must be a non-empty string"),
    ({"membership.sakura_card": {"ja": " "}}, "'labels' of 'membership.sakura_card' is empty"),
])
def test_a_bad_labels_value_is_reported_with_its_line_and_nothing_is_written(app, import_lines, labels, message):
    with pytest.raises(ImportFailed) as failure:
        import_lines(PURPOSE, {**SOURCE, "labels": labels})
    problem = failure.value.problems[0]
    assert problem.line == 2 and message in problem.message, problem.message
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Source)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(FieldLabel)) == 0


def test_the_cli_reports_a_bad_label_as_line_colon_message(runner, tmp_path, app_ctx):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({**SOURCE, "labels": {"membership.sakura_card": 7}}, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    result = runner.invoke(args=["import-data", str(path)])
    assert result.exit_code == 1
    assert "1: source: 'labels' of 'membership.sakura_card' must be a non-empty string" in result.output


def test_a_csv_mapping_declares_labels_too(runner, tmp_path, import_lines, app_ctx):
    import_lines({**SOURCE, "key": "expo-2023"}, {**PURPOSE, "key": "new-products-mail"})
    mapping = {"key": "名刺ID", "source": "expo-2023", "purposes": ["new-products-mail"], "collected_at": "2023-09-14",
               "columns": {"氏名": "person.name", "さくらカード": "membership.sakura_card"},
               "labels": {"membership.sakura_card": {"ja": "さくらカード", "en": "Sakura card"}}}
    (tmp_path / "cards.csv").write_text("名刺ID,氏名,さくらカード\n1001,山田 花子,ゴールド\n", encoding="utf-8")
    (tmp_path / "map.json").write_text(json.dumps(mapping, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(args=["import-data", str(tmp_path / "cards.csv"), "--mapping", str(tmp_path / "map.json")])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(FieldLabel.label_en).where(FieldLabel.field == "sakura_card")) == "Sakura card"

    mapping["labels"] = {"membership.sakura_card": ""}
    (tmp_path / "map.json").write_text(json.dumps(mapping, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(args=["import-data", str(tmp_path / "cards.csv"), "--mapping", str(tmp_path / "map.json")])
    assert result.exit_code == 1 and "'labels' of 'membership.sakura_card'" in result.output


def test_a_structured_item_is_named_by_its_label_in_its_csv(app, client, import_lines, login_customer):
    import_lines(LABELLED, PURPOSE, PERSON, CARD_DETAILS)
    login_customer(client, PERSON["email"], stepped_up=True)
    archive = zipfile.ZipFile(io.BytesIO(client.get("/my/download.zip").data))
    [row] = list(csv.DictReader(io.StringIO(archive.read("membership.csv").decode("utf-8-sig"))))
    assert row["項目"] == "さくらカード" and row["カード"] == "さくらカード ゴールド"
