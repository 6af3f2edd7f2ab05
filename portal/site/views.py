"""Landing page, public notice, language switch, health check."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session

from portal.common.company import company_profile, day, text
from portal.common.urls import safe_next
from portal.extensions import db, limiter
from portal.i18n import LANGUAGE_SESSION_KEY
from portal.inventory.models import Purpose
from portal.retention.periods import periods as retention_periods
from portal.site.form_errors import error_links

bp = Blueprint("site", __name__)


@bp.app_context_processor
def _company():
    return {"company": company_profile(), "ctext": text, "cdate": day, "error_links": error_links}


@bp.get("/")
def index():
    """What the portal is for and what a customer can do here."""
    return render_template("site/index.html")


@bp.get("/notice")
def notice():
    """The public notice required by APPI Art. 32, filled from the company profile and purposes."""
    purposes = db.session.scalars(sa.select(Purpose).order_by(Purpose.id)).all()
    return render_template("site/notice.html", purposes=purposes, periods=retention_periods())


@bp.post("/language")
def set_language():
    lang = request.form.get("lang", "")
    if lang in current_app.config["PORTAL_LANGUAGES"]:
        session[LANGUAGE_SESSION_KEY] = lang
    return redirect(safe_next(request.form.get("next")))


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """200 once the database answers; 503 (JSON) when it does not."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.DBAPIError:
        db.session.rollback()
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok")
