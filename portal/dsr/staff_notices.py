"""Telling staff about their requests: a mail to the assignee when a colleague assigns them a
request, and when the requester writes on an open request assigned to them; a mail to the managers
when a decision awaits their approval (four eyes), so it does not wait unseen in the queue.

`notify_staff(change)` reads what a service returned (like `notify_requester`) and queues the
mails in the caller's transaction, through the outbox: they go out only if the change commits.
Taking a request oneself, or writing on one's own request, sends nothing, nor does preparing a
decision to oneself; each staff member can turn the mails off on their account page
(`StaffUser.notify_on_assignment` — assigned or awaiting one's approval —, `notify_on_reply`),
and reads it in their language (`StaffUser.language`). The mail names the request — reference,
type, due date and a link to the staff page — and nothing about the requester: what they wrote is
behind the log-in.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from portal.dsr.models import DataRequest, EventKind, RequestEvent
from portal.dsr.workflow import Change
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.mail.services import queue_mail
from portal.staff.models import StaffRole, StaffUser


def staff_link(request: DataRequest) -> str:
    """The request's staff page, absolute (by path: the staff area's contract is the URL)."""
    return f"{current_app.config['PORTAL_BASE_URL']}/staff/requests/{request.reference}"


def _done_by(event: RequestEvent, user_id: int) -> bool:
    return event.actor_type == "staff" and event.actor_id == str(user_id)


def _recipient(user_id: int | None, flag: str) -> StaffUser | None:
    user = db.session.get(StaffUser, user_id) if user_id is not None else None
    if user is None or not user.active or not getattr(user, flag):
        return None
    return user


def _mail(user: StaffUser, template: str, request: DataRequest, **context) -> OutboxMessage:
    return queue_mail(to=user.email, template=template, kind=template, language=user.language,
                      name=user.name, reference=request.reference, type_label=request.type.staff_label,
                      due_at=request.due_at, link=staff_link(request), **context)


def _approvers(event: RequestEvent) -> list[StaffUser]:
    """The active managers (and admins) who may approve: everyone but the one who prepared it."""
    managers = db.session.scalars(sa.select(StaffUser).where(
        StaffUser.active.is_(True), StaffUser.notify_on_assignment.is_(True),
        StaffUser.role.in_([role for role in StaffRole if role.includes(StaffRole.MANAGER)])).order_by(StaffUser.id))
    return [user for user in managers if not _done_by(event, user.id)]


def notify_staff(change: Change) -> list[OutboxMessage]:
    """Queue the assignee's mails about `change` (none for what they did themselves)."""
    request = change.request
    sent = []
    for event in change.events:
        if event.kind is EventKind.ASSIGNED:
            assignee_id = (event.data or {}).get("assignee_id")
            if assignee_id is None or _done_by(event, assignee_id) or not request.is_open:
                continue  # back to the shared queue, or a request taken by oneself
            user = _recipient(assignee_id, "notify_on_assignment")
            if user is not None:
                by = db.session.get(StaffUser, int(event.actor_id)) if (event.actor_id or "").isdigit() else None
                sent.append(_mail(user, "staff_assigned", request, by=by.name if by and event.actor_type == "staff"
                                  else None))
        elif event.kind is EventKind.APPROVAL_REQUESTED:
            preparer = db.session.get(StaffUser, int(event.actor_id)) if (event.actor_id or "").isdigit() else None
            for manager in _approvers(event):
                sent.append(_mail(manager, "staff_approval", request, by=preparer.name if preparer else None,
                                  rejection=(event.data or {}).get("kind") == "rejection"))
        elif event.kind is EventKind.MESSAGE_FROM_REQUESTER and request.is_open:
            if request.assignee_id is None or _done_by(event, request.assignee_id):
                continue  # nobody to tell, or the assignee recorded the reply themselves
            user = _recipient(request.assignee_id, "notify_on_reply")
            if user is not None:
                sent.append(_mail(user, "staff_reply", request, resumed=any(
                    e.kind is EventKind.STATUS_CHANGED for e in change.events)))
    return sent
