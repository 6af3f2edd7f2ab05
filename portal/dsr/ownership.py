"""Case ownership: the one rule for acting on a request someone else has taken.

An agent acts on a request that is unassigned or assigned to them; a request a colleague
has taken stays theirs until a manager reassigns it — the rule claiming has always
followed, now for every change (verify, reply, extend, reject, complete with a decision,
messages, notes…), from the staff pages and the API alike. Managers and admins act on any
request (they are the ones who reassign). Who may merely *open* a colleague's request is
PORTAL_AGENTS_SEE_OTHERS_ASSIGNED (casework.services.may_open).

Every request service is wrapped in `@case_action`, so the rule is checked before the
service changes anything; customers (their own request) and the system (tick) pass.
"""
from __future__ import annotations

import functools

from flask_babel import lazy_gettext as _l

from portal.audit.services import Actor
from portal.dsr.errors import DsrError
from portal.dsr.models import DataRequest
from portal.dsr.workflow import check_version
from portal.extensions import db
from portal.staff.models import StaffRole, StaffUser


class NotYourCase(DsrError):
    """The request is assigned to a colleague; only they or a manager may change it."""


def may_act(request: DataRequest, user: StaffUser) -> bool:
    """Whether `user` may change `request`: theirs, nobody's, or they manage the queue."""
    return request.assignee_id in (None, user.id) or user.may(StaffRole.MANAGER)


def check_may_act(request: DataRequest, actor: Actor) -> None:
    """Raise NotYourCase when a staff actor (staff page or API token owner) may not act."""
    if actor.type != "staff" or actor.id is None or request.assignee_id is None:
        return
    if str(request.assignee_id) == str(actor.id):
        return
    user = db.session.get(StaffUser, int(actor.id))
    if user is not None and may_act(request, user):
        return
    assignee = db.session.get(StaffUser, request.assignee_id)
    raise NotYourCase(_l("%(name)s has already taken this request. Only they or a manager can change it; "
                         "ask a manager to reassign it.",
                         name=assignee.name if assignee else f"#{request.assignee_id}"))


def case_action(service):
    """Wrap a request service `service(request, …, actor=…)`: the ownership rule runs first."""

    @functools.wraps(service)
    def wrapper(request: DataRequest, *args, actor: Actor, **kwargs):
        # A stale form is stale before it is refused: the page then shows who has it now.
        check_version(request, kwargs.get("expected_version"))
        check_may_act(request, actor)
        return service(request, *args, actor=actor, **kwargs)

    return wrapper
