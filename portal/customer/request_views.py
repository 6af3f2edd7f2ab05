"""The customer's requests under /my/requests: the list, one request, new requests, replies.

Routes on the `customer` blueprint. Every request is fetched through `_own_request_or_404`:
someone else's reference answers exactly like one that does not exist.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, url_for
from flask import request as http_request
from flask_babel import format_date
from flask_babel import gettext as _

from portal.customer import request_services as services
from portal.inventory.labels import category_name
from portal.customer.request_forms import DisclosureForm, ReplyForm, RestrictionForm, WithdrawForm
from portal.dsr.labels import GROUNDS_BY_TYPE, STATUS_BADGES, TYPE_INTROS, request_title, status_words
from portal.customer.request_pages import request_page
from portal.customer.views import bp
from portal.dsr.errors import DsrError
from portal.dsr.models import DataRequest, RequestType
from portal.extensions import db
from portal.i18n import localized
from portal.inventory.models import Item, Provision
from portal.inventory.recipients import THIRD_PARTY_BASES
from portal.verification.session import current_customer, customer_required

T = RequestType
# The kinds filed with a plain form; corrections and consents have their own pages.
FORM_TYPES = (T.DISCLOSURE, T.PROVISION_RECORDS, T.SUSPENSION, T.ERASURE, T.STOP_PROVISION)
MENU = (T.CORRECTION, T.CONSENT_WITHDRAWAL, T.SUSPENSION, T.ERASURE, T.STOP_PROVISION, T.DISCLOSURE,
        T.PROVISION_RECORDS)


@bp.app_template_global()
def request_status_badge(status) -> str:
    return STATUS_BADGES[status]


bp.add_app_template_global(request_title, "request_title")
bp.add_app_template_global(status_words, "request_status_words")


def person_id_or_404() -> int:
    """The verified customer's person; a customer we hold nothing about has nothing to change."""
    person_id = current_customer().person_id
    if person_id is None:
        abort(404)
    return person_id


def _own_request_or_404(reference: str) -> DataRequest:
    request = services.own_request(services.Requester.current(), reference)
    if request is None:
        abort(404)
    return request


@dataclass(frozen=True)
class Filed:
    """What the page says about a filed request, taken before the commit (which expires the
    request: reading it afterwards would load the row again)."""

    reference: str
    created: bool
    is_open: bool
    type_label: str
    due_at: datetime | None

    @classmethod
    def of(cls, change) -> "Filed":
        request = change.request
        return cls(reference=request.reference, created=change.created, is_open=request.is_open,
                   type_label=str(request.type.label), due_at=request.due_at)


def commit_filing(changes) -> list[Filed]:
    """Commit what was filed; what the page will say about it."""
    shown = [Filed.of(change) for change in changes]
    db.session.commit()
    return shown


def filed(shown: list[Filed]) -> None:
    """Say what was filed: its reference and, for open requests, when we will answer."""
    for request in shown:
        if not request.created:
            flash(_("We had already received this request (%(reference)s).", reference=request.reference), "info")
        elif not request.is_open:
            flash(_("Done: %(type)s took effect now (%(reference)s). We sent you a confirmation by mail.",
                    type=request.type_label, reference=request.reference), "success")
        else:
            flash(_("We have received your request (%(reference)s). We will answer by %(date)s at the latest. "
                    "We sent you a confirmation by mail.", reference=request.reference,
                    date=format_date(request.due_at, "long")), "success")


def after_filing(shown: list[Filed]):
    """One request: show it. Several (a correction split in two): the list shows them all."""
    filed(shown)
    if len(shown) == 1:
        return redirect(url_for("customer.request_detail", reference=shown[0].reference))
    return redirect(url_for("customer.my_requests"))


@bp.get("/requests")
@customer_required
def my_requests():
    """The customer's requests, newest first, with status and due date."""
    everything = services.own_requests(services.Requester.current())
    # A download is registered as a disclosure answered at once (the register stays complete),
    # but a person who downloads ten times has made no ten requests: those are listed apart.
    downloads = [r for r in everything if r.details.get("self_service")]
    requests = [r for r in everything if not r.details.get("self_service")]
    return render_template("customer/requests/list.html", requests=requests, downloads=downloads)


@bp.get("/requests/new")
@customer_required
def new_request():
    """The kinds of request, in words; a customer we hold nothing about is told how to reach us."""
    if current_customer().person_id is None:
        # Staff can still look for them by name and phone, where that form exists.
        if "agents.unmatched_request" in current_app.view_functions:
            return redirect(url_for("agents.unmatched_request"))
        return render_template("customer/requests/no_person.html")
    return render_template("customer/requests/new.html", menu=MENU, intros=TYPE_INTROS)


