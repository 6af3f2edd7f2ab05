"""/api/v1 for the data: import files, a person's inventory, the suppression list, report figures."""
from __future__ import annotations

import json
from itertools import islice
from typing import Iterator

from flask import Response, g, stream_with_context

from portal.api.auth import api_actor, current_token, token_required
from portal.api.intake import person_by_key
from portal.api.operations import Result, api_route
from portal.api.requests_views import decode_cursor, encode_cursor
from portal.api.problems import ApiProblem, field_error, parameter_error
from portal.api.schemas import BOOLEAN_FLAG, MAX_IMPORT_BODY, path, query, string
from portal.audit.services import record
from portal.common.time import utcnow
from portal.inventory import suppression
from portal.inventory.export import export_person_records
from portal.inventory.provision_stops import stops_in_force
from portal.inventory.importer import ImportFailed, import_bytes
from portal.inventory.importer.parse import RECORD_TYPES
from portal.merging.services import MergeRefused, merge_persons

IMPORT_MEDIA = ("application/x-ndjson", "application/jsonl", "application/json-lines", "text/plain")


@api_route("POST", "/import", tag="Inventory", summary="Load records in the import format",
           description="The body is a file in the import format (contracts/import-format.md, JSON Lines). "
                       "Exactly like `flask import-data`: atomic (all or nothing), idempotent (loading the same "
                       "file again changes nothing), every problem reported with its line number, and "
                       "`dry_run=true` validates and counts without writing.",
           body_media=IMPORT_MEDIA, body_schema={"type": "string"}, max_body=MAX_IMPORT_BODY,
           params=[query("dry_run", BOOLEAN_FLAG, "Validate and count, write nothing.")],
           responses={200: ("Imported (or, in a dry run, would import) these records.", "ImportResult")})
@token_required("inventory:write")
def import_records(body: bytes, query: dict):
    dry_run = bool(query.get("dry_run"))
    nul_lines = [number for number, line in enumerate(body.split(b"\n"), 1) if b"\x00" in line or b"\\u0000" in line]
    if nul_lines:
        # The database cannot store the character; say where it is instead of failing later.
        raise ApiProblem("import-failed", f"Nothing was imported: {len(nul_lines)} problem(s).",
                         errors=[{"line": n, "detail": "text must not contain the NUL character (U+0000)"}
                                 for n in nul_lines])
    try:
        result = import_bytes(body, actor=api_actor(), dry_run=dry_run, origin=f"api:token:{current_token().id}")
    except ImportFailed as failure:
        raise ApiProblem("import-failed", f"Nothing was imported: {len(failure.problems)} problem(s).",
                         errors=[{"line": p.line, "detail": p.message} for p in failure.problems]) from None
    return Result({"dry_run": dry_run, "counts": {kind: result.counts.get(kind, 0) for kind in RECORD_TYPES},
                   "created": dict(result.changes.created), "updated": dict(result.changes.updated)})


@api_route("GET", "/persons/{key}", tag="Inventory", problems=(404,),
           params=[{**path("key", string(64), "The person's key, as in the import file."), "x-slashes": True}],
           summary="Everything held about one person, in the import format's vocabulary",
           responses={200: "PersonRecords"})
@token_required("requests:read")
def get_person(key: str):
    person = person_by_key(key)
    if person is None:
        raise ApiProblem("not-found", "No person has this key.")
    g.api_person_id = person.id
    records = list(export_person_records(person.id))
    record("api.person_read", actor=api_actor(), target_type="person", target_id=person.id, person_id=person.id,
           details={"records": len(records)})
    return Result({"person_key": person.key, "records": records})


@api_route("POST", "/persons/{key}/merge", tag="Inventory", problems=(404, 409, 422), body="MergeInto",
           params=[{**path("key", string(64), "The key of the duplicate record, merged away."), "x-slashes": True}],
           summary="Merge a duplicate record of a person into the surviving record (名寄せ)",
           description="Moves every item, consent event, provision record and request of `key` to the person "
                       "`into` in one transaction. `key` stays as an alias: a later import or request naming it "
                       "reaches the survivor. Refused with 409 when the two cannot be merged (the same person, "
                       "an erased or already merged record, or open requests on both sides). Staff can undo a "
                       "merge on the page Duplicates.",
           responses={200: ("Merged.", "MergeResult")})
