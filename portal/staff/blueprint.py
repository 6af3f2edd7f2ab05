"""The `staff` blueprint (/staff/…) and what holds for every page in it.

View modules attach their routes to `bp`; `portal.staff.views` imports them all.
"""
from __future__ import annotations

from flask import Blueprint, render_template

from portal.staff.auth import enforce_idle_timeout
from portal.staff.nav import ROLE_DESCRIPTIONS, role_label, staff_areas

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.before_request
def _end_idle_sessions():
    return enforce_idle_timeout()


@bp.after_request
def _never_cache(response):
    # Staff pages show personal data: no copy in the browser's or any proxy's cache.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_context_processor
def _staff_frame():
    # App-wide (other blueprints extend staff/base.html), hence the staff_ prefix.
    return {"staff_areas": staff_areas, "staff_role_label": role_label, "staff_role_descriptions": ROLE_DESCRIPTIONS}


@bp.errorhandler(403)
def _forbidden(error):
    return render_template("staff/forbidden.html"), 403


@bp.errorhandler(429)
def _too_many_requests(error):
    return render_template("staff/too_many_requests.html"), 429
