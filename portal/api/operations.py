"""`api_route`: declare an operation once — route, OpenAPI entry and input checks.

An API view is decorated like this:

    @api_route("GET", "/requests/{reference}", summary="…", params=[…], responses={200: "RequestDetail"})
    @token_required("requests:read")
    def get_request(reference): …

and runs behind one pipeline: the bearer token and its scope (401/403), the body's size,
media type, JSON and schema (413/415/400/422), the query parameters (400), the
`Idempotency-Key` (replay or 422). The view calls services and returns `Result`; the
pipeline commits (with the idempotency record) — the request boundary, as in STYLE.md.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from functools import wraps
from typing import Any, Callable

from flask import Response, g, request
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import RequestEntityTooLarge

from portal.api import idempotency
from portal.api.auth import authenticate, require_scope
from portal.api.blueprint import bp, record_api_call
from portal.api.problems import ApiProblem, parameter_error
from portal.api.schemas import COMPONENTS, MAX_JSON_BODY
from portal.api.validation import Validator, parse_date_time
from portal.common.json_input import BadJson, loads_untrusted
from portal.common.time import JST
from portal.extensions import db

JSON_TYPES = ("application/json",)
validator = Validator(COMPONENTS)


@dataclass
class Operation:
    method: str
    path: str
    operation_id: str
    summary: str
    description: str
    scope: str | None
    tag: str
    body: str | None = None  # a COMPONENTS name, or a media type's raw schema via body_media
    body_media: tuple[str, ...] = JSON_TYPES
    body_schema: dict | None = None  # for non-JSON bodies (documented only)
    max_body: int = MAX_JSON_BODY
    params: list[dict] = field(default_factory=list)
    responses: dict[int, Any] = field(default_factory=dict)
    problems: tuple[int, ...] = ()
    idempotent: bool = False


OPERATIONS: list[Operation] = []


@dataclass
class Result:
    """What a view answers: a JSON body and a status (the pipeline commits and serialises)."""

    body: dict[str, Any]
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


def _flask_rule(path: str, params: list[dict]) -> str:
    for param in params:
        if param["in"] == "path":
            converter = "path:" if param.get("x-slashes") else ""
            path = path.replace("{" + param["name"] + "}", f"<{converter}{param['name']}>")
    return path


def _read_parameters(op: Operation) -> dict[str, Any]:
    """The query parameters, converted; path parameters are checked against their schema too."""
    values, errors = {}, []
    for param in (p for p in op.params if p["in"] in ("query", "path")):
        name, schema = param["name"], param["schema"]
        raw = request.args.get(name) if param["in"] == "query" else (request.view_args or {}).get(name)
        if raw is None:
            if param.get("required"):
                errors.append(parameter_error(name, "is required"))
            continue
        value: Any = raw
        if schema.get("type") == "integer":
            try:
                value = int(raw)
            except ValueError:
                errors.append(parameter_error(name, "must be an integer"))
                continue
        for error in validator.errors(value, schema):
            errors.append(parameter_error(name, error["detail"]))
        if schema.get("enum") == ["true", "false", "1", "0"]:
            value = raw in ("true", "1")
        elif schema.get("format") == "date-time" and not errors:
            value = parse_date_time(raw)
            value = value if value.tzinfo else value.replace(tzinfo=JST)
        values[name] = value
    if errors:
        raise ApiProblem("invalid-parameter", "Some parameters are invalid.", errors=errors)
    return {name: value for name, value in values.items()
            if any(p["name"] == name and p["in"] == "query" for p in op.params)}


def _read_body(op: Operation) -> bytes:
    too_large = ApiProblem("payload-too-large", f"The body may be at most {op.max_body} bytes for this operation.",
                           limit_bytes=op.max_body)
    if request.content_length is not None and request.content_length > op.max_body:
        raise too_large
    request.max_content_length = op.max_body
    try:
        data = request.get_data(cache=True)
    except RequestEntityTooLarge:
        raise too_large from None
    if request.mimetype not in op.body_media:
        raise ApiProblem("unsupported-media-type",
                         f"Send the body as {' or '.join(op.body_media)} (got {request.mimetype or 'no Content-Type'}).")
    return data


def _parse_json(data: bytes, schema_name: str) -> dict:
    if not data.strip():
        raise ApiProblem("invalid-json", "The body is empty; send a JSON object.")
    try:
        value = loads_untrusted(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ApiProblem("invalid-json", "The body is not UTF-8.") from None
    except BadJson as error:
        where = f" at line {error.line}, column {error.column}" if error.line else ""
        raise ApiProblem("invalid-json", f"Malformed JSON{where}: {error.message}.") from None
    errors = validator.errors(value, {"$ref": f"#/components/schemas/{schema_name}"})
    if errors:
        raise ApiProblem("validation-failed", f"{len(errors)} field(s) are invalid.", errors=errors)
    return value


def json_response(body: dict, status: int = 200, headers: dict | None = None) -> Response:
    response = Response(json.dumps(body, ensure_ascii=False, default=_jsonable), status=status,
                        mimetype="application/json")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _jsonable(value):
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _commit_with_audit(token, status: int) -> None:
    """Commit what the call did together with its audit entry: one transaction, one commit."""
    if token is not None:
        record_api_call(token, status)
    db.session.commit()
    g.api_call_audited = token is not None


def api_route(method: str, path: str, *, summary: str, tag: str, description: str = "", body: str | None = None,
              body_media: tuple[str, ...] = JSON_TYPES, body_schema: dict | None = None,
              max_body: int = MAX_JSON_BODY, params: list[dict] | None = None, responses: dict[int, Any],
              problems: tuple[int, ...] = ()) -> Callable:
    def decorator(view):
        op = Operation(method=method, path=path, operation_id=view.__name__, summary=summary,
                       description=description, scope=getattr(view, "required_scope", None), tag=tag,
                       body=body, body_media=body_media, body_schema=body_schema, max_body=max_body,
                       params=list(params or []), responses=responses, problems=problems,
                       idempotent=method == "POST")
        OPERATIONS.append(op)

        @wraps(view)
        def endpoint(**path_values):
            g.api_operation = op.operation_id
            token = None
            if op.scope is not None:
                token = authenticate()
                require_scope(token, op.scope)
            query = _read_parameters(op)
            raw = _read_body(op) if (op.body or op.body_schema) else b""
            payload = _parse_json(raw, op.body) if op.body and op.body_media == JSON_TYPES else raw
            key = idempotency.key_from_header() if op.idempotent and token is not None else None
            digest = idempotency.request_digest(raw) if key else None
            if key:
                replayed = idempotency.replay(token, key, digest)
                if replayed is not None:
                    return replayed
            kwargs = dict(path_values)
            if op.body or op.body_schema:
                kwargs["body"] = payload
            if any(p["in"] == "query" for p in op.params):
                kwargs["query"] = query
            result = view(**kwargs)
            if isinstance(result, Response):
                _commit_with_audit(token, result.status_code)
                return result
            if key:
                stored = json.loads(json.dumps(result.body, default=_jsonable))
                try:
                    idempotency.remember(token, key, digest, result.status, stored)
                    _commit_with_audit(token, result.status)
                except IntegrityError:
                    # The same key raced in from a retry and won: hand back what it answered.
                    db.session.rollback()
                    replayed = idempotency.replay(token, key, digest)
                    if replayed is None:
                        raise
                    return replayed
            else:
                _commit_with_audit(token, result.status)
            return json_response(result.body, result.status, result.headers)

        bp.add_url_rule(_flask_rule(path, op.params), endpoint=view.__name__, view_func=endpoint, methods=[method])
        return endpoint

    return decorator