def _restriction_choices(kind: RequestType, person_id: int):
    if kind is T.STOP_PROVISION:
        # Art. 35(3) concerns provision to third parties only: contractors (業務委託) and joint-use
        # partners (共同利用) are not third parties (Art. 27(5)), so they are not offered here.
        names = db.session.scalars(sa.select(Provision.recipient_name).where(
            Provision.person_id == person_id, Provision.basis.in_(THIRD_PARTY_BASES))
            .distinct().order_by(Provision.recipient_name))
        return ([("all", _("Every company we gave my data to")), ("chosen", _("Only the companies I choose"))],
                [(name, name) for name in names])
    categories = db.session.scalars(sa.select(Item.category).where(Item.person_id == person_id).distinct())
    return ([("all", _("All of my data")), ("chosen", _("Only the kinds of data I choose"))],
            sorted(((c.value, category_name(c)) for c in categories), key=lambda pair: pair[1]))


def _details(kind: RequestType, form) -> dict:
    if kind in (T.DISCLOSURE, T.PROVISION_RECORDS):
        return {"format": form.format.data, "note": form.note.data or None}
    chosen = sorted(form.targets.data) if form.scope.data == "chosen" else []
    key = "recipients" if kind is T.STOP_PROVISION else "categories"
    return {"scope": form.scope.data, key: chosen, "ground": form.ground.data, "note": form.note.data or None}


@bp.route("/requests/new/<any(disclosure, provision_records, suspension, erasure, stop_provision):kind>",
          methods=["GET", "POST"])
@customer_required
def new_typed_request(kind: str):
    """Disclosure, provision records, suspension, erasure and stop of provision: one form each."""
    kind = RequestType(kind)
    person_id = person_id_or_404()
    if kind in (T.DISCLOSURE, T.PROVISION_RECORDS):
        form = DisclosureForm()
    else:
        scope_choices, targets = _restriction_choices(kind, person_id)
        form = RestrictionForm().setup(scope_choices=scope_choices, targets=targets, grounds=GROUNDS_BY_TYPE[kind])
        if not form.is_submitted() and http_request.args.get("ground") in GROUNDS_BY_TYPE[kind]:
            form.ground.data = http_request.args["ground"]  # e.g. from a leak notice: "because of the leak"
    if form.validate_on_submit():
        try:
            change = services.file_request(services.Requester.current(), type=kind, residence=form.residence.data,
                                           details=_details(kind, form), idempotency_key=form.idempotency_key.data)
        except DsrError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            return after_filing(commit_filing([change]))
    return render_template("customer/requests/form.html", form=form, kind=kind, intro=TYPE_INTROS[kind])


@bp.get("/requests/<reference>")
@customer_required
def request_detail(reference: str):
    """One request: what was asked, its status and due date, its timeline, messages and a reply box."""
    request = _own_request_or_404(reference)
    page = request_page(request, stepped_up=current_customer().stepped_up_at is not None, localized=localized)
    return render_template("customer/requests/detail.html", page=page, req=request, reply_form=ReplyForm())


@bp.post("/requests/<reference>/reply")
@customer_required
def reply(reference: str):
    request = _own_request_or_404(reference)
    form = ReplyForm()
    if form.validate_on_submit():
        try:
            services.reply(request, services.Requester.current(), body=form.body.data)
        except DsrError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("Your message has been sent. We will answer on this page and tell you by mail."), "success")
            return redirect(url_for("customer.request_detail", reference=request.reference))
    page = request_page(request, stepped_up=current_customer().stepped_up_at is not None, localized=localized)
    return render_template("customer/requests/detail.html", page=page, req=request, reply_form=form), 400


@bp.route("/requests/<reference>/withdraw", methods=["GET", "POST"])
@customer_required
def withdraw(reference: str):
    """Ask once more ("are you sure?"), then withdraw the open request."""
    request = _own_request_or_404(reference)
    if not request.is_open:
        flash(_("This request is closed and can no longer be withdrawn."), "info")
        return redirect(url_for("customer.request_detail", reference=request.reference))
    form = WithdrawForm(version=request.version_id)
    if form.validate_on_submit():
        try:
            services.withdraw(request, services.Requester.current(), expected_version=form.version.data or None)
        except DsrError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("Your request %(reference)s is withdrawn.", reference=request.reference), "success")
        return redirect(url_for("customer.request_detail", reference=request.reference))
    return render_template("customer/requests/withdraw.html", req=request, form=form)
