"""The `api` blueprint (/api/v1): bearer tokens only, JSON in and out, problems for every error.

CSRF protection is off here on purpose: the API never reads cookies, so a forged cross-site
request carries no credential. Error handlers are scoped to the blueprint (and to any path
under /api/ for routing errors), so an HTML error page never answers an API client. Every
authenticated call is audited with the token's owner as the actor, whatever its outcome.
"""
from __future__ import annotations

import logging

from flask import Blueprint, current_app, g, request
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from portal.api.auth import bearer_from_header
from portal.api.problems import ApiProblem, opendsr_error
from portal.api.tokens import hash_token
from portal.audit.services import Actor, record
from portal.dsr.approvals import ApprovalRequired
from portal.dsr.errors import DsrError, StaleRequest, english
from portal.dsr.ownership import NotYourCase
from portal.dsr.status import InvalidTransition
from portal.extensions import csrf, db, limiter

log = logging.getLogger(__name__)

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

PREFIX = "/api/"
OPENDSR_PREFIX = "/api/v1/opendsr/"
DEFAULT_RATE_LIMIT = "300 per minute"
HTTP_PROBLEMS = {400: "invalid-parameter", 401: "unauthorized", 403: "insufficient-scope", 404: "not-found",
                 405: "method-not-allowed", 409: "conflict", 413: "payload-too-large",
                 415: "unsupported-media-type", 422: "validation-failed", 429: "rate-limited"}


def _rate_limit() -> str:
    return current_app.config.get("PORTAL_API_RATE_LIMIT") or DEFAULT_RATE_LIMIT


def _rate_key() -> str:
    """Per token (by its hash, so the limit holds before the database is asked), else per address."""
    raw = bearer_from_header()
    return "api-token:" + hash_token(raw)[:32] if raw else "api-ip:" + (request.remote_addr or "")


limiter.limit(_rate_limit, key_func=_rate_key)(bp)


@bp.after_request
def _finish(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    token = g.get("api_token")
    if token is not None and not g.get("api_call_audited"):
        _audit_call(token, response.status_code)
    return response


def record_api_call(token, status: int) -> None:
    """The call's audit entry (who, which operation, the answer's status), in the current transaction."""
    record("api.call", actor=Actor("staff", token.owner_id), target_type="api_token", target_id=token.id,
           person_id=g.get("api_person_id"),
           details={"method": request.method, "path": request.path, "operation": g.get("api_operation"),
                    "status": status})


def _audit_call(token, status: int) -> None:
    """A call whose own transaction did not carry its entry (a refusal, an error): one of its own."""
    try:
        record_api_call(token, status)
        db.session.commit()
    except Exception as exc:  # the answer is already decided; never turn it into an error
        db.session.rollback()
        log.error("auditing an API call failed: %s", type(exc).__name__)


def _problem(problem: ApiProblem):
    db.session.rollback()
    if request.path.startswith(OPENDSR_PREFIX):
        problem = opendsr_error(problem)
    return problem.response(instance=request.path)


@bp.errorhandler(ApiProblem)
def _api_problem(problem: ApiProblem):
    return _problem(problem)


@bp.errorhandler(StaleRequest)
@bp.errorhandler(ApprovalRequired)
@bp.errorhandler(NotYourCase)
@bp.errorhandler(InvalidTransition)
def _conflict(error: DsrError):
    return _problem(ApiProblem("conflict", english(error.message)))


@bp.errorhandler(DsrError)
def _refused(error: DsrError):
    return _problem(ApiProblem("validation-failed", english(error.message)))


def _http_error(error: HTTPException):
    return _problem(http_problem(error))


# By code as well as by class: Flask prefers the app's handler for a code (the HTML pages of
# portal/errors.py) over a blueprint's handler for a class.
bp.register_error_handler(HTTPException, _http_error)
for _code in (*HTTP_PROBLEMS, 500):
    bp.register_error_handler(_code, _http_error)


@bp.errorhandler(OperationalError)
def _database_unavailable(error):
    log.error("database unavailable: %s", type(getattr(error, "orig", error)).__name__)
    return _problem(ApiProblem("service-unavailable", headers={"Retry-After": "30"}))


@bp.errorhandler(DBAPIError)
@bp.errorhandler(Exception)
def _server_error(error):
    # Only the class: messages can echo personal values from the query or the body.
    log.error("API error: %s", type(error).__name__, exc_info=current_app.debug or current_app.testing)
    return _problem(ApiProblem("server-error"))


def http_problem(error: HTTPException) -> ApiProblem:
    slug = HTTP_PROBLEMS.get(error.code or 500)
    if slug == "rate-limited":
        return ApiProblem("rate-limited", f"Rate limit exceeded ({error.description}).",
                          headers={"Retry-After": str(_retry_after())})
    if slug == "method-not-allowed":
        allowed = ", ".join(sorted(getattr(error, "valid_methods", None) or []))
        return ApiProblem(slug, f"Allowed methods: {allowed}." if allowed else None,
                          headers={"Allow": allowed} if allowed else None)
    if slug is None:
        return ApiProblem("server-error", status=error.code if error.code and error.code >= 500 else 500)
    return ApiProblem(slug)


def _retry_after() -> int:
    import math
    import time

    limit = limiter.current_limit
    if limit is None:
        return 60
    return max(1, math.ceil(limit.reset_at - time.time()))


@bp.record_once
def _answer_routing_errors(state) -> None:
    """Unknown paths and wrong methods under /api/ match no API route, so the blueprint's
    handlers never see them: answer them with problems before Flask shows an HTML page."""

    @state.app.before_request
    def _api_routing_error():
        error = request.routing_exception
        if error is not None and request.path.startswith(PREFIX) and isinstance(error, HTTPException) \
                and error.code in (404, 405):
            return http_problem(error).response(instance=request.path)
        return None
