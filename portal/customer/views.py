"""The customer's own pages under /my/: what we hold about them, and their downloads."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, current_app, g, render_template, request, stream_with_context
from flask_babel import format_currency, format_decimal
from flask_babel import gettext as _

from portal.audit.services import Actor
from portal.common.text import parse_date
from portal.common.time import JST, utcnow
from portal.customer import gpc, services
from portal.customer.request_services import Requester
from portal.inventory import downloads
from portal.inventory import recipients
from portal.inventory.labels import channel_words, detail_name, detail_value, source_kind_words, yen
from portal.extensions import db
from portal.inventory.models import Category
from portal.common.company import company_profile
from portal.verification.session import current_customer, customer_required, stepped_up_required

bp = Blueprint("customer", __name__, url_prefix="/my")


@bp.context_processor
def _helpers():
    return {
        "source_kind_words": source_kind_words, "channel_words": channel_words,
        "detail_name": detail_name, "format_currency": format_currency,
        "format_decimal": format_decimal, "Category": Category, "detail_value": detail_value, "yen": yen,
        "recipients": recipients,
    }


@bp.before_request
def _global_privacy_control() -> None:
    """A browser's Sec-GPC: 1 opts a verified Californian out of sale and sharing (portal.customer.gpc);
    the page then says so. Only on reading a page: a form being sent keeps its own transaction."""
    if request.method not in ("GET", "HEAD") or not gpc.sends_gpc(request.headers):
        return
    customer = current_customer()
    if customer is None or customer.person_id is None:
        return
    if gpc.honour_gpc(Requester.current()):
        db.session.commit()
        g.gpc_honoured = True


@bp.after_request
def _no_store(response: Response) -> Response:
    """Personal data must not stay in shared or back-button caches."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _own_person_id() -> int:
    """The verified customer's person; a customer we hold nothing about has no pages to see."""
    person_id = current_customer().person_id
    if person_id is None:
        abort(404)
    return person_id


def _stepped_up() -> bool:
    return current_customer().stepped_up_at is not None


@bp.get("/data")
@customer_required
def my_data():
    """Everything held about the customer on one page (values masked until the extra check)."""
    customer = current_customer()
    data = services.my_data(customer.person_id, stepped_up=_stepped_up()) if customer.person_id else None
    if data is None:
        can_file_request = "customer.new_request" in current_app.view_functions
        return render_template("customer/no_data.html", email=customer.email, can_file_request=can_file_request)
    return render_template("customer/my_data.html", data=data, joint_use=company_profile().get("joint_use", []))


def _day_arg(name: str) -> tuple[date | None, str | None]:
    """A date from the query string, typed any common way; (None, error) when it is not one."""
    typed = request.args.get(name, "").strip()
    if not typed:
        return None, None
    try:
        return parse_date(typed), None
    except ValueError:
        return None, _("Enter a date such as 2024-06-10 or 令和6年6月10日.")


@bp.get("/data/category/<category>")
@customer_required
def category(category: str):
    """All lines of one category, 50 a page, newest first, optionally within a period."""
    page = request.args.get("page", 1, type=int)
    since, since_error = _day_arg("from")
    until, until_error = _day_arg("to")
    result = services.category_page(_own_person_id(), category, page, stepped_up=_stepped_up(),
                                    since=since, until=until)
    if result is None:
        abort(404)
    errors = [(field, message) for field, message in (("from", since_error), ("to", until_error)) if message]
    return render_template("customer/category.html", result=result, stepped_up=_stepped_up(), errors=errors)


def _attachment(chunks, *, mimetype: str, extension: str) -> Response:
    filename = f"my-data-{utcnow().astimezone(JST):%Y-%m-%d}.{extension}"
    response = Response(stream_with_context(chunks), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/report")
@stepped_up_required
def report():
    """Everything held, with every line, as one document to read, print or save as PDF."""
    person_id = _own_person_id()
    data = services.report(person_id)
    services.record_download(person_id, format="report", actor=Actor("customer", person_id))
    db.session.commit()
    return render_template("customer/report.html", data=data, joint_use=company_profile().get("joint_use", []),
                           made_at=utcnow(), expand_all=True)


@bp.get("/download.json")
@stepped_up_required
def download_json():
    """The customer's data as JSON Lines in the import vocabulary."""
    person_id = _own_person_id()
    services.record_download(person_id, format="json", actor=Actor("customer", person_id))
    db.session.commit()
    return _attachment(downloads.jsonl_chunks(person_id), mimetype="application/x-ndjson", extension="jsonl")


@bp.get("/download.zip")
@stepped_up_required
def download_zip():
    """The customer's data as CSV files (UTF-8 with BOM, for Excel) in one ZIP."""
    person_id = _own_person_id()
    services.record_download(person_id, format="zip", actor=Actor("customer", person_id))
    db.session.commit()
    return _attachment(downloads.zip_chunks(person_id), mimetype="application/zip", extension="zip")
