"""Casework services: who may open a request, claiming and assigning, audited views, completing.

Plain functions with an explicit actor, in the caller's transaction (the view commits). The
rules of the request itself — statuses, deadlines, reasons — stay in `portal.dsr.services`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.audit.services import Actor, record
from portal.common.time import utcnow
from portal.dsr import approvals, decisions
from portal.dsr import services as dsr
from portal.dsr.decisions import four_eyes
from portal.dsr.errors import DsrError, StaleRequest
from portal.dsr.models import ApprovalKind, DataRequest, RequestEvent, RequestType
from portal.dsr.queries import get_by_reference
from portal.dsr.status import RequestStatus
from portal.dsr.workflow import Change, check_version
from portal.extensions import db
from portal.staff.models import StaffRole, StaffUser

S = RequestStatus


class AssignmentRefused(DsrError):
    """A claim or an assignment that cannot be made (taken already, unknown colleague…)."""


# --- who may open what ----------------------------------------------------------------------

def may_open(request: DataRequest, user: StaffUser) -> bool:
    """Managers and admins open everything; agents too, unless PORTAL_AGENTS_SEE_OTHERS_ASSIGNED
    is off, which keeps a colleague's assigned requests (and the personal data in them) closed."""
    return not sees_only_own_or_free(user) or request.assignee_id in (None, user.id)


def sees_only_own_or_free(user: StaffUser) -> bool:
    """Whether colleagues' assigned requests are closed to this user (queue and request page alike)."""
    return not user.may(StaffRole.MANAGER) and not current_app.config.get("PORTAL_AGENTS_SEE_OTHERS_ASSIGNED", True)


def active_staff() -> list[sa.Row]:
    """Colleagues a request can be given to: (id, name) rows by name. Not whole users: a
    user row carries an encrypted TOTP secret that lists have no use for."""
    return list(db.session.execute(sa.select(StaffUser.id, StaffUser.name).where(StaffUser.active.is_(True))
                                   .order_by(StaffUser.name)))


# --- audited views --------------------------------------------------------------------------
# Listing requests or opening one shows personal data: each page view is an audit entry.
# Details name what was shown (counts, references, which filters), never the values or the
# words searched for.

def record_queue_view(*, actor: Actor, shown: int, filters: list[str], search: str | None) -> None:
    record("staff.viewed_queue", actor=actor, target_type="queue",
           details={"shown": shown, "filters": filters, "search": search})


def record_request_view(request: DataRequest, *, actor: Actor) -> None:
    record("staff.viewed_request", actor=actor, target_type="data_request", target_id=request.reference,
           person_id=request.person_id, details={"reference": request.reference})


def record_person_data_view(request: DataRequest, *, actor: Actor, items_shown: int) -> None:
    record("staff.viewed_person_data", actor=actor, target_type="person", target_id=request.person_id,
           person_id=request.person_id, details={"reference": request.reference, "items_shown": items_shown})


def record_person_search(request: DataRequest, *, actor: Actor, kind: str, found: int) -> None:
    record("staff.searched_persons", actor=actor, target_type="data_request", target_id=request.reference,
           details={"reference": request.reference, "by": kind, "found": found})


# --- claiming and assigning -----------------------------------------------------------------

def _staff_name(user_id: int) -> str:
    user = db.session.get(StaffUser, user_id)
    return user.name if user else f"#{user_id}"


def _check_assignee(assignee_id: int | None) -> None:
    """A request goes to an active colleague, or back to the shared queue (None)."""
    if assignee_id is not None:
        assignee = db.session.get(StaffUser, assignee_id)
        if assignee is None or not assignee.active:
            raise AssignmentRefused(_l("Choose an active staff member."))


def claim(request: DataRequest, *, user: StaffUser, actor: Actor, expected_version: int | None) -> Change:
    """Take an unassigned request for oneself; someone else's stays theirs."""
    check_version(request, expected_version)
    if not request.is_open:
        raise AssignmentRefused(_l("This request is closed and can no longer be changed."))
    if request.assignee_id == user.id:
        raise AssignmentRefused(_l("This request is already assigned to you."))
    if request.assignee_id is not None:
        raise AssignmentRefused(_l("%(name)s has already taken this request. Ask a manager to reassign it.",
                                   name=_staff_name(request.assignee_id)))
    return dsr.assign(request, assignee_id=user.id, actor=actor, expected_version=expected_version)


def assign_to(request: DataRequest, *, assignee_id: int | None, actor: Actor,
              expected_version: int | None) -> Change:
    """A manager gives the request to a colleague, or back to the shared queue (None)."""
    check_version(request, expected_version)
    if not request.is_open:
        raise AssignmentRefused(_l("This request is closed and can no longer be changed."))
    _check_assignee(assignee_id)
    if assignee_id == request.assignee_id:
        raise AssignmentRefused(_l("The request is already assigned that way."))
    return dsr.assign(request, assignee_id=assignee_id, actor=actor, expected_version=expected_version)


@dataclass
class BulkOutcome:
    assigned: list[Change] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)  # changed since the list was shown: left alone
    skipped: list[str] = field(default_factory=list)  # closed, unknown, or already so assigned


