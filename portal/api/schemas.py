"""The API's data shapes as JSON Schema (OpenAPI 3.1 dialect) — the one place they are written.

Request bodies are checked against these at run time (`validation.Validator`) and the
OpenAPI document publishes the same dicts, so what is documented is what is enforced.
Request schemas refuse unknown fields; response schemas list what the API always sends.
"""
from __future__ import annotations

from portal.dsr.models import FeeStatus, Jurisdiction, RequestChannel, RequestType
from portal.dsr.status import RequestStatus
from portal.inventory.importer.parse import RECORD_TYPES
from portal.inventory.models import Category
from portal.inventory.suppression import SuppressionReason

#: Bodies larger than this are refused with 413 (an import file may be larger, see below).
MAX_JSON_BODY = 64 * 1024
MAX_IMPORT_BODY = 5 * 1024 * 1024

#: Channels a request can reach the portal by, other than the customer's own web form.
API_CHANNELS = [c.value for c in RequestChannel if c is not RequestChannel.WEB]


def string(max_length: int, *, min_length: int = 1, **more) -> dict:
    return {"type": "string", "minLength": min_length, "maxLength": max_length, **more}


def nullable(schema: dict) -> dict:
    types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    return {**schema, "type": [*types, "null"]}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def enum(values) -> dict:
    return {"type": "string", "enum": [str(v) for v in values]}


DATE_TIME = {"type": "string", "format": "date-time"}
STATUS = enum(s.value for s in RequestStatus)

REQUESTER = {
    "type": "object", "additionalProperties": False,
    "description": "Who asked. `email` is where replies go; without it, the person's own address is used.",
    "properties": {
        "email": string(254, format="email"),
        "name": string(200),
        "language": {**enum(["ja", "en"]), "description": "Language of mail to the requester (default ja)."},
    },
}
SUBJECT = {
    "type": "object", "additionalProperties": False,
    "description": "Identifying details of the person the request is about, when no `person_key` is known.",
    "properties": {
        "name": string(200), "name_kana": string(200), "email": string(254, format="email"),
        "phone": string(40), "address": string(300), "birthdate": {"type": "string", "format": "date"},
        "customer_number": string(64),
    },
}
AGENT = {
    "type": "object", "additionalProperties": False, "required": ["name"],
    "description": "A representative (代理人) filing for the person; the request stays `received` until staff "
                   "check the letter of authority.",
    "properties": {"name": string(200), "contact": string(300), "relationship": string(200)},
}