@token_required("inventory:write")
def merge_person(key: str, body: dict):
    merged = person_by_key(key)
    if merged is None:
        raise ApiProblem("not-found", "No person has this key.")
    survivor = person_by_key(body["into"])
    if survivor is None:
        raise ApiProblem("validation-failed", "No person has the key given in `into`.",
                         errors=[field_error("/into", "no person has this key")])
    try:
        merge = merge_persons(merged, into=survivor, actor=api_actor(), evidence=body.get("evidence") or [])
    except MergeRefused as refused:
        raise ApiProblem("conflict", str(refused)) from None
    return Result({"merge_id": merge.id, "survivor_key": survivor.key, "merged_key": merged.key,
                   "moved": {name: len(ids) for name, ids in merge.moved.items()}})


@api_route("GET", "/suppressions", tag="Suppressions", problems=(422,),
           params=[query("purpose", string(64), "The purpose's key, e.g. newsletter-email.", required=True),
                   query("since", {"type": "string", "format": "date-time"},
                         "Only entries that began after this time, for incremental syncs (no offset: Japan time). "
                         "It cannot tell who left the list: load the whole list now and then.")],
           summary="Who must not be contacted for a purpose, with the reason and since when",
           responses={200: "SuppressionList"})
@token_required("suppressions:read")
def list_suppressions(query: dict):
    since = query.get("since")
    try:
        purpose = suppression.purpose_by_key(query["purpose"])
    except suppression.UnknownPurpose:
        raise ApiProblem("validation-failed", "No purpose has this key.",
                         errors=[parameter_error("purpose", "no purpose has this key")]) from None
    record("inventory.suppressions_exported", actor=api_actor(), target_type="purpose", target_id=purpose.key,
           details={"purpose": purpose.key, "rows": suppression.count_suppressed(purpose),
                    "since": since.isoformat() if since else None, "via": "api"})
    rows = suppression.stream_rows(suppression.suppression_statement(purpose, since=since))
    head = {"purpose": purpose.key, "since": since.isoformat() if since else None,
            "generated_at": utcnow().isoformat()}
    return Response(stream_with_context(_stream_list(head, rows)), mimetype="application/json")


def _stream_list(head: dict, rows) -> Iterator[str]:
    """The list as one JSON document, written a row at a time (lists of millions stay flat in memory)."""
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "items": ['
    for index, row in enumerate(rows):
        entry = {"person_key": row.person_key, "email": row.email, "reason": row.reason.value,
                 "since": row.since.isoformat()}
        yield ("," if index else "") + json.dumps(entry, ensure_ascii=False)
    yield "]}"


STOPS_LIMIT, STOPS_MAX = 100, 1000


@api_route("GET", "/provision-stops", tag="Suppressions",
           params=[query("recipient", string(300), "Only the stops covering this company (named so — full-width or "
                                                   "half-width, spaces and case aside — or every recipient)."),
                   query("limit", {"type": "integer", "minimum": 1, "maximum": STOPS_MAX},
                         f"Page size (default {STOPS_LIMIT})."),
                   query("cursor", string(100), "The `next_cursor` of the previous page.")],
           summary="Stops of third-party provision in force: whose data may no longer go to which company",
           description="Oldest first; follow `next_cursor`. Check it before giving a person's data to a third "
                       "party; the `provision.stopped` webhook says when a new stop takes effect.",
           responses={200: "ProvisionStopList"})
@token_required("suppressions:read")
def list_provision_stops(query: dict):
    limit = query.get("limit", STOPS_LIMIT)
    after = decode_cursor(query["cursor"], "s") if "cursor" in query else 0
    page = list(islice(stops_in_force(recipient=query.get("recipient"), after_id=after), limit + 1))
    more, page = len(page) > limit, page[:limit]
    record("inventory.provision_stops_exported", actor=api_actor(), target_type="provision_stops",
           details={"rows": len(page), "recipient": "recipient" in query, "via": "api"})
    next_cursor = encode_cursor(page[-1].id, "s") if more else None
    return Result({"items": [{"person_key": stop.person_key, "recipient": stop.recipient,
                              "since": stop.since.isoformat(), "request": stop.request} for stop in page],
                   "next_cursor": next_cursor})
