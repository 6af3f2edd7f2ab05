"""What staff do on the request page: one route per action, each calling one service.

Every action: check the form → call the service → queue the requester's mail → commit →
flash and go back to the page. A refusal re-renders the page with the staff member's input
kept and the reason next to the form; a stale form (someone acted first) re-renders it with
"this request changed since you opened it" and the timeline events added since.
"""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.casework import services
from portal.casework.page import FORMS, assignee_choices, render_case
from portal.casework.request_views import open_case
from portal.casework.views import back_to, notify
from portal.customer.masking import mask_email
from portal.dsr import delivery
from portal.dsr.decisions import four_eyes
from portal.dsr import services as dsr
from portal.dsr.calendar import japan_date
from portal.dsr.errors import DsrError, StaleRequest
from portal.dsr.queries import get_by_reference
from portal.dsr.status import RequestStatus
from portal.extensions import db
from portal.inventory.models import Person
from portal.staff.auth import current_staff, role_required, staff_required
from portal.staff.blueprint import bp
from portal.staff.login import staff_actor
from portal.staff.models import StaffRole

S = RequestStatus


def _actor():
    return staff_actor(current_staff())


def _due(case) -> str:
    return format_date(japan_date(case.due_at), "long") if case.due_at else ""


def _is_stale(form, case) -> bool:
    version = getattr(form, "version", None)
    if version is None or "version" in form.errors:
        return False
    return int(version.data) != case.version_id


def _stale(reference: str, name: str, form):
    """The page as it is now, the events since the form was opened, and the form's input kept."""
    db.session.rollback()
    case = get_by_reference(reference)
    since = services.events_since(case, getattr(form, "seen_event", None))
    return render_case(case, status=409, failed=name, failed_form=form, stale_events=since,
                       error=StaleRequest.default_message)


def _act(reference: str, name: str, perform, success):
    """Run one action; `perform(case, form)` returns the service's Change, `success(case)` the flash."""
    case = open_case(reference)
    reference = case.reference  # read now: after a failed flush the object cannot be read
    form = FORMS[name]()
    if name == "assign":
        form.assignee.choices = assignee_choices()
    if not form.validate_on_submit():
        if _is_stale(form, case):
            return _stale(reference, name, form)
        return render_case(case, status=422, failed=name, failed_form=form, error=form.hidden_problem)
    try:
        change = perform(case, form)
        notify(change)
        db.session.commit()
    except services.ConfirmationNeeded as needed:
        db.session.rollback()
        return render_case(get_by_reference(reference), failed=name, failed_form=form,
                           confirm=needed.preview)
    except StaleRequest:
        return _stale(reference, name, form)
    except DsrError as refused:
        db.session.rollback()
        return render_case(get_by_reference(reference), status=422, failed=name, failed_form=form,
                           error=refused.message)
    flash(success(case), "success")
    return redirect(url_for("staff.request_page", reference=reference))


@bp.post("/requests/<reference>/verify")
@staff_required
def verify(reference: str):
    return _act(reference, "verify",
                lambda case, form: dsr.verify_request(case, actor=_actor(), note=form.note.data,
                                                      documents=form.documents.data,
                                                      expected_version=form.expected_version),
                lambda case: _("The request is verified. The answer is due by %(date)s.", date=_due(case)))


@bp.post("/requests/<reference>/start")
@staff_required
def start(reference: str):
    return _act(reference, "start",
                lambda case, form: dsr.transition(case, S.IN_PROGRESS, actor=_actor(),
                                                  expected_version=form.expected_version),
                lambda case: _("The request is now in progress."))


@bp.post("/requests/<reference>/resume")
@staff_required
def resume(reference: str):
    return _act(reference, "resume",
                lambda case, form: dsr.transition(case, S.IN_PROGRESS, actor=_actor(), note=form.note.data,
                                                  expected_version=form.expected_version),
                lambda case: _("The request is now in progress."))


@bp.post("/requests/<reference>/ask")
@staff_required
def ask(reference: str):
    return _act(reference, "ask",
                lambda case, form: dsr.ask_requester(case, body=form.body.data, actor=_actor(),
                                                     expected_version=form.expected_version),
                lambda case: _("Your message was sent. The request now waits for the requester."))


@bp.post("/requests/<reference>/extend")
@staff_required
def extend(reference: str):
    return _act(reference, "extend",
                lambda case, form: dsr.extend_deadline(case, reason=form.reason.data, amount=form.amount.data,
                                                       actor=_actor(), expected_version=form.expected_version),
                lambda case: _("The deadline is extended to %(date)s. The requester is told why.", date=_due(case)))


@bp.post("/requests/<reference>/reject")
@staff_required
def reject(reference: str):
    return _act(reference, "reject",
                lambda case, form: services.reject(case, reason=form.reason.data, note=form.note.data, actor=_actor(),
                                                   expected_version=form.expected_version),
                lambda case: _SUBMITTED() if services.submitted_for_approval(case)
                else _("The request is rejected. The requester is told the reason."))