COMPONENTS: dict[str, dict] = {
    "NewRequest": {
        "type": "object", "additionalProperties": False, "required": ["type", "channel", "policy"],
        "properties": {
            "type": enum(t.value for t in RequestType),
            "channel": {**enum(API_CHANNELS), "description": "How the request reached the company."},
            "policy": {**enum(j.value for j in Jurisdiction),
                       "description": "The law whose deadlines apply: appi (Japan), gdpr (EU), ccpa (California)."},
            "person_key": {**string(64), "description": "The company's key of the person, as in the import file."},
            "requester": REQUESTER,
            "subject": SUBJECT,
            "agent": AGENT,
            "details": {"type": "object", "maxProperties": 50,
                        "description": "Type-specific content (what to correct, which categories, …)."},
            "received_at": {**DATE_TIME, "description": "When the letter or call arrived (default: now; never future)."},
            "verified": {"type": "boolean",
                         "description": "The requester's identity was checked (e.g. at the counter): the clock starts now."},
        },
    },
    "RequestSummary": {
        "type": "object",
        "required": ["reference", "type", "status", "policy", "channel", "received_at", "due_at", "version"],
        "properties": {
            "reference": {"type": "string", "examples": ["MG-2026-000123"]},
            "type": enum(t.value for t in RequestType),
            "status": STATUS,
            "policy": enum(j.value for j in Jurisdiction),
            "channel": enum(c.value for c in RequestChannel),
            "person_key": {"type": ["string", "null"]},
            "is_agent": {"type": "boolean"},
            "assignee_id": {"type": ["integer", "null"]},
            "received_at": DATE_TIME,
            "verified_at": nullable(DATE_TIME),
            "acknowledge_due_at": nullable(DATE_TIME),
            "due_at": {**nullable(DATE_TIME), "description": "Null until verified (the clock has not started)."},
            "closed_at": nullable(DATE_TIME),
            "version": {"type": "integer", "description": "Send it back as `version` to refuse stale changes."},
            "fee": {
                "type": ["object", "null"],
                "description": "The fee charged under the request's policy (APPI Art. 38); null when none. "
                               "A disclosure is released only when it is paid or waived.",
                "required": ["amount", "currency", "status"],
                "properties": {"amount": {"type": "integer", "examples": [1000]},
                               "currency": enum(["JPY"]), "status": enum(s.value for s in FeeStatus)},
            },
        },
    },
    "TimelineEvent": {
        "type": "object", "required": ["kind", "at", "actor_type", "visible_to_requester"],
        "properties": {
            "kind": {"type": "string"}, "at": DATE_TIME,
            "actor_type": {"type": "string"}, "actor_id": {"type": ["string", "null"]},
            "from_status": nullable(STATUS), "to_status": nullable(STATUS),
            "visible_to_requester": {"type": "boolean"},
            "body": {"type": ["string", "null"]}, "data": {"type": "object"},
        },
    },
    "RequestDetail": {
        "allOf": [ref("RequestSummary")],
        "type": "object", "required": ["requester", "timeline"],
        "properties": {
            "requester": {"type": "object", "properties": {
                "email": {"type": "string"}, "name": {"type": ["string", "null"]}, "language": {"type": "string"}}},
            "subject": {"type": ["object", "null"]},
            "agent": {"type": ["object", "null"]},
            "details": {"type": "object"},
            "rejection_reason": {"type": ["string", "null"]},
            "extension_reason": {"type": ["string", "null"]},
            "timeline": {"type": "array", "items": ref("TimelineEvent")},
        },
    },
    "PendingApproval": {
        "type": "object", "required": ["reference", "status", "message", "approval", "request"],
        "description": "A decision stored for a manager's approval (the policy's four eyes): nothing applied yet.",
        "properties": {
            "reference": {"type": "string"},
            "status": {"type": "string", "enum": ["awaiting_approval"]},
            "message": {"type": "string"},
            "approval": {"type": "object", "required": ["id", "kind", "state", "prepared_at"], "properties": {
                "id": {"type": "integer"},
                "kind": {"type": "string", "enum": ["erasure", "rejection"]},
                "state": {"type": "string", "enum": ["pending"]},
                "prepared_by": {"type": ["integer", "null"], "description": "The token owner's staff id."},
                "prepared_at": {"type": "string", "format": "date-time"}}},
            "request": ref("RequestDetail"),
        },
    },
    "RequestList": {
        "type": "object", "required": ["items", "next_cursor"],
        "properties": {
            "items": {"type": "array", "items": ref("RequestSummary")},
            "next_cursor": {"type": ["string", "null"],
                            "description": "Pass as `cursor` for the next page; null on the last page."},
        },
    },
    "Transition": {
        "type": "object", "additionalProperties": False, "required": ["to"],
        "properties": {
            "to": STATUS,
            "reason": {**string(2000), "description": "Shown to the requester; required to reject."},
            "note": {**string(2000), "description": "Internal note; required to withdraw on the requester's behalf."},
            "on_behalf": {"type": "boolean", "description": "Withdraw because the requester asked (by phone, …)."},
            "version": {"type": "integer", "minimum": 1, "maximum": 2147483647,
                        "description": "The `version` you read; a change made since then is refused with 409."},
        },
    },
    "Decision": {
        "type": "object", "additionalProperties": False,
        "description": "The decision the staff request page applies, in JSON. Parts left out mean \"as the person "
                       "asked\" (scope, categories, recipients, format in the request's details).",
        "properties": {
            "scope": {**enum(["all", "chosen"]),
                      "description": "Erasure, suspension, stop of provision: all of the person's data (or every "
                                     "recipient), or only the `categories` / `item_ids` / `recipients` given."},
            "categories": {"type": "array", "maxItems": 20, "items": enum(c.value for c in Category)},
            "item_ids": {"type": "array", "maxItems": 1000,
                         "items": {"type": "integer", "minimum": 1, "maximum": 2147483647}},
            "recipients": {"type": "array", "maxItems": 50, "items": string(300),
                           "description": "Stop of provision: the companies the data may no longer go to."},
            "format": {**enum(["zip", "json", "post"]), "description": "Disclosure: how the answer is given."},
            "verdicts": {
                "type": "array", "maxItems": 200,
                "description": "Correction: one verdict per proposed change (`index` into the request's `changes`).",
                "items": {"type": "object", "additionalProperties": False, "required": ["index", "accept"],
                          "properties": {
                              "index": {"type": "integer", "minimum": 0, "maximum": 10000},
                              "accept": {"type": "boolean"},
                              "reason": {**string(2000), "description": "Shown to the requester; required to refuse."},
                              "field": {**string(64), "description": "For an addition: the field name to file it under."},
                          }},
            },
            "answer": {**string(2000), "description": "Words to the requester, sent with the answer mail."},
            "note": {**string(2000), "description": "Internal note for staff."},
            "version": {"type": "integer", "minimum": 1, "maximum": 2147483647,
                        "description": "The `version` you read; a change made since then is refused with 409."},
        },
    },
    "Message": {
        "type": "object", "additionalProperties": False, "required": ["kind", "body"],
        "properties": {
            "kind": {**enum(["to_requester", "from_requester", "internal_note"]),
                     "description": "to_requester is mailed to them; from_requester records their reply "
                                    "(e.g. by phone); internal_note is for staff only."},
            "body": string(5000),
        },
    },
    "ImportResult": {
        "type": "object", "required": ["dry_run", "counts"],
        "properties": {
            "dry_run": {"type": "boolean"},
            "counts": {"type": "object", "properties": {kind: {"type": "integer"} for kind in RECORD_TYPES}},
            "created": {"type": "object", "additionalProperties": {"type": "integer"}},
            "updated": {"type": "object", "additionalProperties": {"type": "integer"}},
        },
    },
    "PersonRecords": {
        "type": "object", "required": ["person_key", "records"],
        "properties": {
            "person_key": {"type": "string"},
            "records": {"type": "array", "description": "Records in the import format's vocabulary, in import order.",
                        "items": {"type": "object", "required": ["type"],
                                  "properties": {"type": enum(RECORD_TYPES)}}},
        },
    },
    "MergeInto": {
        "type": "object", "additionalProperties": False, "required": ["into"],
        "properties": {
            "into": {**string(64), "description": "The key of the person who survives the merge."},
            "evidence": {"type": "array", "maxItems": 10, "items": string(200),
                         "description": "Why these records are one person (kept with the merge)."},
        },
    },
    "MergeResult": {
        "type": "object", "required": ["merge_id", "survivor_key", "merged_key", "moved"],
        "properties": {
            "merge_id": {"type": "integer"},
            "survivor_key": {"type": "string"},
            "merged_key": {"type": "string", "description": "Stays an alias: it keeps leading to the survivor."},
            "moved": {"type": "object", "additionalProperties": {"type": "integer"},
                      "description": "Rows moved to the survivor, per table and column."},
        },
    },
    "Suppression": {
        "type": "object", "required": ["person_key", "email", "reason", "since"],
        "properties": {
            "person_key": {"type": "string"},
            "email": {"type": ["string", "null"], "description": "null once the person was erased in full."},
            "reason": enum(r.value for r in SuppressionReason), "since": DATE_TIME,
        },
    },
    "ProvisionStop": {
        "type": "object", "required": ["person_key", "recipient", "since", "request"],
        "properties": {
            "person_key": {"type": "string"},
            "recipient": {"type": ["string", "null"], "description": "The company; null: every recipient."},
            "since": DATE_TIME,
            "request": {"type": ["string", "null"], "description": "The reference of the request that asked for it."},
        },
    },
    "ProvisionStopList": {
        "type": "object", "required": ["items", "next_cursor"],
        "properties": {"items": {"type": "array", "items": ref("ProvisionStop")},
                       "next_cursor": {"type": ["string", "null"]}},
    },
    "SuppressionList": {
        "type": "object", "required": ["purpose", "since", "generated_at", "items"],
        "properties": {
            "purpose": {"type": "string"}, "since": nullable(DATE_TIME), "generated_at": DATE_TIME,
            "items": {"type": "array", "items": ref("Suppression")},
        },
    },
}


