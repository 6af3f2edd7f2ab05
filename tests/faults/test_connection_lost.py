"""A database connection lost after a view answered (PostgreSQL restarted, a backend killed) is
not a server error: the answer stands and the next request gets a new connection."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.extensions import db

pytestmark = pytest.mark.postgres_only


def _kill_backend(app, pid: int) -> None:
    with app.app_context():
        with db.engine.connect() as other:
            other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            other.commit()


def test_a_connection_killed_before_the_request_ends_leaves_the_answer_and_the_next_request_whole(app, client):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("needs PostgreSQL: SQLite has no connection to lose")
    # The end of a request as Flask runs it: the view has read in a transaction, the
    # connection dies, then the app context's teardowns close the session.
    with app.test_request_context("/"):
        pid = db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        _kill_backend(app, pid)
    # Popping the context above raised before the fix (the closing rollback on a dead socket).
    response = client.get("/notice")
    assert response.status_code == 200
