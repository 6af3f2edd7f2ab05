"""OpenDSR (formerly OpenGDPR) interoperability: vendors' tooling files and follows requests.

`POST /api/v1/opendsr/requests` takes an OpenDSR request — `subject_request_type` access,
portability or erasure under `regulation` gdpr or ccpa — and files it in the register;
`GET /api/v1/opendsr/requests/{subject_request_id}` answers its status in OpenDSR's words, and
`DELETE` cancels it while pending.
Both `identities` (0.2) and `subject_identities` (1.0) are read; a raw `email` identity
(or a `controller_customer_id` naming a person's key) says who the request is about.
Errors are problem details that also carry OpenDSR's `error` object, with status 400.
Not implemented: response signatures and status callbacks (they need the processor's
certificate); callback URLs are kept with the request for staff to see.
"""
from __future__ import annotations

import base64

from flask import g, request

from portal.api.auth import api_actor, current_token, token_required
from portal.api.intake import person_by_key
from portal.api.operations import Result, api_route
from portal.api.problems import ApiProblem, field_error
from portal.api.schemas import COMPONENTS, DATE_TIME, enum, path, string
from portal.api.validation import parse_date_time
from portal.common.time import utcnow
from portal.dsr import services as dsr
from portal.dsr.deadlines import compute_due
from portal.dsr.errors import IdempotencyConflict
from portal.dsr.models import DataRequest, Residence, RequestChannel, RequestType
from portal.dsr.notifications import notify_requester
from portal.dsr.queries import find_by_idempotency_key
from portal.dsr.status import RequestStatus

TAG = "OpenDSR"
API_VERSION = "0.2"
PREFIX = "/api/v1/opendsr/"
REQUEST_TYPES = {"access": RequestType.DISCLOSURE, "portability": RequestType.DISCLOSURE,
                 "erasure": RequestType.ERASURE}
REGULATIONS = {"gdpr": Residence.EU, "ccpa": Residence.US_CA}
S = RequestStatus
STATUSES = {S.RECEIVED: "pending", S.VERIFIED: "pending", S.IN_PROGRESS: "in_progress",
            S.AWAITING_REQUESTER: "in_progress", S.COMPLETED: "completed", S.REJECTED: "cancelled",
            S.WITHDRAWN: "cancelled"}
IDENTITY_TYPES = ["controller_customer_id", "email", "android_advertising_id", "android_id", "fire_advertising_id",
                  "ios_advertising_id", "ios_vendor_id", "microsoft_advertising_id", "microsoft_publisher_id",
                  "roku_publisher_id", "roku_advertising_id"]

IDENTITY = {"type": "object", "additionalProperties": False,
            "required": ["identity_type", "identity_format", "identity_value"],
            "properties": {"identity_type": enum(IDENTITY_TYPES),
                           "identity_format": enum(["raw", "sha1", "md5", "sha256"]),
                           "identity_value": string(254)}}
IDENTITIES = {"type": "array", "minItems": 1, "maxItems": 20, "items": IDENTITY}
COMPONENTS["OpenDsrRequest"] = {
    "type": "object", "additionalProperties": False,
    "required": ["subject_request_id", "subject_request_type", "submitted_time"],
    "properties": {
        "subject_request_id": {"type": "string", "format": "uuid", "maxLength": 36},
        "subject_request_type": enum(REQUEST_TYPES),
        "regulation": {**enum(REGULATIONS), "description": "Default gdpr."},
        "submitted_time": DATE_TIME,
        "identities": IDENTITIES,
        "subject_identities": IDENTITIES,
        "api_version": string(10),
        "property_id": string(100),
        "status_callback_urls": {"type": "array", "maxItems": 10, "items": string(500, format="uri")},
        "extensions": {"type": "object", "maxProperties": 20},
    },
}
COMPONENTS["OpenDsrReceipt"] = {
    "type": "object",
    "required": ["controller_id", "expected_completion_time", "received_time", "encoded_request",
                 "subject_request_id"],
    "properties": {"controller_id": {"type": "string"}, "expected_completion_time": DATE_TIME,
                   "received_time": DATE_TIME, "encoded_request": {"type": "string"},
                   "subject_request_id": {"type": "string"}, "api_version": {"type": "string"}},
}
COMPONENTS["OpenDsrStatus"] = {
    "type": "object", "required": ["controller_id", "expected_completion_time", "subject_request_id",
                                   "request_status"],
    "properties": {"controller_id": {"type": "string"}, "expected_completion_time": DATE_TIME,
                   "subject_request_id": {"type": "string"},
                   "request_status": enum(["pending", "in_progress", "completed", "cancelled"]),
                   "api_version": {"type": "string"}, "reference": {"type": "string"}},
}


def _invalid(pointer: str, detail: str) -> ApiProblem:
    return ApiProblem("validation-failed", detail, errors=[field_error(pointer, detail)])


def _subject(body: dict) -> tuple[str, int | None]:
    """(requester email, person id) from the raw identities."""
    field = "identities" if "identities" in body else "subject_identities"
    identities = body.get(field)
    if not identities:
        raise _invalid("/identities", "at least one identity is required (identities or subject_identities)")
    raw = {i["identity_type"]: i["identity_value"] for i in identities if i["identity_format"] == "raw"}
    person = person_by_key(raw["controller_customer_id"]) if "controller_customer_id" in raw else None
    if "controller_customer_id" in raw and person is None:
        raise _invalid(f"/{field}", "no person has this controller_customer_id")
    email = raw.get("email") or (person.email if person else None)
    if not email or "@" not in email:
        raise _invalid(f"/{field}", "needs a raw email identity (or a raw controller_customer_id of a known person)")
    return email, person.id if person else None


