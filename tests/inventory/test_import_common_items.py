"""Item lines in the common shape are read in one go (parse.common_item); every other line field by
field. Both must give the same row, and a line the quick reading turns down must still load or be
refused exactly as before."""
import pytest

from portal.inventory.importer.parse import VALIDATORS, Collect, KnownKeys, common_item
from tests.inventory.records import ITEM, PURCHASE

KNOWN = KnownKeys(sources={"bigsight-2024": 1}, purposes={"newsletter-email": 1, "orders": 2},
                  persons={"C-000123": 1})


def careful(record: dict) -> tuple[dict, list[str]]:
    fields = Collect(record)
    return VALIDATORS["item"](fields, KNOWN), fields.errors


@pytest.mark.parametrize("record", [
    ITEM, PURCHASE, {**PURCHASE, "source": None}, {**ITEM, "retain_until": None, "collected_at": None},
    {**ITEM, "purposes": ["newsletter-email", "orders"]}, {**PURCHASE, "purposes": []},
    {**ITEM, "value": {"nested": {"list": [1, 2.5, None]}}}, {**ITEM, "collected_at": "2024-05-15"},
])
def test_a_common_line_gives_the_row_the_field_readers_give(record):
    careful(record)  # the first reading of a purpose list validates and remembers it
    expected, errors = careful(record)
    assert errors == []
    assert common_item(record, KNOWN) == expected


@pytest.mark.parametrize("record", [
    {**ITEM, "key": ""}, {**ITEM, "person": "nobody"}, {**ITEM, "category": "unknown"}, {**ITEM, "field": ""},
    {**ITEM, "value": ""}, {**ITEM, "value": 5}, {**ITEM, "source": ""}, {**ITEM, "purposes": None},
    {**ITEM, "purposes": ["nothing-known"]}, {**ITEM, "collected_at": "yesterday"}, {**ITEM, "retain_until": 2029},
    {**ITEM, "field": "x" * 65}, {**ITEM, "person": ["C-000123"]},
])
def test_a_line_out_of_the_common_shape_is_left_to_the_field_readers(record):
    assert common_item(record, KNOWN) is None
