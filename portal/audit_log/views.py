"""The audit log in the staff area, for admins: list and filter, check the chain, export CSV.

Read-only for everyone: there is no route that edits or deletes an entry. Every reading
(a page, a chain check, an export) is itself written to the log before it is shown.
"""
from __future__ import annotations

import json

from flask import Blueprint, Response, render_template, request, stream_with_context, url_for
from flask_babel import lazy_gettext as _l

from portal.audit_log import browse
from portal.audit_log.export import csv_lines
from portal.audit_log.forms import KNOWN_TARGET_TYPES, AuditFilterForm, actor_label, target_label
from portal.common.time import utcnow
from portal.extensions import db
from portal.staff.auth import current_staff, role_required
from portal.staff.login import staff_actor
from portal.staff.models import StaffRole

bp = Blueprint("audit", __name__, url_prefix="/staff/audit")

#: verify_chain's reasons, in words for the page.
CHAIN_REASONS = {
    "previous entry missing or changed": _l("The entry before it is missing or was changed."),
    "entry content changed": _l("The content of this entry was changed after it was written."),
    "last entries deleted": _l("The newest entries were deleted: the signed checkpoint names a later entry "
                               "and more entries than the log now holds."),
    "head checkpoint missing": _l("The signed checkpoint of the newest entry is missing, so entries deleted "
                                  "from the end cannot be ruled out."),
    "head checkpoint altered": _l("The signed checkpoint of the newest entry was changed."),
}


@bp.app_template_filter("pretty_json")
def _pretty_json(value) -> str:
    """Details as indented JSON; the template escapes it like any other text."""
    return json.dumps(value or {}, ensure_ascii=False, indent=2, sort_keys=True)


def _filter_form() -> AuditFilterForm:
    return AuditFilterForm(formdata=request.args)


@bp.get("")
@role_required(StaffRole.ADMIN)
def entries():
    form = _filter_form()
    if not form.validate():
        return _page(form, page=None), 422
    page = browse.browse(form.filters(), actor=staff_actor(current_staff()),
                         before=form.before.data, after=form.after.data)
    # Rendered before the commit, which would expire the entries and reload them one by one.
    html = _page(form, page=page)
    db.session.commit()
    return html


def _page(form: AuditFilterForm, *, page: browse.Page | None) -> str:
    return render_template(
        "audit/entries.html", form=form, page=page, args=form.query_args(),
        names=browse.staff_names(page.entries) if page else {}, target_types=KNOWN_TARGET_TYPES,
        target_label=target_label, actor_label=actor_label,
    )


@bp.post("/verify")
@role_required(StaffRole.ADMIN)
def verify():
    report = browse.check_chain(actor=staff_actor(current_staff()))
    db.session.commit()
    broken_link = None
    if report.first_broken_id is not None:
        broken_link = url_for("audit.entries", before=report.first_broken_id + 1)
    return render_template(
        "audit/verify.html", report=report, broken_link=broken_link,
        reason=CHAIN_REASONS.get(report.reason, report.reason),
    )


@bp.get("/export.csv")
@role_required(StaffRole.ADMIN)
def export():
    form = _filter_form()
    if not form.validate():
        return _page(form, page=None), 422
    filters = form.filters()
    below = browse.start_export(filters, actor=staff_actor(current_staff()))
    # Committed before the first byte: an export that is not in the log never happens.
    db.session.commit()
    filename = f"audit-log-{utcnow():%Y%m%d-%H%M%S}.csv"
    return Response(
        stream_with_context(csv_lines(browse.export_chunks(filters, below=below))),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
