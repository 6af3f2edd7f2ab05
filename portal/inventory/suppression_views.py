"""The suppression list for staff: /staff/suppressions (pick a purpose, read, download CSV).

Agents, managers and admins may read it; each page seen and each download is audited, as
the list names persons and their addresses.
"""
from __future__ import annotations

import re

import sqlalchemy as sa
from flask import Blueprint, Response, render_template, request, stream_with_context
from flask_babel import gettext as _

from portal.common.time import JST, utcnow
from portal.extensions import db
from portal.inventory import suppression
from portal.inventory.models import Purpose
from portal.staff.auth import current_staff, role_required
from portal.staff.login import staff_actor

bp = Blueprint("suppressions", __name__, url_prefix="/staff/suppressions")

PER_PAGE = 50


def _purposes() -> list[Purpose]:
    return list(db.session.scalars(sa.select(Purpose).order_by(Purpose.key)))


@bp.get("")
@role_required("agent")
def index():
    """Pick a purpose; then everyone not to be contacted for it, oldest entry first."""
    purpose_key = request.args.get("purpose", "").strip()
    result, error = None, None
    if purpose_key:
        try:
            result = suppression.view_suppressions(purpose_key, page=request.args.get("page", 1, type=int),
                                                   per_page=PER_PAGE, actor=staff_actor(current_staff()))
            db.session.commit()
        except suppression.UnknownPurpose:
            error = _("There is no purpose with this key. Please choose one from the list.")
    status = 404 if error else 200
    return render_template("staff/suppressions.html", purposes=_purposes(), purpose_key=purpose_key,
                           result=result, error=error), status


@bp.get("/export.csv")
@role_required("agent")
def download():
    """The same CSV as `flask export-suppressions --purpose KEY`."""
    try:
        purpose, rows = suppression.export_for_download(request.args.get("purpose", ""),
                                                        actor=staff_actor(current_staff()))
    except suppression.UnknownPurpose:
        return index()
    db.session.commit()
    safe_key = re.sub(r"[^A-Za-z0-9._-]", "_", purpose.key)
    filename = f"suppressions-{safe_key}-{utcnow().astimezone(JST):%Y%m%d-%H%M}.csv"
    response = Response(stream_with_context(suppression.csv_chunks(rows)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