def query(name: str, schema: dict, description: str, *, required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required, "description": description, "schema": schema}


def path(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "path", "required": True, "description": description, "schema": schema}


BOOLEAN_FLAG = {"type": "string", "enum": ["true", "false", "1", "0"]}


COUNTS = {"type": "object", "additionalProperties": {"type": "integer"}}
COMPONENTS["ReportSummary"] = {
    "type": "object",
    "required": ["period", "received", "closed", "answered_on_time", "answered_late", "on_time_rate",
                 "median_days_to_answer", "open_now", "generated_at"],
    "properties": {
        "period": {"type": "object", "properties": {"from": {"type": "string", "format": "date"},
                                                    "to": {"type": "string", "format": "date"}}},
        "received": {"type": "object", "properties": {"total": {"type": "integer"}, "by_type": COUNTS,
                                                      "by_policy": COUNTS, "by_channel": COUNTS}},
        "closed": {**COUNTS, "description": "Requests closed in the period, by outcome."},
        "answered_on_time": {"type": "integer", "description": "Completed or rejected by their due date."},
        "answered_late": {"type": "integer"},
        "on_time_rate": {"type": ["number", "null"]},
        "extended": {"type": "integer"},
        "median_days_to_answer": {"type": ["number", "null"]},
        "open_now": {"type": "object", "properties": {
            "total": {"type": "integer"}, "overdue": {"type": "integer"},
            "due_within_3_days": {"type": "integer"}, "not_yet_verified": {"type": "integer"}}},
        "generated_at": DATE_TIME,
    },
}
