"""Every query the queue runs on the requests table is answered from an index, never a full scan.

The queries are captured from real page views and handed to the database's EXPLAIN. On
PostgreSQL sequential scans are switched off for the EXPLAIN: the planner then still chooses
one only when no index can answer, which is what this test must catch (tiny test tables would
otherwise always be scanned). bench/queue_bench.py times the same pages with 200,000 requests.
"""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.extensions import db

PAGES = [
    "/staff/",
    "/staff/?assignee=me",
    "/staff/?assignee=none",
    "/staff/?status=verified",
    "/staff/?overdue=1",
    "/staff/?type=correction&agent=1&jurisdiction=appi",
    "/staff/?unmatched=1",
    "/staff/?status=closed",
    "/staff/?q=requester@example.jp",
    "/staff/?q=MG-2026-000001",
    "/staff/?q=山田",  # a name: read through the open requests' index, not the whole table
]


@pytest.fixture
def captured(app):
    """The SELECTs on data_request run while the block runs: [(statement, parameters)]."""
    queries = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and re.search(r"\bFROM data_request\b", statement):
            queries.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", capture)
    yield queries
    sa.event.remove(engine, "before_cursor_execute", capture)


def full_scans(app, statement: str, parameters) -> list[str]:
    """The plan's lines that read the whole requests table."""
    with app.app_context(), db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SET enable_seqscan = off")
            plan = [row[0] for row in connection.exec_driver_sql("EXPLAIN " + statement, parameters)]
            connection.exec_driver_sql("RESET enable_seqscan")
            return [line for line in plan if "Seq Scan on data_request" in line]
        plan = [row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
        return [line for line in plan if re.match(r"SCAN data_request\b(?! USING)", line.strip())]


@pytest.mark.parametrize("page", PAGES)
def test_queue_queries_use_indexes(app, client, login_as, file_case, make_person, captured, page, monkeypatch):
    from portal.casework import queue

    monkeypatch.setattr(queue, "PAGE_SIZE", 2)  # so that pages, cursors and counts all run
    login_as("agent")
    for _ in range(3):
        file_case(status="received")
        file_case(requester_name="山田 花子", person_id=make_person())
    file_case(status="completed")
    first = client.get(page)
    assert first.status_code == 200
    following = re.search(r'rel="next" href="([^"]+)"', first.get_data(as_text=True))
    if following:
        assert client.get(following.group(1).replace("&amp;", "&")).status_code == 200
    assert captured, "the page ran no query on data_request"
    for statement, parameters in captured:
        assert not full_scans(app, statement, parameters), f"full scan for {page}: {' '.join(statement.split())}"
