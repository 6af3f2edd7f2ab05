"""Odd JSON never reaches the code behind the parser: a lone surrogate or a deeply nested
document in an API body is a 400 problem, in an import file a problem on its line."""
from __future__ import annotations

import json

import pytest

from portal.dsr.models import DataRequest
from portal.inventory.models import Person, Source
from tests.fixtures.api import is_problem
from tests.inventory.records import PERSON, SOURCE

LONE_SURROGATE = '{"type": "disclosure", "channel": "phone", "policy": "appi", ' \
                 '"requester": {"email": "taro@example.jp", "name": "\\ud800"}}'
DEEP = '{"type": "disclosure", "details": ' + "[" * 5000 + "]" * 5000 + "}"
FAIRLY_DEEP = '{"type": "disclosure", "details": ' + "[" * 200 + "]" * 200 + "}"
SURROGATE_KEY = '{"\\udc00": 1}'


@pytest.fixture
def filed(api, token):
    response = api.post("/requests", token=token, json={
        "type": "disclosure", "channel": "phone", "policy": "appi",
        "requester": {"email": "taro@example.jp", "name": "山田 太郎"}})
    assert response.status_code == 201
    return response.get_json()["reference"]


@pytest.mark.parametrize("body", [LONE_SURROGATE, DEEP, FAIRLY_DEEP, SURROGATE_KEY])
@pytest.mark.parametrize("path", ["/requests", "/requests/{ref}/messages", "/requests/{ref}/transitions",
                                  "/opendsr/requests"])
def test_odd_json_in_an_api_body_is_a_400_problem_and_nothing_is_written(api, token, filed, count_rows, path, body):
    response = api.post(path.format(ref=filed), token=token, data=body.encode(), content_type="application/json")
    problem = is_problem(response, 400, "invalid-json")
    assert "surrogate" in problem["detail"] or "nested more than" in problem["detail"]
    assert count_rows(DataRequest) == 1  # only the one filed by the fixture


NDJSON = {"Content-Type": "application/x-ndjson"}


@pytest.mark.parametrize("odd, words", [
    ('{"type": "person", "key": "C-9", "email": "x@example.jp", "name": "\\udfff"}', "surrogate"),
    ('{"type": "person", "key": "C-9", "extra": ' + "[" * 5000 + "]" * 5000 + "}", "nested more than"),
    ('{"type": "person", "key": "C-9", "extra": ' + "{\"a\": " * 100 + "1" + "}" * 100 + "}", "nested more than"),
])
def test_odd_json_in_an_import_is_reported_on_its_line_and_nothing_is_written(api, token, count_rows, odd, words):
    data = "\n".join([json.dumps(SOURCE, ensure_ascii=False), odd, json.dumps(PERSON, ensure_ascii=False)]).encode()
    body = is_problem(api.post("/import", token=token, data=data, headers=NDJSON), 422, "import-failed")
    assert [error["line"] for error in body["errors"]] == [2]
    assert words in body["errors"][0]["detail"]
    assert count_rows(Person) == 0 and count_rows(Source) == 0


def test_the_cli_import_names_the_line_of_a_lone_surrogate(runner, tmp_path, app_ctx):
    path = tmp_path / "odd.jsonl"
    path.write_text(json.dumps(SOURCE) + "\n" + '{"type": "source", "key": "S-\\ud800", "kind": "direct"}\n',
                    encoding="utf-8")
    result = runner.invoke(args=["import-data", str(path)])
    assert result.exit_code != 0
    assert result.output.startswith("2: ") and "surrogate" in result.output
    assert "Traceback" not in result.output
