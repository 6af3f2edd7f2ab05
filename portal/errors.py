"""Error pages in the visitor's language; a database outage answers 503 instead of a traceback.

Under /staff/ the staff-styled pages answer (portal.staff.area), for every package's pages alike.
"""
from __future__ import annotations

import logging

from flask import Flask, render_template
from sqlalchemy.exc import DBAPIError, OperationalError

from portal.extensions import db
from portal.staff import area as staff_area

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    @app.errorhandler(403)
    def forbidden(error):
        return staff_area.error_page(403) or error  # outside the staff area: the plain 403

    @app.errorhandler(404)
    def not_found(error):
        return staff_area.error_page(404) or (render_template("errors/404.html"), 404)

    @app.errorhandler(429)
    def too_many_requests(error):
        return staff_area.error_page(429) or (render_template("errors/429.html"), 429)

    @app.errorhandler(500)
    def server_error(error):
        return render_template("errors/500.html"), 500

    @app.errorhandler(OperationalError)
    def database_unavailable(error):
        # Only the exception class is logged: driver messages can echo query parameters.
        log.error("database unavailable: %s", type(getattr(error, "orig", error)).__name__)
        db.session.rollback()
        return render_template("errors/503.html"), 503

    @app.errorhandler(DBAPIError)
    def database_error(error):
        if error.connection_invalidated:
            return database_unavailable(error)
        log.error("database error: %s", type(getattr(error, "orig", error)).__name__)
        db.session.rollback()
        return render_template("errors/500.html"), 500


def close_sessions_on_lost_connections(app: Flask) -> None:
    """Close each app context's session even when its connection died after the view answered
    (a database restart): the session's closing rollback then raised outside every handler
    and turned a finished answer into a 500. The pool has already discarded that connection;
    the next request takes a new one.

    Register it right after Flask-SQLAlchemy: teardowns run in reverse order, so it runs just
    before Flask-SQLAlchemy's own (which then finds nothing to close) and after every teardown
    that still uses the session (the outbox sends what was committed)."""
    @app.teardown_appcontext
    def close_session(error):
        try:
            db.session.remove()
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
            log.error("database connection lost at the end of a request: %s", type(exc.orig).__name__)
            db.session.registry.clear()
