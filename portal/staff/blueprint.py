"""The `staff` blueprint (/staff/…): log-in, accounts and the staff home (portal.staff), the
queue and the request page (portal.casework). `create_app` imports every module that adds
routes to it; the settings every staff page shares are in `portal.staff.area`.
"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")
