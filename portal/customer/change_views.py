"""Changing data and consents: corrections (/my/requests/new/correction, /my/items/<id>/correct),
a new email address waiting for its link (/my/email-change) and consents (/my/consents). Routes
on the `customer` blueprint.

Corrections show full values and may change contact details at once, so they need the extra
check; consents can always be withdrawn (saying "stop" must be easy).
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from portal.customer import consents as consent_services
from portal.customer import corrections, email_change
from portal.inventory.labels import category_name, field_name
from portal.customer.request_forms import CorrectionForm, ConsentForm
from portal.customer.request_services import Requester
from portal.customer.request_views import Filed, after_filing, commit_filing, filed, person_id_or_404
from portal.customer.views import bp
from portal.dsr.errors import DsrError
from portal.extensions import db
from portal.inventory.changes import ChangeRefused
from portal.inventory.models import ConsentState, Item
from portal.verification.session import customer_required, stepped_up_required


def _proposals(form: CorrectionForm, items: dict[int, Item]) -> list[corrections.Proposal] | None:
    """The form's entries as proposals; None after attaching errors to the entries at fault."""
    proposals, ok = [], True
    for entry in form.changes:
        if entry.action.data not in ("change", "delete"):
            continue
        item = items[int(entry.item_id.data)]
        proposed = corrections.normalise_proposal(item, entry.proposed.data) if entry.action.data == "change" else None
        problem = corrections.value_problem(item, proposed) if proposed is not None else None
        if problem:
            entry.proposed.errors.append(problem)
            ok = False
        proposals.append(corrections.Proposal(entry.action.data, item, item.category.value, item.field,
                                              proposed, entry.reason.data))
    for entry in form.additions:
        if not entry.is_blank:
            proposals.append(corrections.Proposal("add", None, entry.category.data, entry.what.data,
                                                  entry.value.data, entry.reason.data))
    return proposals if ok else None


def _posted_items(form: CorrectionForm, person_id: int) -> dict[int, Item]:
    """The items the form names; one that is not the customer's is "not found", never shown."""
    items = {}
    for entry in form.changes:
        try:
            item = corrections.own_item(person_id, int(entry.item_id.data))
        except (TypeError, ValueError):
            item = None
        if item is None:
            abort(404)
        items[item.id] = item
    return items


def _correction(items: list[Item], *, single: bool):
    person_id = person_id_or_404()
    form = CorrectionForm()
    if request.method == "GET":
        for item in items:
            form.changes.append_entry({"item_id": item.id, "action": "change" if single else "keep"})
    by_id = _posted_items(form, person_id)
    if form.validate_on_submit():
        replayed = corrections.filed_before(Requester.current(), form.idempotency_key.data)
        if replayed:
            return after_filing([Filed.of(change) for change in replayed])
        proposals = _proposals(form, by_id)
        if proposals is not None:
            try:
                changes, pending = corrections.file_correction(
                    Requester.current(), proposals, residence=form.residence.data,
                    idempotency_key=form.idempotency_key.data)
            except (ChangeRefused, DsrError) as error:
                db.session.rollback()
                form.form_errors.append(error.message)
            else:
                return _after_correction(commit_filing(changes), pending)
    rows = [(entry, by_id[int(entry.item_id.data)]) for entry in form.changes]
    return render_template("customer/requests/correction.html", form=form, rows=rows, single=single,
                           self_service=corrections.is_self_service, confirm_first=email_change.needs_confirmation,
                           category_name=category_name,
                           field_name=field_name)


#: The item whose change the customer just asked for: the page names its current address.
PENDING_ITEM_KEY = "email_change_item"


def _sent_message(pending: email_change.Pending) -> str:
    return _("We sent a link to %(new)s. Until you confirm the change with it, your address stays %(current)s.",
             new=pending.new_address, current=pending.current_address or "—")


def _after_correction(shown: list[Filed], pending):
    """A new email address waits for its link: its own page when nothing else was filed, else
    a note above the requests that were."""
    if pending:
        session[PENDING_ITEM_KEY] = pending[-1].item_id
        if not shown:
            return redirect(url_for(".email_change_sent"))
        for each in pending:
            flash(_sent_message(each), "info")
    return after_filing(shown)


@bp.route("/requests/new/correction", methods=["GET", "POST"])
@stepped_up_required
def new_correction():
    """Every item of the smaller categories, each to keep, change or delete, and additions."""
    return _correction(corrections.correctable_items(person_id_or_404()), single=False)


@bp.route("/items/<int:item_id>/correct", methods=["GET", "POST"])
@stepped_up_required
def correct_item(item_id: int):
    """One item (any item, purchase lines too): propose a new value or its deletion."""
    item = corrections.own_item(person_id_or_404(), item_id)
    if item is None:
        abort(404)
    return _correction([item], single=True)


@bp.get("/email-change")
@stepped_up_required
def email_change_sent():
    """"Check the mail at your new address": what waits for the link, and until when."""
    pending = email_change.pending_change(person_id_or_404(), item_id=session.get(PENDING_ITEM_KEY))
    return render_template("customer/email_change/sent.html", pending=pending,
                           hours=int(email_change.LIFETIME.total_seconds() // 3600))


@bp.route("/consents", methods=["GET", "POST"])
@customer_required
def consents():
    """Each consent-based use with its history and a button to withdraw or give it again;
    each marketing use without consent with a button to object to it or lift the objection."""
    person_id = person_id_or_404()
    choices = consent_services.consent_choices(person_id)
    objections = consent_services.objection_choices(person_id)
    form = ConsentForm()
    if form.validate_on_submit():
        action, _sep, purpose_id = (form.change.data or "").partition(":")
        requester = Requester.current()
        options = dict(residence=form.residence.data, idempotency_key=form.idempotency_key.data)
        try:
            if action == "stop_all":
                change = consent_services.stop_all_marketing(requester, **options)
            elif action in ("withdraw", "grant"):
                choice = next((c for c in choices if str(c.purpose.id) == purpose_id), None)
                if choice is None:
                    abort(404)
                state = ConsentState.WITHDRAWN if action == "withdraw" else ConsentState.GRANTED
                change = consent_services.change_consent(requester, choice.purpose, state, **options)
            elif action in ("object", "lift"):
                found = next((c for c in objections if str(c.purpose.id) == purpose_id and c.objectionable), None)
                if found is None:
                    abort(404)
                change = consent_services.object_to_use(requester, found.purpose, objecting=action == "object",
                                                        **options)
            else:
                abort(400)
        except DsrError as error:
            db.session.rollback()
            flash(error.message, "info")
            return redirect(url_for("customer.consents"))
        filed(commit_filing([change]))
        return redirect(url_for("customer.consents"))
    return render_template("customer/requests/consents.html", form=form, choices=choices,
                           objections=objections, marketing=consent_services.marketing_purposes())
