"""/staff/requests/new: file a request that came by phone, post or at the counter.

One form, two buttons: "search" looks the person up in the register (an audited view of
personal data, nothing filed) and shows the form again with the people found; "file" files
the request through the same service as the API and opens its page.
"""
from __future__ import annotations

import secrets

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal.audit.services import record
from portal.casework.person import search_people
from portal.common.time import utcnow
from portal.dsr.calendar import japan_date
from portal.extensions import db
from portal.intake import forms
from portal.intake.services import IdentityCheck, IntakeRefused, file_staff_request
from portal.staff.auth import current_staff, staff_required
from portal.staff.login import staff_actor

bp = Blueprint("intake", __name__, url_prefix="/staff/requests")


def _render(form: forms.IntakeForm, *, people=None, status: int = 200):
    return render_template("intake/new.html", form=form, people=people), status


@bp.route("/new", methods=["GET", "POST"])
@staff_required
def new_request():
    """The intake form; its own search of the register; filing."""
    form = forms.IntakeForm()
    if request.method == "GET":
        form.received_on.data = japan_date(utcnow())
        form.token.data = secrets.token_hex(16)
        return _render(form)
    actor = staff_actor(current_staff())
    if request.form.get("do") == "search":
        people = []
        if form.person_q.data and form.person_q.validate(form):
            kind, people = search_people(form.person_q.data)
            record("staff.searched_persons", actor=actor, target_type="intake",
                   details={"by": kind, "found": len(people)})
            db.session.commit()
        return _render(form, people=people)
    if not form.validate_on_submit():
        return _render(form, status=422)
    identity = IdentityCheck(form.identity.data, tuple(form.documents.data or ()) if form.identity.data == "documents" else (),
                             form.identity_note.data or None)
    try:
        change = file_staff_request(
            type=form.type.data, policy=form.policy.data, channel=form.channel.data,
            received_on=form.received_on.data, person_id=int(form.person_id.data) if (form.person_id.data or "").isdigit() else None,
            requester_email=form.requester_email.data or None, requester_name=form.requester_name.data or None,
            language=form.language.data, description=form.description.data or None, identity=identity,
            document_words=dict(forms.DOCUMENTS), token=form.token.data, actor=actor)
    except IntakeRefused as refused:
        db.session.rollback()
        getattr(form, refused.field).errors = [*getattr(form, refused.field).errors, str(refused.message)]
        return _render(form, status=422)
    db.session.commit()
    flash(_("Request %(reference)s is filed.", reference=change.request.reference), "success")
    return redirect(url_for("staff.request_page", reference=change.request.reference))
