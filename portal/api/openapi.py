"""The OpenAPI 3.1 document, built from the registered operations and the shared schemas.

Served at /api/v1/openapi.json without a token, so tools can discover the API.
"""
from __future__ import annotations

from typing import Any

from flask import request

from portal.api.blueprint import bp
from portal.api.idempotency import HEADER as IDEMPOTENCY_HEADER
from portal.api.operations import JSON_TYPES, OPERATIONS, Operation, json_response
from portal.api.problems import PROBLEM_MEDIA_TYPE, PROBLEMS, ApiProblem, problem_schema, type_uri
from portal.api.schemas import COMPONENTS, MAX_IMPORT_BODY, MAX_JSON_BODY
from portal.api.tokens import SCOPES

TITLE = "Madoguchi API"
VERSION = "1.0.0"
DESCRIPTION = f"""The JSON API of Madoguchi (窓口), the portal for data-subject requests (APPI, GDPR, CCPA).

**Authentication**: `Authorization: Bearer <token>`; tokens come from `flask --app portal create-api-token`
or the staff pages (admins) and carry scopes: {", ".join(f"`{s}`" for s in SCOPES)}.
Every call is audited with the token's owner as the actor.

**Errors** are RFC 9457 problem details (`{PROBLEM_MEDIA_TYPE}`) with a stable `type`.

**Limits**: JSON bodies up to {MAX_JSON_BODY // 1024} KB, import files up to {MAX_IMPORT_BODY // (1024 * 1024)} MB;
requests per token are rate-limited (429 with `Retry-After`).

**Idempotency**: every POST honours an `{IDEMPOTENCY_HEADER}` header (1–100 visible ASCII characters, per token):
the same key with the same request returns the first answer, with anything else a 422 problem.
"""

STATUS_TEXT = {200: "OK", 201: "Created", 202: "Accepted", 400: "Bad request", 401: "Unauthorized", 403: "Forbidden",
               404: "Not found", 409: "Conflict", 413: "Payload too large", 415: "Unsupported media type",
               422: "Unprocessable content", 429: "Too many requests"}
IDEMPOTENCY_PARAM = {"name": IDEMPOTENCY_HEADER, "in": "header", "required": False,
                     "description": "Makes a retried POST safe: the same key and body return the first answer.",
                     "schema": {"type": "string", "minLength": 1, "maxLength": 100, "pattern": "^[\\x21-\\x7e]+$"}}


def _problem_response(status: int) -> dict:
    response: dict[str, Any] = {"description": STATUS_TEXT.get(status, "Problem"),
                                "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    if status == 429:
        response["headers"] = {"Retry-After": {"description": "Seconds to wait before trying again.",
                                               "schema": {"type": "integer"}}}
    return response


def _operation(op: Operation) -> dict:
    doc: dict[str, Any] = {"operationId": op.operation_id, "summary": op.summary, "tags": [op.tag]}
    if op.description:
        doc["description"] = op.description
    params = [{key: value for key, value in p.items() if not key.startswith("x-")} for p in op.params]
    if op.idempotent:
        params.append(IDEMPOTENCY_PARAM)
    if params:
        doc["parameters"] = params
    if op.body or op.body_schema:
        schema = {"$ref": f"#/components/schemas/{op.body}"} if op.body else op.body_schema
        doc["requestBody"] = {"required": True, "content": {media: {"schema": schema} for media in op.body_media},
                              "description": f"At most {op.max_body} bytes."}
    responses: dict[str, Any] = {}
    for status, spec in op.responses.items():
        description, schema = spec if isinstance(spec, tuple) else (STATUS_TEXT.get(status, "OK"), spec)
        schema = {"$ref": f"#/components/schemas/{schema}"} if isinstance(schema, str) else schema
        responses[str(status)] = {"description": description, "content": {"application/json": {"schema": schema}}}
    statuses = set(op.problems) | {429}
    if op.params and any(p["in"] in ("query", "path") for p in op.params) or op.idempotent:
        statuses.add(400)
    if op.body or op.body_schema:
        statuses |= {400, 413, 415, 422}
    if op.scope is not None:
        statuses |= {401, 403}
        doc["security"] = [{"bearerToken": [op.scope]}]
    else:
        doc["security"] = []
    for status in sorted(statuses):
        responses[str(status)] = _problem_response(status)
    doc["responses"] = responses
    return doc


def document() -> dict:
    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op)
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {"title": TITLE, "version": VERSION, "description": DESCRIPTION},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerToken": []}],
        "tags": [{"name": name} for name in dict.fromkeys(op.tag for op in OPERATIONS)],
        "paths": paths,
        "components": {
            "schemas": {**COMPONENTS, "Problem": problem_schema()},
            "securitySchemes": {"bearerToken": {
                "type": "http", "scheme": "bearer",
                "description": "A token from `create-api-token`; scopes: " + ", ".join(SCOPES)}},
        },
        "x-problem-types": {type_uri(slug): {"status": p.status, "title": p.title, "description": p.description}
                            for slug, p in PROBLEMS.items()},
    }


@bp.get("/openapi.json")
def openapi_json():
    return json_response(document())


@bp.get("/problems/<slug>")
def problem_type(slug: str):
    """What a problem `type` means (the URI is meant to be followed)."""
    problem = PROBLEMS.get(slug)
    if problem is None:
        raise ApiProblem("not-found", "There is no problem type with this name.")
    return json_response({"type": type_uri(slug), "title": problem.title, "status": problem.status,
                          "description": problem.description, "documentation": request.url_root.rstrip("/")
                          + "/api/v1/openapi.json"})


__all__ = ["document", "JSON_TYPES"]
