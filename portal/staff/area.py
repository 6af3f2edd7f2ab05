"""What holds for every page of the staff area (/staff/…), whichever package serves it.

One set of page settings, installed on the app in `create_app`, instead of a copy per blueprint:
- idle staff sessions end (PORTAL_STAFF_IDLE_MINUTES) before any staff page runs;
- no staff page is kept in a browser's or proxy's cache (they show personal data);
- 403, 404 and 429 answer with the staff-styled page, in the language the staff member chose.
"""
from __future__ import annotations

from flask import Flask, render_template, request

from portal.common.urls import safe_next
from portal.staff.auth import enforce_idle_timeout
from portal.staff.nav import ROLE_DESCRIPTIONS, role_label, staff_areas

PREFIX = "/staff"

#: The staff-styled page for each error status.
ERROR_PAGES = {
    403: "staff/forbidden.html",
    404: "staff/not_found.html",
    429: "staff/too_many_requests.html",
}


def in_staff_area(path: str | None = None) -> bool:
    path = request.path if path is None else path
    return path == PREFIX or path.startswith(PREFIX + "/")


def safe_staff_next(target: str | None) -> str | None:
    """A path inside the staff area to go on to (after log-in, after a form), else None: no open
    redirect, and never back to the log-in or log-out."""
    if not target or safe_next(target, "") != target or not target.startswith("/staff/"):
        return None
    if target.startswith(("/staff/login", "/staff/logout")):
        return None
    return target


def error_page(status: int):
    """The staff page for `status`, or None outside the staff area (the caller's own page then)."""
    if status in ERROR_PAGES and in_staff_area():
        return render_template(ERROR_PAGES[status]), status
    return None


def init_app(app: Flask) -> None:
    app.before_request(_end_idle_sessions)
    app.after_request(_never_cache)
    app.context_processor(_staff_frame)


def _end_idle_sessions():
    if in_staff_area():
        return enforce_idle_timeout()
    return None


def _never_cache(response):
    if in_staff_area():
        response.headers["Cache-Control"] = "no-store"
    return response


def _staff_frame():
    # App-wide (pages of several packages extend staff/base.html), hence the staff_ prefix.
    return {"staff_areas": staff_areas, "staff_role_label": role_label, "staff_role_descriptions": ROLE_DESCRIPTIONS}
