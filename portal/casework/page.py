"""Putting the request page together: its panes, the actions its status allows, its forms.

Every rendering of the page is a view of personal data, so it is audited here, once per
rendering — after a refused action too, since the page shows the request again.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app, render_template, url_for
from flask import request as http
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from portal.common.choices import options
from portal.casework import display, forms, person, services
from portal.casework.services import decisions_need_confirmation
from portal.common.time import utcnow
from portal.i18n import WHEN_PATTERNS, current_language
from portal.inventory.labels import detail_name, field_name, staff_category_name
from portal.dsr.labels import RESIDENCE_WORDS
from portal.dsr import approvals, delivery, ownership
from portal.dsr.decisions import describe_decision_form, preview_decision
from portal.dsr.decisions.four_eyes import is_preparer, stored_decision
from portal.dsr.models import (ApprovalKind, ApprovalState, DataRequest, DecisionApproval, EventKind, Jurisdiction,
                               RequestType)
from portal.dsr.queries import timeline
from portal.dsr.status import RequestStatus, can_transition
from portal.extensions import db
from portal.staff.auth import current_staff
from portal.staff.login import staff_actor
from portal.staff.models import StaffRole

S = RequestStatus
MESSAGE_KINDS = frozenset({EventKind.MESSAGE_TO_REQUESTER, EventKind.MESSAGE_FROM_REQUESTER})

#: The form class behind each action name (also the names the templates use).
FORMS = {
    "verify": forms.VerifyForm, "start": forms.StartForm, "resume": forms.ResumeForm, "ask": forms.AskForm,
    "extend": forms.ExtendForm, "reject": forms.RejectForm, "complete": forms.CompleteForm,
    "match": forms.MatchForm, "message": forms.MessageForm, "reply": forms.ReplyForm, "note": forms.NoteForm,
    "claim": forms.ClaimForm, "assign": forms.AssignForm,
    "resend": forms.ResendForm, "answered_otherwise": forms.AnsweredOtherwiseForm,
    "approve": forms.ApproveForm, "send_back": forms.SendBackForm,
}


def available_actions(request: DataRequest, *, manager: bool, may_act: bool = True,
                      undelivered: bool = False, pending: DecisionApproval | None = None,
                      preparer: bool = False) -> set[str]:
    """What the status machine (and the viewer's role) allows now; the services check again.
    A colleague's request (`may_act` false) is read-only: the one ownership rule of
    `portal.dsr.ownership` refuses every change to it. `undelivered`: an answer did not arrive,
    so sending it again or recording another answer is offered, on closed requests too.
    `pending`: a decision waits for a manager's approval (four eyes); no other decision can be
    made meanwhile, and managers approve it — unless they prepared it (`preparer`) — or send it back."""
    if not may_act:
        return set()
    if pending is not None and request.is_open:
        actions = available_actions(request, manager=manager, undelivered=undelivered) - {"complete", "reject"}
        if manager:
            actions.add("send_back")
            if not preparer:
                actions.add("approve")
        return actions
    settle = {"resend", "answered_otherwise"} if undelivered else set()
    if not request.is_open:
        return {"note"} | settle
    actions = {"note", "message", "reply", "match"}
    if can_transition(request.status, S.VERIFIED):
        actions.add("verify")
    if request.status is S.VERIFIED:
        actions.add("start")
    if request.status in (S.VERIFIED, S.IN_PROGRESS):
        actions.add("ask")
    if request.status in (S.VERIFIED, S.IN_PROGRESS, S.AWAITING_REQUESTER):
        actions.add("complete")  # the decision moves it in progress first
    if request.status is S.AWAITING_REQUESTER:
        actions.add("resume")
    if can_transition(request.status, S.REJECTED):
        actions.add("reject")
    if request.due_at is not None:
        actions.add("extend")
    if request.assignee_id is None:
        actions.add("claim")
    if manager:
        actions.add("assign")
    return actions | settle


def preparer_name(approval: DecisionApproval, names: dict[int, str]) -> str:
    """Who prepared a decision waiting for approval (a staff member, or an API token's owner)."""
    if approval.prepared_by and approval.prepared_by.isdigit():
        return names.get(int(approval.prepared_by), _("Staff member #%(id)s", id=approval.prepared_by))
    return approval.prepared_by_type


@dataclass(frozen=True)
class NextStep:
    """What the request needs next, and the one action (a name in FORMS, or None) that does it."""

    action: str | None
    title: str
    explanation: str


def next_step(request: DataRequest, actions: set[str], pending: DecisionApproval | None = None,
              names: dict[int, str] | None = None) -> NextStep:
    """The first thing to do on this request, as the top of its page offers it."""
    if pending is not None and request.is_open:
        preparer = preparer_name(pending, names or {})
        when = format_datetime(pending.prepared_at, WHEN_PATTERNS.get(current_language(), WHEN_PATTERNS["en"]))
        if "approve" in actions:
            return NextStep("approve", _("Approve or send back the decision"), _(
                "%(name)s prepared this decision on %(when)s. Check what will change, then approve it — it is "
                "applied at once and the requester is told — or send it back with a reason.", name=preparer, when=when))
        return NextStep(None, _("Awaiting approval by a manager"), _(
            "%(name)s submitted this decision on %(when)s. A manager other than the one who prepared it approves it "
            "or sends it back; nothing is applied and the requester is told nothing until then.",
            name=preparer, when=when))
    if not request.is_open:
        return NextStep(None, _("Nothing left to do"), _("This request is closed (%(status)s). Only internal notes can still be added.",
                                                         status=request.status.label))
    if "verify" in actions:
        if request.is_agent:
            return NextStep("verify", _("Check the agent's authority and verify"),
                            _("Check that the agent's letter of authority covers this request, then verify it."))
        return NextStep("verify", _("Verify who the requester is"),
                        _("Verify once you are sure who the requester is. The deadline starts counting under the policy."))
    if request.person_id is None and "match" in actions:
        return NextStep("match", _("Find the person in the register"),
                        _("Match the request to a person before applying a decision."))
    if request.status is S.AWAITING_REQUESTER:
        return NextStep("resume", _("Waiting for the requester"),
                        _("Put the request back in progress, e.g. when the requester answered by another way."))
    if "complete" in actions:
        return NextStep("complete", _("Decide and complete"),
                        _("Completing applies the decision to the data and closes the request, in one step. The requester is told."))
    return NextStep(None, _("No action is possible now"), "")


#: What each law asks a refusal to tell the requester (the reason field's hint), per request type
#: where the law has its own rule for it; `None`: every other type under that law.
REJECTION_LAW = {
    (Jurisdiction.APPI, None): _l("The requester is told why we cannot carry out the request (APPI Art. 36)."),
    (Jurisdiction.GDPR, None): _l("The requester is told why, and that they may complain to a supervisory authority "
                                  "and seek a judicial remedy (GDPR Art. 12(4)). A manifestly unfounded or excessive "
                                  "request may be refused (Art. 12(5))."),
    (Jurisdiction.GDPR, RequestType.ERASURE): _l(
        "The requester is told why, and that they may complain to a supervisory authority and seek a judicial "
        "remedy (GDPR Art. 12(4)). Erasure may be refused only on the grounds of Art. 17(3) (e.g. a legal "
        "obligation to keep the data, legal claims) or Art. 12(5)."),
    (Jurisdiction.GDPR, RequestType.DISCLOSURE): _l(
        "The requester is told why, and that they may complain to a supervisory authority and seek a judicial "
        "remedy (GDPR Art. 12(4)). A copy may leave out what would adversely affect the rights and freedoms of "
        "others (Art. 15(4)); a manifestly unfounded or excessive request may be refused (Art. 12(5))."),
    (Jurisdiction.CCPA, None): _l("The requester is told the basis for the denial (CCPA Regulations, 11 CCR "
                                  "§ 7022 for deletion, § 7023 for correction, § 7024 for requests to know)."),
    (Jurisdiction.CCPA, RequestType.ERASURE): _l(
        "The requester is told the basis for the denial, including any exception to the CCPA, and that personal "
        "information not covered by it is deleted (11 CCR § 7022(f))."),
    (Jurisdiction.CCPA, RequestType.CORRECTION): _l(
        "The requester is told the basis for the denial of the correction (11 CCR § 7023)."),
    (Jurisdiction.CCPA, RequestType.DISCLOSURE): _l(
        "The requester is told the basis for the denial, unless a law forbids it (11 CCR § 7024)."),
    (Jurisdiction.CCPA, RequestType.PROVISION_RECORDS): _l(
        "The requester is told the basis for the denial, unless a law forbids it (11 CCR § 7024)."),
}


def rejection_law(request: DataRequest):
    """The hint under a refusal's reason: what the request's own law asks the refusal to say."""
    return REJECTION_LAW.get((request.jurisdiction, request.type)) or REJECTION_LAW[(request.jurisdiction, None)]


#: The actions folded under "other actions", in this order, with their titles.
FOLDED = ("complete", "verify", "start", "resume", "ask", "extend", "reject")


def other_actions(request: DataRequest, actions: set[str], step: NextStep, *, failed: str | None) -> list[tuple[str, str]]:
    titles = {"complete": _("Decide and complete"), "verify": _("Verify"), "start": _("Start work"),
              "resume": _("Continue without waiting"), "ask": _("Ask the requester for information"),
              "extend": _("Extend the deadline"), "reject": _("Reject")}
    offered = []
    for name in FOLDED:
        if name == step.action or (name not in actions and name != failed):
            continue
        if name == "extend" and failed != "extend" and (not request.policy.extension_period or request.extended_at):
            continue  # once only, and only where the policy allows it
        offered.append((name, titles[name]))
    return offered


def assignee_choices(staff: list | None = None) -> list[SelectChoice]:
    """The assignee select's options; `staff` when the caller has already read `active_staff()`."""
    staff = services.active_staff() if staff is None else staff
    return options([("", _("Nobody (shared queue)"))] + [(str(u.id), u.name) for u in staff])


AUTHORITY_DOCUMENT_RULE = "/staff/requests/<reference>/authority-document"


def authority_document_url(request: DataRequest) -> str | None:
    """The letter of authority's staff route (found by its path: another feature owns it)."""
    if not request.is_agent or request.authority_document_id is None:
        return None
    for rule in current_app.url_map.iter_rules():
        if rule.rule == AUTHORITY_DOCUMENT_RULE:
            return url_for(rule.endpoint, reference=request.reference)
    return None


def build_forms(request: DataRequest, seen: int, actions: set[str], *, failed: str | None = None,
                failed_form=None) -> dict:
    """A fresh form per action the page offers (each costs a little to build), opened at the
    current version; a refused one keeps its input."""
    built = {}
    for name, form_class in FORMS.items():
        if name not in actions and name != failed:
            continue
        form = failed_form if name == failed and failed_form is not None else form_class(formdata=None)
        if isinstance(form, forms.CaseForm):
            # The page shows the request as it is now, so a resubmission is based on this version.
            form.version.data, form.seen.data = str(request.version_id), str(seen)
        if name == "assign":
            form.assignee.choices = assignee_choices()
            if failed != "assign":
                form.assignee.data = str(request.assignee_id or "")
        if name == "reject":
            form.reason.description = rejection_law(request)
        if name == "extend" and request.policy.extension_unit:
            form.amount.label.text = _("Extend by (%(unit)s)", unit=display.unit_words(request.policy.extension_unit))
        built[name] = form
    return built


def render_case(request: DataRequest, *, status: int = 200, failed: str | None = None, failed_form=None,
                error=None, stale_events=None, full_data=None, person_search=None, now: datetime | None = None,
                confirm=None):
    """Render the request page (and audit that it was seen)."""
    user = current_staff()
    now = now or utcnow()
    events = timeline(request)
    seen = max((e.id for e in events), default=0)
    last_approval = approvals.latest(request) if request.is_open else None
    pending = last_approval if last_approval is not None and last_approval.state is ApprovalState.PENDING else None
    sent_back = last_approval if last_approval is not None and last_approval.state is ApprovalState.SENT_BACK else None
    names = display.staff_names(display.event_actor_ids(events + list(stale_events or [])) | {request.assignee_id}
                                | display.approval_staff_ids(last_approval))
    manager = user.may(StaffRole.MANAGER)
    may_act = ownership.may_act(request, user)
    undelivered = delivery.undelivered_answers(request.id)
    actor = staff_actor(user)
    actions = available_actions(request, manager=manager, may_act=may_act, undelivered=bool(undelivered),
                                pending=pending, preparer=pending is not None and is_preparer(pending, actor))
    step = next_step(request, actions, pending, names)
    if not may_act:
        step = NextStep(None, _("Taken by a colleague"), _(
            "%(name)s has taken this request: you can read it, but only they or a manager can change it.",
            name=names.get(request.assignee_id, f"#{request.assignee_id}")))
    html = render_template(
        "casework/request.html",
        req=request, user=user, now=now, manager=manager,
        pending=pending, pending_view=_pending_view(request, pending, names), sent_back=sent_back,
        preparer_name=preparer_name, four_eyes=approvals.required(request, ApprovalKind.ERASURE),
        four_eyes_rejection=approvals.required(request, ApprovalKind.REJECTION),
        due=display.due(request, now), policy=display.policy_words(request), undelivered=undelivered,
        badges=display.badges(request, now) + ([display.UNDELIVERED_BADGE()] if undelivered else [])
        + ([display.PENDING_APPROVAL_BADGE()] if pending else []),
        events=events, names=names, event_line=display.event_line, actor_name=display.actor_name,
        messages=[e for e in events if e.kind in MESSAGE_KINDS],
        notes=[e for e in events if e.kind is EventKind.INTERNAL_NOTE],
        actions=actions, next=step, confirm=confirm, destructive=decisions_need_confirmation(request),
        other_actions=other_actions(request, actions, step, failed=failed),
        decision_options=describe_decision_form(request) if "complete" in actions else None,
        decision_input=http.form if failed == "complete" else None, category_name=staff_category_name,
        forms=build_forms(request, seen, actions, failed=failed, failed_form=failed_form),
        failed=failed, error=error, stale_events=stale_events,
        summary=person.summary(request.person_id), concerned=person.concerned_items(request),
        candidates=person.candidates(request) if request.is_open else [],
        full_data=full_data, person_search=person_search,
        search_form=forms.PersonSearchForm(formdata=None),
        authority_url=authority_document_url(request),
        jurisdiction_name=display.jurisdiction_name, party=display.party, field_name=field_name, detail_name=detail_name,
        asked=display.asked_lines(request), residence_words=RESIDENCE_WORDS, channel_words=display.channel_words(),
    )
    # Audited once the page is built: committing first would expire what it shows.
    services.record_request_view(request, actor=actor)
    db.session.commit()
    return html, status


@dataclass(frozen=True)
class PendingView:
    """A decision waiting for approval, as the page shows it: who, when, what it will change."""

    approval: DecisionApproval
    preparer: str
    preview: object | None  # decisions.Preview for an erasure
    everything: bool
    answer: str | None
    reason: str | None  # a rejection's reason, as the requester will read it


def _pending_view(request: DataRequest, pending: DecisionApproval | None, names: dict[int, str]) -> PendingView | None:
    if pending is None:
        return None
    if pending.kind is ApprovalKind.ERASURE:
        decision = stored_decision(pending)
        preview = preview_decision(request, decision) if request.person_id is not None else None
        return PendingView(pending, preparer_name(pending, names), preview, bool(preview and preview.everything),
                           decision.answer, None)
    return PendingView(pending, preparer_name(pending, names), None, False, None, pending.decision.get("reason"))
