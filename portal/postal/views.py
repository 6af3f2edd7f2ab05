"""/requests/by-post: the request form for people without email, and what happens next.

Nobody is verified here: the request is filed unmatched and unverified, and staff match it
to the person, check their identity documents and answer by post.
"""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, session, url_for

from portal.extensions import db, limiter
from portal.i18n import current_language
from portal.postal.forms import PostalRequestForm
from portal.postal.services import file_postal_request

bp = Blueprint("postal", __name__)

FILED_KEY = "postal_filed"


def _limit() -> str:
    return current_app.config.get("PORTAL_POSTAL_FORM_LIMIT", "10 per hour")


@bp.route("/requests/by-post", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"], scope="postal-form")
def new_request():
    form = PostalRequestForm()
    if form.validate_on_submit():
        request = file_postal_request(form, language=current_language())
        db.session.commit()
        session[FILED_KEY] = request.reference
        return redirect(url_for(".received"))
    return render_template("postal/new_request.html", form=form), 422 if form.errors else 200


@bp.get("/requests/by-post/received")
def received():
    reference = session.get(FILED_KEY)
    if not reference:
        return redirect(url_for(".new_request"))
    return render_template("postal/received.html", reference=reference)
