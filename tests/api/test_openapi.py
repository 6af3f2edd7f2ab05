"""The OpenAPI document matches the behaviour: schemathesis drives the live app (through WSGI)
with generated requests and a valid token, and finds no server error and no response that
contradicts the document. Examples are bounded so the run stays well under a minute."""
from __future__ import annotations

from collections import Counter

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import (content_type_conformance, not_a_server_error, response_schema_conformance,
                                 status_code_conformance)

from portal.api.openapi import document
from portal.api.validation import Validator


EXAMPLES = 15


@schemathesis.serializer("application/x-ndjson", "application/jsonl", "application/json-lines")
def _ndjson(ctx, value):
    return value.encode() if isinstance(value, str) else bytes(value)


CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]


def test_the_api_matches_its_openapi_document(app, token):
    """Every operation, a bounded number of generated cases each (positive data, with a token)."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 11
    seen: Counter = Counter()

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
        def run(case):
            response = case.call_and_validate(headers=token.headers, checks=CHECKS)
            seen[(operation.label, response.status_code)] += 1

        run()
    # The run reached the operations themselves, not only the doors (some answered 2xx).
    print(sorted(seen.items()))
    assert sum(count for (_label, status), count in seen.items() if status < 300) >= len(operations)


def test_the_document_is_openapi_3_1_and_lists_every_operation(api):
    body = api.get("/openapi.json").get_json()
    assert body["openapi"] == "3.1.0"
    operations = {(method.upper(), path) for path, item in body["paths"].items() for method in item}
    assert {("POST", "/requests"), ("GET", "/requests"), ("GET", "/requests/{reference}"),
            ("POST", "/requests/{reference}/transitions"), ("POST", "/requests/{reference}/messages"),
            ("POST", "/import"), ("GET", "/persons/{key}"), ("GET", "/suppressions"), ("GET", "/reports/summary"),
            ("POST", "/opendsr/requests"), ("GET", "/opendsr/requests/{subject_request_id}")} <= operations
    assert body["paths"]["/requests"]["get"]["security"] == [{"bearerToken": ["requests:read"]}]


def test_the_validator_reads_the_published_schemas():
    """The schemas checked at run time are the ones in the document (one source, no drift)."""
    published = document()["components"]["schemas"]
    validator = Validator(published)
    assert validator.errors({"type": "disclosure"}, {"$ref": "#/components/schemas/NewRequest"}) == [
        {"pointer": "/channel", "detail": "is required"}, {"pointer": "/policy", "detail": "is required"}]