@bp.post("/requests/<reference>/complete")
@staff_required
def complete(reference: str):
    """Complete with the decision; an erasure (or suspension of everything) first shows what it
    will change, and is applied only from that confirmation."""
    return _act(reference, "complete",
                lambda case, form: services.complete_with_decision(
                    case, actor=_actor(), decision_form_data=request.form, expected_version=form.expected_version),
                lambda case: _SUBMITTED() if services.submitted_for_approval(case)
                else _("The request is completed. The requester is told."))


def _SUBMITTED() -> str:  # noqa: N802 — one sentence, translated when shown
    return _("The decision is submitted for approval. A manager other than you approves it or sends it back; "
             "nothing is applied and the requester is told nothing until then.")


@bp.post("/requests/<reference>/approve")
@role_required(StaffRole.MANAGER)
def approve(reference: str):
    """Four eyes: a manager (not the one who prepared it) applies the decision waiting for approval."""
    return _act(reference, "approve",
                lambda case, form: four_eyes.approve(case, actor=_actor(), expected_version=form.expected_version),
                lambda case: _("The decision is approved and applied. The requester is told."))


@bp.post("/requests/<reference>/send-back")
@role_required(StaffRole.MANAGER)
def send_back(reference: str):
    """Four eyes: a manager sends the decision back with a reason; nothing is applied."""
    return _act(reference, "send_back",
                lambda case, form: four_eyes.send_back(case, actor=_actor(), reason=form.reason.data,
                                                       expected_version=form.expected_version),
                lambda case: _("The decision is sent back. Nothing was applied; the reason is shown on the request."))


@bp.post("/requests/<reference>/resend")
@staff_required
def resend(reference: str):
    return _act(reference, "resend",
                lambda case, form: delivery.resend_answer(case, mail_id=int(form.mail.data), actor=_actor(),
                                                          expected_version=form.expected_version),
                lambda case: _("The mail is sent again to %(address)s.", address=mask_email(case.requester_email)))


@bp.post("/requests/<reference>/answered-otherwise")
@staff_required
def answered_otherwise(reference: str):
    return _act(reference, "answered_otherwise",
                lambda case, form: delivery.answered_otherwise(case, mail_id=int(form.mail.data), note=form.note.data,
                                                               actor=_actor(), expected_version=form.expected_version),
                lambda case: _("Recorded: the requester was answered another way."))


def _match(case, form):
    if db.session.get(Person, form.person_id.data) is None:
        raise DsrError(_l("Choose a person from the register."))
    return dsr.match_person(case, form.person_id.data, actor=_actor(), expected_version=form.expected_version)


@bp.post("/requests/<reference>/match")
@staff_required
def match(reference: str):
    return _act(reference, "match", _match, lambda case: _("The request is matched to a person in the register."))


@bp.post("/requests/<reference>/message")
@staff_required
def message(reference: str):
    return _act(reference, "message",
                lambda case, form: services.message_requester(case, body=form.body.data, actor=_actor(),
                                                              expected_version=form.expected_version),
                lambda case: _("Your message was sent to the requester."))


@bp.post("/requests/<reference>/reply")
@staff_required
def reply(reference: str):
    return _act(reference, "reply",
                lambda case, form: services.record_reply(case, body=form.body.data, actor=_actor(),
                                                         expected_version=form.expected_version),
                lambda case: _("The requester's reply is recorded."))


@bp.post("/requests/<reference>/note")
@staff_required
def note(reference: str):
    return _act(reference, "note",
                lambda case, form: services.add_note(case, body=form.body.data, actor=_actor(),
                                                     expected_version=form.expected_version),
                lambda case: _("Your note was added."))


@bp.post("/requests/<reference>/assign")
@role_required(StaffRole.MANAGER)
def assign(reference: str):
    return _act(reference, "assign",
                lambda case, form: services.assign_to(
                    case, assignee_id=int(form.assignee.data) if form.assignee.data else None, actor=_actor(),
                    expected_version=form.expected_version),
                lambda case: _("The assignment has been changed."))


@bp.post("/requests/<reference>/claim")
@staff_required
def claim(reference: str):
    """One click, from the queue or the page: flash the outcome and go back where it came from."""
    case = open_case(reference)
    reference = case.reference
    form = FORMS["claim"]()
    target = back_to(url_for("staff.request_page", reference=reference))
    if not form.validate_on_submit():
        flash(_("This form is incomplete. Please reload the page."), "error")
        return redirect(target)
    try:
        notify(services.claim(case, user=current_staff(), actor=_actor(), expected_version=form.expected_version))
        db.session.commit()
    except DsrError as refused:  # StaleRequest included: the page shows who has it now
        db.session.rollback()
        flash(str(refused.message), "error")
        return redirect(target)
    flash(_("%(reference)s is now assigned to you.", reference=reference), "success")
    return redirect(target)
