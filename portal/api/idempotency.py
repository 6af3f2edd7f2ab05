"""`Idempotency-Key` on POST: the same key and the same request get the same answer, once.

The answer is remembered in the transaction that made the change, so a change and its
record commit together; a key sent again with the same method, path and body gets the
remembered answer (nothing is done twice), and with anything else a 422 problem (nothing is
done at all). Keys belong to the token that sent them.
"""
from __future__ import annotations

import hashlib
import json
import re

import sqlalchemy as sa
from flask import Response, request

from portal.api.models import ApiIdempotencyRecord, ApiToken
from portal.api.problems import ApiProblem, parameter_error
from portal.extensions import db

HEADER = "Idempotency-Key"
KEY_PATTERN = re.compile(r"[\x21-\x7e]{1,100}")


def key_from_header() -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not KEY_PATTERN.fullmatch(key):
        raise ApiProblem("invalid-parameter", "The Idempotency-Key header must be 1 to 100 visible ASCII characters.",
                         errors=[parameter_error(HEADER, "must be 1 to 100 visible ASCII characters")])
    return key


def request_digest(body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(), request.query_string, body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _find(token: ApiToken, key: str) -> ApiIdempotencyRecord | None:
    return db.session.scalar(sa.select(ApiIdempotencyRecord).where(
        ApiIdempotencyRecord.token_id == token.id, ApiIdempotencyRecord.key == key))


def replay(token: ApiToken, key: str, digest: str) -> Response | None:
    """The remembered answer for this key, None when the key is new; 422 when it was used otherwise."""
    found = _find(token, key)
    if found is None:
        return None
    if found.request_hash != digest:
        raise ApiProblem("idempotency-key-reused",
                         "This Idempotency-Key was already used with a different method, path or body. "
                         "Use a new key for a new request.",
                         errors=[parameter_error(HEADER, "already used for a different request")])
    response = Response(json.dumps(found.response_body, ensure_ascii=False), status=found.status_code,
                        mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response


def remember(token: ApiToken, key: str, digest: str, status: int, body: dict) -> None:
    db.session.add(ApiIdempotencyRecord(token_id=token.id, key=key, request_hash=digest,
                                        status_code=status, response_body=body))
    # Written with the call's audit entry and commit: a key that raced in first fails there, and
    # the caller hands back that call's answer.
