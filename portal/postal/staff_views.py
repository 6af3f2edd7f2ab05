"""Letters on the request page: print one, mark it posted, print a one-time code for the portal.

A letter is printed in the requester's language (a person who wrote in English gets English);
printing shows personal data to staff and is audited each time.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from markupsafe import Markup
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.casework.request_views import open_case
from portal.dsr.errors import DsrError
from portal.dsr.letters import PostalLetter, letters_for, mark_posted, mark_printed
from portal.dsr.models import RequestType
from portal.extensions import db
from portal.postal.appendix import disclosure_appendix
from portal.postal.forms import LetterForm
from portal.postal.recipients import recipient_of
from portal.staff.auth import current_staff, staff_required
from portal.staff.login import staff_actor
from portal.verification.postal import NoPersonToWriteTo, forget_code, issue_code_letter

bp = Blueprint("postal_staff", __name__, url_prefix="/staff/requests")

# The answers that carry the person's data with them (APPI Art. 33: disclosure in writing).
DISCLOSING = {RequestType.DISCLOSURE, RequestType.PROVISION_RECORDS}


LETTER_KINDS = {
    "received": _l("Receipt of the request"),
    "verified": _l("Confirmation of the request"),
    "completed": _l("Our answer: completed"),
    "rejected": _l("Our answer: rejected"),
    "withdrawn": _l("Withdrawal confirmed"),
    "message": _l("A message to the requester"),
    "extended": _l("Extension of the deadline"),
    "in_progress": _l("Work has started"),
    "awaiting": _l("We need information"),
    "status": _l("Status change"),
    "access_code": _l("One-time code for the portal"),
}


@bp.app_template_global()
def letter_kind_label(kind: str) -> str:
    return str(LETTER_KINDS.get(kind, _l("Letter")))


@bp.app_template_global()
def postal_letters(request) -> list[PostalLetter]:
    return letters_for(request.id)


def _letter_of(reference: str, letter_id: int):
    case = open_case(reference)
    letter = db.session.get(PostalLetter, letter_id)
    if letter is None or letter.request_id != case.id:
        abort(404)
    return case, letter


@bp.get("/<reference>/letters/<int:letter_id>")
@staff_required
def letter(reference: str, letter_id: int):
    """The letter, ready to print (the browser's print dialog; A4, no page furniture)."""
    case, letter = _letter_of(reference, letter_id)
    mark_printed(letter, actor=staff_actor(current_staff()))
    with_data = (letter.kind == "completed" and case.type in DISCLOSING and case.person_id is not None)
    with force_locale(letter.language):
        appendix = disclosure_appendix(case) if with_data else None
        body = render_template("postal/_letter_body.html", req=case, letter=letter, recipient=recipient_of(case),
                               appendix=appendix)
    page = render_template("postal/letter.html", req=case, letter=letter, body=Markup(body), form=LetterForm())
    db.session.commit()
    return page


@bp.post("/<reference>/letters/<int:letter_id>/posted")
@staff_required
def posted(reference: str, letter_id: int):
    if not LetterForm().validate_on_submit():
        abort(400)
    case, letter = _letter_of(reference, letter_id)
    reference = case.reference
    try:
        if mark_posted(letter, actor=staff_actor(current_staff())):
            forget_code(letter)
            flash(_("The letter is recorded as posted."), "success")
    except DsrError as refused:
        db.session.rollback()
        flash(str(refused.message), "error")
        return redirect(url_for("staff.request_page", reference=reference))
    db.session.commit()
    return redirect(url_for("staff.request_page", reference=reference))


@bp.post("/<reference>/code-letter")
@staff_required
def code_letter(reference: str):
    """A new one-time code for the portal, and its letter to print."""
    if not LetterForm().validate_on_submit():
        abort(400)
    case = open_case(reference)
    reference = case.reference
    try:
        letter = issue_code_letter(case, actor=staff_actor(current_staff()))
    except NoPersonToWriteTo:
        flash(_("Match the request to a person first: the code opens that person's data."), "error")
        return redirect(url_for("staff.request_page", reference=reference))
    except DsrError as refused:
        db.session.rollback()
        flash(str(refused.message), "error")
        return redirect(url_for("staff.request_page", reference=reference))
    db.session.commit()
    return redirect(url_for(".letter", reference=case.reference, letter_id=letter.id))
