"""Telling the requester what happened to their request, by mail, in the request's language.

`notify_requester(change)` takes what a service returned and queues one mail for the change
(never one per event: asking the requester moves the request in progress, adds the message
and waits — three events, one mail). The mail leads with the most important event — an
outcome, a message from staff, an extension, the receipt, a status change — and carries
every staff message and reason of the change, the deadline, and a link to the request on the
portal (which asks the person to verify their address again). Events the person caused
themselves without news for them (their own reply, the clock resuming) send nothing.

Mail is queued in the caller's transaction: it goes out only if the change commits.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Callable

from flask_babel import force_locale, format_date
from flask_babel import gettext as _

from portal.dsr.letters import queue_letter
from portal.dsr.models import DataRequest, EventKind, RequestEvent
from portal.dsr.status import RequestStatus
from portal.dsr.workflow import Change
from portal.mail.models import OutboxMessage
from portal.mail.services import external_url, queue_mail

E, S = EventKind, RequestStatus
# Which event a mail is about when a change holds several, most important first.
PRIORITY = (E.DECISION, E.WITHDRAWN, E.MESSAGE_TO_REQUESTER, E.EXTENDED, E.RECEIVED,
            E.ACKNOWLEDGED, E.VERIFIED, E.STATUS_CHANGED)
REQUESTER_ACTOR_TYPES = frozenset({"customer"})


@dataclass
class Notice:
    """A mail's words, already in the requester's language."""

    kind: str
    subject: str
    paragraphs: list[str] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)  # what was asked, in a few words
    applied: list[str] = field(default_factory=list)  # what we changed, as the `applied` events say it
    messages: list[str] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)


def _announced(event: RequestEvent) -> bool:
    if not event.visible_to_requester or event.kind not in PRIORITY:
        return False
    # A reply from the person puts the request back in progress: that is no news to them.
    return not (event.kind is E.STATUS_CHANGED and event.actor_type in REQUESTER_ACTOR_TYPES)


def _date(moment) -> str:
    return format_date(moment, "long")


def _headline(request: DataRequest, main: RequestEvent, kinds: set[EventKind]) -> tuple[str, str, list[str]]:
    """(kind, subject, opening paragraphs) for the mail about `main`."""
    due = request.due_at
    if main.kind is E.DECISION and main.to_status is S.COMPLETED:
        if E.RECEIVED in kinds:
            return "completed", _("Your request has been carried out"), [
                _("We received your request and carried it out at once. Nothing more is needed from you.")]
        return "completed", _("Your request is complete"), [
            _("We have completed your request. The details are on the portal.")]
    if main.kind is E.DECISION:
        return "rejected", _("Our answer to your request"), [
            _("We are sorry: we cannot carry out your request, for the reason below."),
            _("If you disagree, you can reply to us on the portal or contact our desk.")]
    if main.kind is E.WITHDRAWN:
        return "withdrawn", _("Your request has been withdrawn"), [
            _("Your request is withdrawn. We will not work on it any further.")]
    if main.kind is E.MESSAGE_TO_REQUESTER:
        opening = [_("We have written to you about your request. Our message is below.")]
        if request.status is S.AWAITING_REQUESTER:
            opening.append(_("We need your answer to continue. Please reply on the portal."))
        return "message", _("A message about your request"), opening
    if main.kind is E.EXTENDED:
        return "extended", _("We need more time for your request"), [
            _("We have extended the deadline for our answer to %(date)s, for the reason below.", date=_date(due))]
    if main.kind in (E.RECEIVED, E.ACKNOWLEDGED):
        opening = [_("We have received your request.")]
        if due is not None:
            opening.append(_("Our staff will now look at it and answer by %(date)s at the latest. If we need "
                             "anything from you, we will write to you.", date=_date(due)))
        else:
            opening.append(_("We will first check the details we need to confirm the request. The deadline for "
                             "our answer starts once that is done, and we will tell you the date."))
        return "received", _("We have received your request"), opening
    if main.kind is E.VERIFIED:
        return "verified", _("Your request is confirmed"), [
            _("We have confirmed your request. We will answer by %(date)s at the latest.", date=_date(due))]
    if main.to_status is S.IN_PROGRESS:
        return "in_progress", _("We are working on your request"), [
            _("Our staff have started working on your request.")]
    if main.to_status is S.AWAITING_REQUESTER:
        return "awaiting", _("We need information from you"), [
            _("We need information from you to continue. Please look at the request on the portal.")]
    return "status", _("The status of your request has changed"), [
        _("Your request is now: %(status)s.", status=request.status.label)]


def build_notice(change: Change) -> Notice | None:
    """The words of the mail about `change`, in the current locale; None when nothing is news."""
    events = [event for event in change.for_requester if _announced(event)]
    if not events:
        return None
    request = change.request
    kinds = {event.kind for event in events}
    main = min(events, key=lambda event: PRIORITY.index(event.kind))
    kind, headline, paragraphs = _headline(request, main, kinds)
    notice = Notice(kind=kind, subject=_("[%(reference)s] %(headline)s", reference=request.reference,
                                         headline=headline), paragraphs=paragraphs)
    notice.messages = [event.body for event in events if event.kind is E.MESSAGE_TO_REQUESTER and event.body]
    # A staff decision's `applied` event says exactly what changed in the data, one line each.
    notice.applied = [line for event in change.for_requester if event.kind is E.APPLIED and event.body
                      for line in event.body.splitlines() if line.strip()]
    notice.facts = [(_("Reference"), request.reference), (_("Request"), str(request.type.label)),
                    (_("Status"), str(request.status.label))]
    if request.is_open and request.due_at is not None:
        notice.facts.append((_("Answer due by"), _date(request.due_at)))
    for event in events:
        if event.kind is E.DECISION and event.to_status is S.REJECTED and event.body:
            notice.facts.append((_("Reason"), event.body))
        if event.kind is E.EXTENDED and event.body:
            notice.facts.append((_("Reason for the extension"), event.body))
    return notice


def notify_requester(change: Change, *, summary: Callable[[], list[str]] | None = None) -> OutboxMessage | None:
    """Queue the mail about `change` to the requester (None when it holds no news for them).

    `summary` returns lines saying what was asked (never personal values: mail is not the
    place for them); it is called in the request's language.
    """
    request = change.request
    language = request.language.value
    with force_locale(language):
        notice = build_notice(change)
        if notice is not None and summary is not None:
            notice.summary = [str(line) for line in summary()]
    if notice is None:
        return None
    if request.answers_by_post:
        # No address to mail: the same words wait on the request page as a letter to post.
        queue_letter(request, kind=notice.kind, content=asdict(notice))
        return None
    return queue_mail(
        to=request.requester_email, template="request_update", language=language, kind=f"dsr.{notice.kind}",
        request_id=request.id, flush=False,  # written with the change's commit
        # Rendered by the mail worker: a filing's time holds the words, not three templates.
        render_when_sent=True, notice=asdict(notice),
        link=external_url("customer.request_detail", reference=request.reference),
    )
