"""The link that confirms a new email address (/email-change/<token>): it works on any device,
signed in or not, so it has its own blueprint (the page saying what waits for it,
/my/email-change, is one of the customer's pages: change_views.py).

Opening the link only shows a button (mail scanners that fetch links must not use it up);
pressing it applies the change. A used, expired, superseded or tampered link changes nothing.
"""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request, session

from portal.customer import email_change
from portal.extensions import db
from portal.i18n import LANGUAGE_SESSION_KEY
from portal.inventory.changes import ChangeRefused
from portal.verification.forms import ConfirmForm
from portal.verification.services import Purpose, link_is_usable

bp = Blueprint("email_change", __name__)


def _in_the_links_language() -> None:
    """The link names the language its mail was written in; a visitor who has not chosen one
    reads the pages in it (in a browser set to English, a Japanese mail still opens in Japanese)."""
    language = request.args.get("lang")
    if language in current_app.config["PORTAL_LANGUAGES"] and LANGUAGE_SESSION_KEY not in session:
        session[LANGUAGE_SESSION_KEY] = language


@bp.route("/email-change/<token>", methods=["GET", "POST"])
def confirm(token: str):
    """The button that applies the change; the pages for a used, expired or refused link."""
    _in_the_links_language()
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            change = email_change.confirm(token)
        except email_change.LinkInvalid:
            db.session.rollback()
        except ChangeRefused as refused:
            db.session.rollback()
            return render_template("customer/email_change/refused.html", message=refused.message), 409
        else:
            new_address = change.request.details["changes"][0]["proposed"]
            db.session.commit()
            return render_template("customer/email_change/done.html", new_address=new_address,
                                   reference=change.request.reference)
    elif request.method == "GET" and link_is_usable(token, Purpose.EMAIL_CHANGE):
        return render_template("customer/email_change/confirm.html", form=form)
    db.session.rollback()
    return render_template("customer/email_change/invalid.html",
                           hours=int(email_change.LIFETIME.total_seconds() // 3600)), 400
