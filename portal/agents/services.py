"""Filing an agent's request and an unmatched requester's request.

Neither attaches a person: staff confirm who the request is about (`dsr.match_person`) and,
for an agent, that the authority holds (`dsr.verify_request`). What the given details point
to is stored as a suggestion for them (`details["person_candidates"]`), never shown to the
requester, who must not learn from our answer whether we hold data on someone.

Several request types filed at once become one request each (each has its own deadline and
outcome), sharing the one letter of authority. The form's idempotency key, suffixed with the
type, makes a double submit file them once.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from portal.agents import uploads
from portal.agents.models import AuthorityDocument
from portal.audit.services import Actor, record
from portal.dsr.models import DataRequest, RequestChannel, RequestType
from portal.dsr.services import create_request
from portal.dsr.workflow import Change
from portal.encryption.blind import email_index
from portal.extensions import db
from portal.inventory.models import Person

MAX_CANDIDATES = 5


@dataclass
class Filing:
    """The requests a form filed (or had filed before, `created=False`) and their document."""

    changes: list[Change]
    created: bool
    document: AuthorityDocument | None = None
    stored_name: str | None = field(default=None, repr=False)

    @property
    def requests(self) -> list[DataRequest]:
        return [change.request for change in self.changes]

    @property
    def references(self) -> list[str]:
        return [request.reference for request in self.requests]


# --- suggestions for staff -----------------------------------------------------------------------

def _squeeze(text: str | None) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).lower()


def _digits(text: str | None) -> str:
    return re.sub(r"\D", "", unicodedata.normalize("NFKC", text or ""))


def suggest_people(subject: dict[str, Any]) -> list[dict[str, Any]]:
    """Persons the details point to (by email or customer number), with what else agrees.

    Only indexed look-ups: name and phone alone are too weak to name a candidate, but they
    are compared for the candidates found, to help staff judge.
    """
    matched_on: dict[int, set[str]] = {}
    emails = subject.get("emails") or []
    if emails:
        for person_id in db.session.scalars(sa.select(Person.id).where(Person.email_index.in_([email_index(e) for e in emails]))):
            matched_on.setdefault(person_id, set()).add("email")
    if subject.get("customer_number"):
        for person_id in db.session.scalars(sa.select(Person.id).where(
                Person.with_customer_number(subject["customer_number"])).limit(MAX_CANDIDATES)):
            matched_on.setdefault(person_id, set()).add("customer_number")
    suggestions = []
    for person_id in sorted(matched_on, key=lambda pid: (-len(matched_on[pid]), pid))[:MAX_CANDIDATES]:
        person = db.session.get(Person, person_id)
        agrees, differs = [], []
        for name, given, held in (
            ("name", _squeeze(subject.get("name")), _squeeze(person.name)),
            ("name_kana", _squeeze(subject.get("name_kana")), _squeeze(person.name_kana)),
            ("phone", _digits(subject.get("phone")), _digits(person.phone)),
            ("birthdate", subject.get("birthdate") or "", person.birthdate.isoformat() if person.birthdate else ""),
        ):
            if given and held:
                (agrees if given == held else differs).append(name)
        suggestions.append({"person_id": person_id, "matched_on": sorted(matched_on[person_id]),
                            "agrees": agrees, "differs": differs})
    return suggestions


# --- filing ----------------------------------------------------------------------------------------

def _earlier_filing(idempotency_key: str) -> list[DataRequest]:
    keys = [f"{idempotency_key}:{kind.value}" for kind in RequestType]
    return list(db.session.scalars(
        sa.select(DataRequest).where(DataRequest.idempotency_key.in_(keys)).order_by(DataRequest.id)
    ))


def _file_each(types: list[str], *, idempotency_key: str, details: dict, **fields) -> tuple[list[Change], bool]:
    """One request per type; a replayed submission hands back what it filed before."""
    changes: list[Change] = []
    for kind in dict.fromkeys(RequestType(t) for t in types):
        change = create_request(type=kind, idempotency_key=f"{idempotency_key}:{kind.value}",
                                details=dict(details), **fields)
        if not change.created and not changes:
            return [Change(request, []) for request in _earlier_filing(idempotency_key)], False
        changes.append(change)
    if len(changes) > 1:
        together = [change.request.reference for change in changes]
        for change in changes:
            change.request.details = {**change.request.details, "filed_together": together}
    return changes, True


def file_agent_request(
    *, agent: dict[str, Any], subject: dict[str, Any], types: list[str], description: str | None,
    residence: str, language: str, upload: uploads.CheckedUpload, idempotency_key: str, actor: Actor,
) -> Filing:
    """File an agent's request: `received`, no person attached, the authority document stored.

    The caller commits; if that fails it must `uploads.discard(filing.stored_name)`.
    """
    details = {"description": description or None, "person_candidates": suggest_people(subject)}
    changes, created = _file_each(
        types, idempotency_key=idempotency_key, details=details, person_id=None,
        requester_email=agent["email"], requester_name=agent["name"], channel=RequestChannel.WEB,
        language=language, residence=residence, is_agent=True, agent=agent, subject=subject,
        actor=actor, verified=False,
    )
    if not created:
        return Filing(changes, created=False)
    stored_name = uploads.store(upload)
    try:
        document = AuthorityDocument(
            request_id=changes[0].request.id, original_name=upload.original_name,
            content_type=upload.kind.content_type, size=upload.size, sha256=upload.sha256,
            storage_path=stored_name,
        )
        db.session.add(document)
        db.session.flush()
        for change in changes:
            change.request.authority_document_id = document.id
        record("agents.authority_document_stored", actor=actor, target_type="authority_document",
               target_id=document.id,
               details={"references": [change.request.reference for change in changes],
                        "content_type": document.content_type, "size": document.size, "sha256": document.sha256})
        db.session.flush()
    except Exception:
        uploads.discard(stored_name)
        raise
    return Filing(changes, created=True, document=document, stored_name=stored_name)


def file_unmatched_request(
    *, email: str, subject: dict[str, Any], types: list[str], description: str | None, residence: str,
    language: str, idempotency_key: str, actor: Actor,
) -> Filing:
    """File for a requester whose proven address matches nobody: verified, but unmatched.

    The clock starts (the requester proved their address); staff find the person
    (`dsr.match_person`) or answer that we hold nothing.
    """
    details = {"description": description or None, "unmatched": True,
               "person_candidates": suggest_people(subject)}
    changes, created = _file_each(
        types, idempotency_key=idempotency_key, details=details, person_id=None,
        requester_email=email, requester_name=subject.get("name"), channel=RequestChannel.WEB,
        language=language, residence=residence, subject=subject, actor=actor, verified=True,
    )
    return Filing(changes, created=created)
