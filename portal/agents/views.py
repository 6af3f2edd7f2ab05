"""Public pages for agents, and the form of a verified requester we could not match.

An agent first proves their OWN address with the usual mail check (`next` brings them back
to the form), so their session is a customer session holding the agent's address; the
request names the agent as requester and describes the person separately.
"""
from __future__ import annotations

import hashlib
from typing import Callable

from flask import Blueprint, current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge

from portal.agents import services, uploads
from portal.agents.forms import (AgentRequestForm, UnmatchedRequestForm, has_a_way_to_find,
                                 new_idempotency_key)
from portal.audit.services import Actor
from portal.dsr import services as dsr
from portal.dsr.errors import DsrError
from portal.dsr.notifications import notify_requester
from portal.extensions import db, limiter
from portal.i18n import current_language
from portal.verification.session import current_customer, customer_required

bp = Blueprint("agents", __name__)

FILED_KEY = "agents_filed"


@bp.after_request
def _no_store(response):
    # The forms echo personal details back on errors: keep them out of shared caches.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error):
    limit = uploads.megabytes(uploads.max_bytes())
    return render_template("agents/too_large.html", limit=limit), 413


def _limit_per_ip() -> str:
    return current_app.config.get("PORTAL_REQUEST_FORM_LIMIT_PER_IP", "30 per hour")


def _scoped_key(email: str, submitted: str) -> str:
    """The form's key, scoped to the proven address: nobody can replay or block another's."""
    return f"web:{hashlib.sha256(email.encode()).hexdigest()[:16]}:{submitted}"


def _summary(request) -> list[str]:
    if request.is_agent:
        return [_("You asked on behalf of another person. Our staff check your authority before we start.")]
    return [_("We hold no data under your email address. Our staff will look for it using the details you gave.")]


def _announce(filing: services.Filing) -> None:
    """One receipt per request, and the confirmation of receipt a policy may ask for (CCPA)."""
    for change in filing.changes:
        if change.request.policy.acknowledge_period:
            ack = dsr.acknowledge(change.request, actor=Actor.system())
            change.events.extend(ack.events)
        notify_requester(change, summary=lambda request=change.request: _summary(request))


def _valid(form) -> bool:
    """The form's own checks, and one more: a name alone finds nobody."""
    if not form.is_submitted():
        return False
    valid = form.validate_on_submit()
    if not has_a_way_to_find(form):
        form.subject_phone.errors = [*form.subject_phone.errors, _(
            "Please give at least one of: an email address, a phone number, an address or a customer number.")]
        return False
    return valid


def _commit(filing: services.Filing) -> None:
    """Announce and commit; if anything fails, no stored file outlives its rolled-back row."""
    try:
        if filing.created:
            _announce(filing)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        uploads.discard(filing.stored_name)
        raise


def _file(file_it: Callable[[], services.Filing]):
    """File, announce and commit, then on to the confirmation page; None after a refusal,
    which is rolled back and shown on the form."""
    try:
        filing = file_it()
        _commit(filing)
    except DsrError as error:
        db.session.rollback()
        flash(error.message, "error")
        return None
    session[FILED_KEY] = filing.references
    if not filing.created:
        flash(_("We had already received this request. Nothing was filed twice."), "info")
    return redirect(url_for(".filed"))


@bp.get("/agents")
def index():
    """How an agent (法定代理人 or 任意代理人) files a request for someone else."""
    return render_template("agents/index.html", limit=uploads.megabytes(uploads.max_bytes()),
                           verified=current_customer() is not None)


# Each accepted post may store a file of up to 10 MB: keep one address from filling the disk.
@bp.route("/agents/request", methods=["GET", "POST"])
@limiter.limit(_limit_per_ip, methods=["POST"], scope="agents-form")
@customer_required
def new_request():
    """The agent's form: who they are, who the person is, what they ask, and the letter."""
    customer = current_customer()
    form = AgentRequestForm(idempotency_key=new_idempotency_key())
    if _valid(form):
        filed = _file(lambda: services.file_agent_request(
            agent=form.agent(customer.email), subject=form.subject(), types=form.request_types.data,
            description=form.description.data, residence=form.residence.data, language=current_language(),
            upload=form.checked_upload, idempotency_key=_scoped_key(customer.email, form.idempotency_key.data),
            actor=Actor("customer", None),
        ))
        if filed is not None:
            return filed
    return render_template("agents/form.html", form=form, limit=uploads.megabytes(uploads.max_bytes()),
                           agent_email=customer.email), 400 if form.errors else 200


@bp.route("/my/requests/new/without-match", methods=["GET", "POST"])
@limiter.limit(_limit_per_ip, methods=["POST"], scope="unmatched-form")
@customer_required
def unmatched_request():
    """A verified address that matches nobody can still file: staff then look for the person."""
    customer = current_customer()
    if customer.person_id is not None:
        # We know this customer: the ordinary request forms fit them better.
        return redirect(url_for("customer.new_request") if "customer.new_request" in current_app.view_functions
                        else url_for("customer.my_data"))
    form = UnmatchedRequestForm(idempotency_key=new_idempotency_key())
    if _valid(form):
        filed = _file(lambda: services.file_unmatched_request(
            email=customer.email, subject=form.subject(), types=form.request_types.data,
            description=form.description.data, residence=form.residence.data, language=current_language(),
            idempotency_key=_scoped_key(customer.email, form.idempotency_key.data),
            actor=Actor("customer", None),
        ))
        if filed is not None:
            return filed
    return render_template("agents/unmatched_form.html", form=form, email=customer.email), 400 if form.errors else 200


@bp.get("/agents/request/filed")
@customer_required
def filed():
    references = session.get(FILED_KEY)
    if not references:
        return redirect(url_for(".index"))
    return render_template("agents/filed.html", references=references,
                           has_my_requests="customer.my_requests" in current_app.view_functions)
