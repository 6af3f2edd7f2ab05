"""Errors as RFC 9457 problem details (`application/problem+json`).

Every problem has a stable `type` (a URI under /api/v1/problems/, listed in PROBLEMS and in
the OpenAPI document), a fixed human `title`, the HTTP `status`, a `detail` about this
occurrence and, where fields are at fault, `errors`: one entry per field (`pointer` for the
JSON body, `parameter` for the query or path, `line` for an import file) with its `detail`.

The API speaks English, like the CLI: integrators read these, not customers.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask import Response

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "/api/v1/problems/"


@dataclass(frozen=True)
class ProblemType:
    status: int
    title: str
    description: str


PROBLEMS: dict[str, ProblemType] = {
    "invalid-json": ProblemType(400, "The body is not valid JSON",
                                "The request body could not be parsed as JSON (or is not UTF-8)."),
    "invalid-parameter": ProblemType(400, "A query or path parameter is invalid",
                                     "`errors` names each parameter and what is wrong with it."),
    "unauthorized": ProblemType(401, "Authentication is required",
                                "Send `Authorization: Bearer <token>` with a token from `create-api-token`."),
    "invalid-token": ProblemType(401, "The token is not valid",
                                 "The token is unknown, expired or revoked, or its owner's account is inactive."),
    "insufficient-scope": ProblemType(403, "The token lacks the scope for this operation",
                                      "Ask an administrator for a token with the scope named in `required_scope`."),
    "not-found": ProblemType(404, "Not found", "No resource exists at this address."),
    "method-not-allowed": ProblemType(405, "Method not allowed", "This address does not accept this HTTP method."),
    "conflict": ProblemType(409, "The request conflicts with the current state",
                            "The resource changed since it was read, or the move is not allowed from its status."),
    "payload-too-large": ProblemType(413, "The body is too large",
                                     "Bodies are limited to 64 KB, 5 MB for /import (see `limit_bytes`)."),
    "unsupported-media-type": ProblemType(415, "Unsupported media type",
                                          "Send JSON as `application/json` (import files as `application/x-ndjson`)."),
    "validation-failed": ProblemType(422, "The request has invalid fields",
                                     "`errors` lists every field at fault with a JSON pointer and a message."),
    "idempotency-key-reused": ProblemType(422, "The idempotency key was used for a different request",
                                          "An `Idempotency-Key` may only be replayed with the same method, path and body."),
    "import-failed": ProblemType(422, "The import file has problems; nothing was imported",
                                 "`errors` lists every problem by line number, as the import-data CLI does."),
    "rate-limited": ProblemType(429, "Too many requests",
                                "This token sent too many requests; wait for `Retry-After` seconds."),
    "server-error": ProblemType(500, "Internal server error", "Something failed on our side; nothing was changed."),
    "service-unavailable": ProblemType(503, "Service unavailable", "The database is not answering; try again shortly."),
}


def type_uri(slug: str) -> str:
    return TYPE_BASE + slug


class ApiProblem(Exception):
    """Raise anywhere below an API view to answer with this problem (the transaction rolls back)."""

    def __init__(self, slug: str, detail: str | None = None, *, errors: list[dict] | None = None,
                 headers: dict[str, str] | None = None, status: int | None = None, **extra: Any):
        if slug not in PROBLEMS:
            raise ValueError(f"unknown problem type {slug!r}")
        super().__init__(detail or PROBLEMS[slug].title)
        self.slug, self.detail, self.errors = slug, detail, errors
        self.headers, self.extra = headers or {}, extra
        self.status = status or PROBLEMS[slug].status

    def document(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"type": type_uri(self.slug), "title": PROBLEMS[self.slug].title,
                                "status": self.status, "detail": self.detail or PROBLEMS[self.slug].description}
        if instance:
            body["instance"] = instance
        if self.errors:
            body["errors"] = self.errors
        body.update(self.extra)
        return body

    def response(self, instance: str | None = None) -> Response:
        return problem_response(self.document(instance), self.status, self.headers)


def problem_response(document: dict[str, Any], status: int, headers: dict[str, str] | None = None) -> Response:
    response = Response(json.dumps(document, ensure_ascii=False), status=status, mimetype=PROBLEM_MEDIA_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def field_error(pointer: str, detail: str) -> dict[str, str]:
    return {"pointer": pointer, "detail": detail}


def parameter_error(name: str, detail: str) -> dict[str, str]:
    return {"parameter": name, "detail": detail}


def problem_schema() -> dict[str, Any]:
    """The JSON Schema of a problem document (in the OpenAPI components)."""
    return {
        "type": "object",
        "required": ["type", "title", "status"],
        "properties": {
            "type": {"type": "string", "enum": [type_uri(slug) for slug in PROBLEMS]},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "instance": {"type": "string"},
            "errors": {"type": "array", "items": {
                "type": "object", "required": ["detail"],
                "properties": {"pointer": {"type": "string"}, "parameter": {"type": "string"},
                               "line": {"type": "integer"}, "detail": {"type": "string"}},
            }},
            "required_scope": {"type": "string"},
            "limit_bytes": {"type": "integer"},
            "error": {"type": "object", "description": "OpenDSR's error object (OpenDSR operations only)."},
        },
    }



def opendsr_error(problem: ApiProblem) -> ApiProblem:
    """OpenDSR clients read `error` and expect 400 for a bad request: give them both."""
    if problem.status == 422:
        problem.status = 400
    problem.extra["error"] = {"code": problem.status, "message": problem.detail or problem.args[0],
                              "errors": [{"domain": "Validation", "reason": problem.slug,
                                          "message": f"{e.get('pointer', e.get('parameter', ''))} {e['detail']}".strip()}
                                         for e in problem.errors or []]}
    return problem
