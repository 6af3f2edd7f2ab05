"""/api/v1/requests: file requests from other channels, read the register, move and message."""
from __future__ import annotations

import base64
import binascii

import sqlalchemy as sa
from flask import g

from portal.api.auth import api_actor, current_token, token_required
from portal.api.idempotency import key_from_header
from portal.api.intake import file_api_request, person_by_key
from portal.api.operations import Result, api_route
from portal.api.problems import ApiProblem, parameter_error
from portal.api.representations import person_keys, request_detail, request_summary
from portal.api.schemas import BOOLEAN_FLAG, enum, path, query, string
from portal.common.time import utcnow
from portal.dsr import approvals
from portal.dsr import services as dsr
from portal.dsr.decisions import Decision, Verdict, complete_with_decision, four_eyes
from portal.dsr.models import ApprovalKind, DataRequest, DecisionApproval, Jurisdiction, RequestType
from portal.dsr.notifications import notify_requester
from portal.dsr.staff_notices import notify_staff
from portal.dsr.queries import get_by_reference
from portal.dsr.status import CLOSED_STATUSES, OPEN_STATUSES, RequestStatus
from portal.dsr.workflow import Change
from portal.extensions import db

TAG = "Requests"
REFERENCE = path("reference", {"type": "string", "maxLength": 40}, "The request's reference, e.g. MG-2026-000123.")
DEFAULT_LIMIT, MAX_LIMIT = 50, 200
LIST_PARAMS = [
    query("status", enum(["open", "closed", "any", *[s.value for s in RequestStatus]]),
          "open (default): not yet answered; closed: completed, rejected or withdrawn; any; or one status."),
    query("type", enum(t.value for t in RequestType), "Only this request type."),
    query("policy", enum(j.value for j in Jurisdiction), "Only requests under this law."),
    query("assignee", {"type": "string", "pattern": "^(none|[0-9]{1,9})$"},
          "`none` for unassigned requests, or a staff user's id."),
    query("overdue", BOOLEAN_FLAG, "Only open requests past their due date."),
    query("unmatched", BOOLEAN_FLAG, "Only requests not yet matched to a person."),
    query("agent", BOOLEAN_FLAG, "Only requests filed by a representative."),
    query("person_key", string(64), "Only requests about this person."),
    query("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}, f"Page size (default {DEFAULT_LIMIT})."),
    query("cursor", string(100), "The `next_cursor` of the previous page."),
]


def _load(reference: str) -> DataRequest:
    request = get_by_reference(reference)
    if request is None:
        raise ApiProblem("not-found", "No request has this reference.")
    g.api_person_id = request.person_id
    return request


def encode_cursor(row_id: int, kind: str = "r") -> str:
    """An opaque cursor for keyset pages: the last row's id, tagged with what it pages (`r`: requests)."""
    return base64.urlsafe_b64encode(f"{kind}:{row_id}".encode()).decode().rstrip("=")


def decode_cursor(text: str, kind: str = "r") -> int:
    try:
        tag, _, number = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode().partition(":")
        if tag != kind or not number.isdigit():
            raise ValueError(text)
        return int(number)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ApiProblem("invalid-parameter", "The cursor is not one this API gave out.",
                         errors=[parameter_error("cursor", "is not a cursor from a previous page")]) from None


def _filters(args: dict) -> list:
    status = args.get("status", "open")
    terms = []
    if status == "open":
        terms += [DataRequest.closed_at.is_(None), DataRequest.status.in_(sorted(OPEN_STATUSES))]
    elif status == "closed":
        terms.append(DataRequest.status.in_(sorted(CLOSED_STATUSES)))
    elif status != "any":
        terms.append(DataRequest.status == RequestStatus(status))
    if "type" in args:
        terms.append(DataRequest.type == RequestType(args["type"]))
    if "policy" in args:
        terms.append(DataRequest.jurisdiction == Jurisdiction(args["policy"]))
    if args.get("assignee") == "none":
        terms.append(DataRequest.assignee_id.is_(None))
    elif "assignee" in args:
        terms.append(DataRequest.assignee_id == int(args["assignee"]))
    if args.get("overdue"):
        terms.append(DataRequest.overdue_at(utcnow()))
    if args.get("unmatched"):
        terms.append(DataRequest.person_id.is_(None))
    if args.get("agent"):
        terms.append(DataRequest.is_agent.is_(True))
    if "person_key" in args:
        person = person_by_key(args["person_key"])
        terms.append(DataRequest.person_id == (person.id if person else -1))
    return terms


@api_route("POST", "/requests", tag=TAG, body="NewRequest", summary="File a request received by another channel",
           description="A request that came by phone, post, shop counter or mail. Answers its reference, status "
                       "and due date (null until the requester is verified). The receipt is mailed to the requester.",
           responses={201: ("The request was filed (or, for a replayed Idempotency-Key, was filed before).",
                            "RequestDetail")})
@token_required("requests:write")
def create_request(body: dict):
    key = key_from_header()
    change = file_api_request(body, actor=api_actor(),
                              idempotency_key=f"api:{current_token().id}:{key}" if key else None)
    g.api_person_id = change.request.person_id
    # A request filed now: its timeline is the events filing added (a replay has none and reads it).
    return Result(request_detail(change.request, events=change.events if change.created else None), 201)


@api_route("GET", "/requests", tag=TAG, params=LIST_PARAMS, summary="List requests",
           description="Filters as in the staff queue. Oldest filed first; follow `next_cursor` for more.",
           responses={200: "RequestList"})
@token_required("requests:read")
def list_requests(query: dict):
    limit = query.get("limit", DEFAULT_LIMIT)
    stmt = sa.select(DataRequest).where(*_filters(query))
    if "cursor" in query:
        stmt = stmt.where(DataRequest.id > decode_cursor(query["cursor"]))
    rows = list(db.session.scalars(stmt.order_by(DataRequest.id).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    keys = person_keys(row.person_id for row in rows)
    return Result({"items": [request_summary(row, keys) for row in rows],
                   "next_cursor": encode_cursor(rows[-1].id) if more else None})


@api_route("GET", "/requests/{reference}", tag=TAG, params=[REFERENCE], problems=(404,),
           summary="One request with its timeline", responses={200: "RequestDetail"})
@token_required("requests:read")
def get_request(reference: str):
    return Result(request_detail(_load(reference)))


FOUR_EYES_NOTE = ("Four eyes: where the request's policy requires a manager's approval (`four_eyes`), an erasure "
                  "or a rejection is not applied: it is stored as pending and answered with **202** and a "
                  "`PendingApproval` body. Nothing changes in the data and the requester is told nothing until a "
                  "manager other than the token's owner approves it on the staff request page (then it is applied "
                  "exactly as here, with the answer mail) or sends it back. While a decision is pending, any other "
                  "decision or rejection on the request gets 409.")
PENDING_RESPONSE = ("Stored for a manager's approval (four eyes): nothing applied yet.", "PendingApproval")


def _pending_body(request: DataRequest, approval: DecisionApproval) -> dict:
    return {
        "reference": request.reference,
        "status": "awaiting_approval",
        "message": "Stored for a manager's approval. Nothing is applied and the requester is told nothing until a "
                   "manager other than the one who prepared it approves it on the staff request page.",
        "approval": {"id": approval.id, "kind": approval.kind.value, "state": approval.state.value,
                     "prepared_by": int(approval.prepared_by) if (approval.prepared_by or "").isdigit() else None,
                     "prepared_at": approval.prepared_at},
        "request": request_detail(request),
    }


@api_route("POST", "/requests/{reference}/transitions", tag=TAG, params=[REFERENCE], body="Transition",
           problems=(404, 409), summary="Move a request to another status",
           description="Along the status machine: received → verified → in_progress ⇄ awaiting_requester → "
                       "completed | rejected, or withdrawn (on the requester's behalf, with a note). A rejection "
                       "needs a reason, which the requester reads. The requester is told by mail.\n\n"
                       + FOUR_EYES_NOTE,
           responses={200: "RequestDetail", 202: PENDING_RESPONSE})
@token_required("requests:write")
def transition_request(reference: str, body: dict):
    request = _load(reference)
    if body["to"] == RequestStatus.REJECTED.value and approvals.required(request, ApprovalKind.REJECTION):
        notify_staff(four_eyes.submit_rejection(request, actor=api_actor(), reason=body.get("reason"),
                                                note=body.get("note"), expected_version=body.get("version")))
        return Result(_pending_body(request, approvals.pending(request)), 202)
    change = dsr.transition(request, body["to"], actor=api_actor(), note=body.get("note"), reason=body.get("reason"),
                            expected_version=body.get("version"), on_behalf=bool(body.get("on_behalf")))
    notify_requester(change)
    return Result(request_detail(request))


@api_route("POST", "/requests/{reference}/messages", tag=TAG, params=[REFERENCE], body="Message",
           problems=(404, 409), summary="Write to the requester, record their reply, or add an internal note",
           responses={201: "RequestDetail"})
@token_required("requests:write")
def add_message(reference: str, body: dict):
    request = _load(reference)
    if body["kind"] == "internal_note":
        dsr.add_internal_note(request, body=body["body"], actor=api_actor())
    else:
        change = dsr.add_message(request, body=body["body"], to_requester=body["kind"] == "to_requester",
                                 actor=api_actor())
        notify_requester(change)
        notify_staff(change)  # a reply recorded by another system: the assignee hears of it
    return Result(request_detail(request), 201)




def _decision(body: dict) -> Decision:
    """The JSON body as the `Decision` the staff form would have made."""
    scope = body.get("scope")
    chosen = scope == "chosen"
    return Decision(
        verdicts=tuple(Verdict(v["index"], v["accept"], v.get("reason"), v.get("field"))
                       for v in body.get("verdicts", ())),
        everything=None if scope is None else scope == "all",
        categories=tuple(body.get("categories", ())) if chosen or "categories" in body else None,
        item_ids=tuple(body["item_ids"]) if body.get("item_ids") else None,
        recipients=tuple(body.get("recipients", ())) if chosen or "recipients" in body else None,
        format=body.get("format"),
        answer=(body.get("answer") or "").strip() or None,
    )


@api_route("POST", "/requests/{reference}/decision", tag=TAG, params=[REFERENCE], body="Decision",
           problems=(404, 409, 422), summary="Complete a request with a decision applied to the data",
           description="What the staff request page's *Complete* does, under the same rules and with the same "
                       "audit entries: the decision is applied to the person's data (erasure, suspension or stop "
                       "of provision of all data with `{\"scope\": \"all\"}` or of chosen categories, items or "
                       "recipients; a correction with one verdict per proposed change; a disclosure in a format), "
                       "the request is completed and the requester gets the answer mail. A decision that cannot be "
                       "applied as it stands is refused with 422 and changes nothing; a request changed since "
                       "`version` was read, or one that cannot be completed from its status, gets 409.\n\n"
                       + FOUR_EYES_NOTE,
           responses={200: "RequestDetail", 202: PENDING_RESPONSE})
@token_required("requests:write")
def decide_request(reference: str, body: dict):
    request = _load(reference)
    actor = api_actor()
    if approvals.required(request, ApprovalKind.ERASURE):
        notify_staff(four_eyes.submit_decision(request, actor=actor, decision=_decision(body), note=body.get("note"),
                                               expected_version=body.get("version")))  # the managers hear of it
        return Result(_pending_body(request, approvals.pending(request)), 202)
    change = complete_with_decision(request, actor=actor, decision=_decision(body),
                                    expected_version=body.get("version"))
    note = (body.get("note") or "").strip()
    if note:
        change = Change(request, change.events + dsr.add_internal_note(request, body=note, actor=actor).events)
    notify_requester(change)
    return Result(request_detail(request))
