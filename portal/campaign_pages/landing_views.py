"""The page a campaign notice links to (/c/<token>), the letter code page (/c/code), the
one-click unsubscribe (RFC 8058), and the "notices you received" part of "my data".

The link proves the mailbox, not the person, so values stay masked and nothing beyond the
notice is shown; "show me everything" goes to the normal verification.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal.campaign_pages.labels import campaign_words
from portal.campaigns import answers, links, progress
from portal.campaigns.answers import LinkState, Notice
from portal.campaigns.dates import answer_deadline
from portal.campaigns.models import Choice, WhenSilent
from portal.inventory.labels import category_name
from portal.customer.masking import mask_email
from portal.extensions import csrf, db, limiter
from portal.i18n import current_language
from portal.inventory.models import Item, Source
from portal.verification.session import current_customer

bp = Blueprint("campaign_landing", __name__, url_prefix="/c")

_STATUS = {LinkState.UNKNOWN: 404, LinkState.NOT_SENT: 404, LinkState.EXPIRED: 410, LinkState.ERASED: 410}


@bp.after_request
def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_context_processor
def _words():
    # App-wide: the "my data" partial (another blueprint's page) uses these words too.
    return {**campaign_words(), "campaign_notices": campaign_notices}


def campaign_notices():
    """For the "my data" partial: the verified customer's campaign notices and answers."""
    customer = current_customer()
    if customer is None or customer.person_id is None:
        return []
    return progress.notices_for(customer.person_id)


def _notice(token: str) -> Notice:
    return answers.find_notice(links.recipient_from_notice_token(token))


def _closed_page(notice: Notice):
    return render_template("campaigns/landing/closed.html", notice=notice), _STATUS[notice.state]


def _held_from_source(notice: Notice) -> list[str]:
    """The kinds of data we hold from the notice's source (names only, never values)."""
    categories = db.session.scalars(
        sa.select(Item.category).where(Item.person_id == notice.person.id,
                                       Item.source_id == notice.recipient.source_id).distinct())
    return sorted(category_name(c) for c in categories)


@bp.get("/<token>")
def notice(token: str):
    """The notice: who we are, where the data came from, what for, and the choices."""
    found = _notice(token)
    if found.state is not LinkState.OPEN:
        return _closed_page(found)
    answers.mark_opened(found.recipient)
    db.session.commit()
    source = db.session.get(Source, found.recipient.source_id) if found.recipient.source_id else None
    return render_template("campaigns/landing/notice.html", notice=found, token=token, source=source,
                           held=_held_from_source(found), latest=answers.latest_answers(found.recipient.id),
                           masked_email=mask_email(found.person.email) if found.person.email else None,
                           deadline=answer_deadline(found.campaign), WhenSilent=WhenSilent, Choice=Choice)


@bp.post("/<token>")
def answer(token: str):
    """Continue / stop per purpose; takes effect at once."""
    found = _notice(token)
    if found.state is not LinkState.OPEN:
        return _closed_page(found)
    choices = {}
    for rule in found.campaign.purposes:
        value = request.form.get(f"purpose-{rule.purpose_id}")
        if value in (Choice.CONTINUE.value, Choice.STOP.value):
            choices[rule.purpose_id] = Choice(value)
    if not choices:
        flash(_("Please choose continue or stop for at least one purpose."), "error")
        return redirect(url_for(".notice", token=token) + "#choices", 303)
    answers.record_answers(found, choices)
    db.session.commit()
    return redirect(url_for(".thanks", token=token), 303)


@bp.get("/<token>/thanks")
def thanks(token: str):
    found = _notice(token)
    if found.state is not LinkState.OPEN:
        return _closed_page(found)
    latest = answers.latest_answers(found.recipient.id)
    return render_template("campaigns/landing/thanks.html", notice=found, token=token, latest=latest,
                           deadline=answer_deadline(found.campaign), Choice=Choice)


@bp.route("/<token>/erase", methods=["GET", "POST"])
def erase(token: str):
    """"Erase my data": confirm, then every purpose stops at once and an erasure request is filed."""
    found = _notice(token)
    if found.state is not LinkState.OPEN:
        return _closed_page(found)
    if request.method == "GET":
        return render_template("campaigns/landing/erase.html", notice=found, token=token)
    reference = answers.ask_for_erasure(found, language=current_language())
    db.session.commit()
    return render_template("campaigns/landing/erase_done.html", notice=found, token=token, reference=reference)


@bp.route("/<token>/unsubscribe", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: the mail client POSTs without a page; the signed token is the credential
def unsubscribe(token: str):
    """One-click unsubscribe: every purpose of this campaign stops. GET shows a button first
    (link scanners follow GETs; only a POST changes anything)."""
    found = answers.find_notice(links.recipient_from_unsubscribe_token(token))
    if request.method == "GET":
        if found.state is not LinkState.OPEN:
            return _closed_page(found)
        return render_template("campaigns/landing/unsubscribe.html", notice=found, token=token)
    if found.state is LinkState.UNKNOWN:
        abort(404)
    answers.stop_everything(found)
    db.session.commit()
    if request.form.get("List-Unsubscribe") == "One-Click":
        return Response("unsubscribed\n", mimetype="text/plain")
    return render_template("campaigns/landing/unsubscribed.html", notice=found)


@bp.route("/code", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def code():
    """The short code printed on a letter, typed by hand, leads to the same notice page."""
    error = None
    if request.method == "POST":
        recipient_id = answers.find_by_code(links.normalise_code(request.form.get("code", "")))
        if recipient_id is not None:
            return redirect(url_for(".notice", token=links.notice_token(recipient_id)), 303)
        error = _("We could not find this code. Please check it against your letter (10 letters and digits).")
    return render_template("campaigns/landing/code.html", error=error), (422 if error else 200)