def expected_completion(req: DataRequest):
    """The due date; before verification, the date it would have if verified today."""
    if req.due_at is not None:
        return req.due_at
    return compute_due(req.policy, req.received_at if req.policy.clock_starts.value == "received" else utcnow())[1]


def _controller_id() -> str:
    return f"madoguchi-token-{current_token().id}"


@api_route("POST", "/opendsr/requests", tag=TAG, body="OpenDsrRequest",
           summary="File an OpenDSR request (access, portability, erasure; GDPR or CCPA)",
           problems=(409,), responses={201: "OpenDsrReceipt"})
@token_required("requests:write")
def opendsr_create(body: dict):
    email, person_id = _subject(body)
    submitted = parse_date_time(body["submitted_time"])
    if submitted.tzinfo is None:
        raise _invalid("/submitted_time", "must have a time zone offset (RFC 3339)")
    now = utcnow()
    regulation = body.get("regulation", "gdpr")
    details = {"opendsr": {"subject_request_id": body["subject_request_id"].lower(),
                           "subject_request_type": body["subject_request_type"], "regulation": regulation,
                           "submitted_time": submitted.isoformat(), "api_version": body.get("api_version"),
                           "property_id": body.get("property_id"), "controller_id": _controller_id(),
                           "status_callback_urls": body.get("status_callback_urls", [])}}
    if body["subject_request_type"] == "portability":
        details["format"] = "portable"
    try:
        change = dsr.create_request(
            type=REQUEST_TYPES[body["subject_request_type"]], person_id=person_id, requester_email=email,
            channel=RequestChannel.API, language="en", residence=REGULATIONS[regulation], details=details,
            idempotency_key=f"opendsr:{body['subject_request_id'].lower()}", actor=api_actor(),
            received_at=min(submitted, now),
        )
    except IdempotencyConflict:
        raise ApiProblem("conflict", "This subject_request_id was already used for another request.") from None
    if change.created:
        notify_requester(change)
    req = change.request
    g.api_person_id = req.person_id
    return Result({"controller_id": req.details["opendsr"]["controller_id"],
                   "expected_completion_time": expected_completion(req).isoformat(),
                   "received_time": req.created_at.isoformat(),
                   "encoded_request": base64.b64encode(request.get_data()).decode(),
                   "subject_request_id": req.details["opendsr"]["subject_request_id"],
                   "api_version": API_VERSION}, 201)


@api_route("GET", "/opendsr/requests/{subject_request_id}", tag=TAG, problems=(404,),
           params=[path("subject_request_id", {"type": "string", "maxLength": 36}, "The request's UUID.")],
           summary="The status of an OpenDSR request", responses={200: "OpenDsrStatus"})
@token_required("requests:read")
def opendsr_status(subject_request_id: str):
    req = find_by_idempotency_key(f"opendsr:{subject_request_id.lower()}")
    if req is None:
        raise ApiProblem("not-found", "No OpenDSR request has this subject_request_id.")
    g.api_person_id = req.person_id
    meta = req.details.get("opendsr", {})
    return Result({"controller_id": meta.get("controller_id", _controller_id()),
                   "expected_completion_time": expected_completion(req).isoformat(),
                   "subject_request_id": meta.get("subject_request_id", subject_request_id.lower()),
                   "request_status": STATUSES[req.status], "api_version": API_VERSION,
                   "reference": req.reference})


COMPONENTS["OpenDsrCancellation"] = {
    "type": "object", "required": ["controller_id", "received_time", "subject_request_id"],
    "properties": {"controller_id": {"type": "string"}, "received_time": DATE_TIME,
                   "subject_request_id": {"type": "string"}, "api_version": {"type": "string"}},
}


@api_route("DELETE", "/opendsr/requests/{subject_request_id}", tag=TAG, problems=(404, 409),
           params=[path("subject_request_id", {"type": "string", "maxLength": 36}, "The request's UUID.")],
           summary="Cancel an OpenDSR request while it is pending",
           description="Withdraws the request on the controller's behalf (the requester is told). Only while "
                       "`pending`; cancelling a cancelled request answers the same again.",
           responses={202: ("Cancelled.", "OpenDsrCancellation")})
@token_required("requests:write")
def opendsr_cancel(subject_request_id: str):
    req = find_by_idempotency_key(f"opendsr:{subject_request_id.lower()}")
    if req is None:
        raise ApiProblem("not-found", "No OpenDSR request has this subject_request_id.")
    g.api_person_id = req.person_id
    if req.status is not S.WITHDRAWN:
        if STATUSES[req.status] != "pending":
            raise ApiProblem("conflict", f"Only a pending request can be cancelled; this one is "
                                         f"{STATUSES[req.status]}.")
        change = dsr.transition(req, S.WITHDRAWN, actor=api_actor(), on_behalf=True,
                                note="Cancelled by the controller through OpenDSR.")
        notify_requester(change)
    meta = req.details.get("opendsr", {})
    return Result({"controller_id": meta.get("controller_id", _controller_id()), "received_time": utcnow().isoformat(),
                   "subject_request_id": meta.get("subject_request_id", subject_request_id.lower()),
                   "api_version": API_VERSION}, 202)