def bulk_assign(selection: list[tuple[str, int]], *, assignee_id: int | None, actor: Actor) -> BulkOutcome:
    """Assign several requests, each as it was when the list was shown (reference, version).

    Each request gets its own savepoint: one changed meanwhile, even by a transaction that
    commits while this one runs, is reported and left as it is; the others are assigned.
    """
    _check_assignee(assignee_id)
    outcome = BulkOutcome()
    for reference, version in selection:
        request = get_by_reference(reference)
        if request is None or not request.is_open or request.assignee_id == assignee_id:
            outcome.skipped.append(reference)
            continue
        try:
            with db.session.begin_nested():
                outcome.assigned.append(dsr.assign(request, assignee_id=assignee_id, actor=actor,
                                                   expected_version=version))
        except StaleRequest:
            outcome.stale.append(reference)
    return outcome


# --- what changed since a form was opened ---------------------------------------------------

def events_since(request: DataRequest, seen_event_id: int | None) -> list[RequestEvent]:
    """Timeline events added after the last one the form's page showed."""
    stmt = sa.select(RequestEvent).where(RequestEvent.request_id == request.id)
    if seen_event_id is not None:
        stmt = stmt.where(RequestEvent.id > seen_event_id)
    return list(db.session.scalars(stmt.order_by(RequestEvent.id)))

# --- completing -----------------------------------------------------------------------------

#: Decisions whose form asks what they cover (everything, or what is ticked).
SCOPED_TYPES = frozenset({RequestType.ERASURE, RequestType.SUSPENSION, RequestType.STOP_PROVISION})


class ConfirmationNeeded(Exception):
    """An erasure, or a suspension of everything, is shown with what it will change and applied
    only when sent again with `confirmed=yes`; nothing has changed yet."""

    def __init__(self, preview: decisions.Preview):
        super().__init__("confirmation needed")
        self.preview = preview


def decisions_need_confirmation(request: DataRequest) -> bool:
    """Whether completing this request may ask for a confirmation (the button then says "check")."""
    return request.type in decisions.DESTRUCTIVE_TYPES


def complete_with_decision(request: DataRequest, *, actor: Actor, decision_form_data: Any,
                           expected_version: int | None, now: datetime | None = None) -> Change:
    """Complete the request with the decision in the form, applied to the data in the same transaction.

    `portal.dsr.decisions` reads the decision (`decision_from_form`: verdicts, scope, format,
    `answer` for the requester), moves the request in progress if needed, applies it and
    completes it; a `note` in the form is added as an internal note. Refusals are `DsrError`s.
    Under four eyes an erasure is submitted for a manager's approval instead, after the same
    confirmation step (`four_eyes.submit_decision`): nothing changes in the data yet.
    """
    check_version(request, expected_version)  # a stale form is stale before it is wrong
    decision = decisions.decision_from_form(request, decision_form_data)
    if request.type in SCOPED_TYPES and request.person_id is not None and not decision_form_data.get("scope"):
        # Nothing is preselected: staff say what the decision covers, every time.
        raise decisions.DecisionInvalid(_l("Choose what the decision covers: everything, or only what is ticked."))
    if decisions.needs_confirmation(request, decision) and decision_form_data.get("confirmed") != "yes":
        raise ConfirmationNeeded(decisions.preview_decision(request, decision))
    if approvals.required(request, ApprovalKind.ERASURE):
        return four_eyes.submit_decision(request, actor=actor, decision=decision, note=decision_form_data.get("note"),
                                         expected_version=expected_version, now=now)
    change = decisions.complete_with_decision(request, actor=actor, decision=decision,
                                              expected_version=expected_version, now=now)
    note = (decision_form_data.get("note") or "").strip()
    if note:
        change = Change(request, change.events + dsr.add_internal_note(request, body=note, actor=actor, now=now).events)
    return change


def reject(request: DataRequest, *, reason: str | None, note: str | None, actor: Actor,
           expected_version: int | None) -> Change:
    """Reject with a reason the requester reads, or, under four eyes, submit the rejection for a
    manager's approval (`four_eyes.submit_rejection`): the requester is told nothing yet."""
    if approvals.required(request, ApprovalKind.REJECTION):
        return four_eyes.submit_rejection(request, actor=actor, reason=reason, note=note,
                                          expected_version=expected_version)
    return dsr.transition(request, S.REJECTED, actor=actor, reason=reason, note=note,
                          expected_version=expected_version)


def submitted_for_approval(request: DataRequest) -> bool:
    """Whether the request's decision now waits for a manager (the page's flash says so)."""
    return approvals.pending(request) is not None


# --- messages and notes ---------------------------------------------------------------------
# A message or note adds an event and leaves the request's row alone, so the version would not
# move: touching the row makes every action bump it, and a form sent twice acts once.

def _touch(request: DataRequest, expected_version: int | None) -> None:
    check_version(request, expected_version)
    request.updated_at = utcnow()


def message_requester(request: DataRequest, *, body: str, actor: Actor, expected_version: int | None) -> Change:
    """A message to the requester about an open request (a closed one is answered already)."""
    _touch(request, expected_version)
    if not request.is_open:
        raise DsrError(_l("This request is closed and can no longer be changed."))
    return dsr.add_message(request, body=body, to_requester=True, actor=actor)


def record_reply(request: DataRequest, *, body: str, actor: Actor, expected_version: int | None) -> Change:
    """What the requester told us by phone, post or at the counter; ends a wait for them."""
    _touch(request, expected_version)
    if not request.is_open:
        raise DsrError(_l("This request is closed and can no longer be changed."))
    return dsr.add_message(request, body=body, to_requester=False, actor=actor)


def add_note(request: DataRequest, *, body: str, actor: Actor, expected_version: int | None) -> Change:
    """An internal note (on closed requests too: the record may need one later)."""
    _touch(request, expected_version)
    return dsr.add_internal_note(request, body=body, actor=actor)
