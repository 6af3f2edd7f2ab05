"""Every query the queue runs on the requests table is answered from an index, never a full scan.

The queries are captured from real page views and handed to the database's EXPLAIN. On
PostgreSQL sequential scans are switched off for the EXPLAIN: the planner then still chooses
one only when no index can answer, which is what this test must catch (tiny test tables would
otherwise always be scanned). bench/queue_bench.py times the same pages with 200,000 requests.
"""
from __future__ import annotations

import re

import pytest

from tests.fixtures.plans import full_scans


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


@pytest.mark.parametrize("page", PAGES)
def test_queue_queries_use_indexes(app, client, login_as, file_case, make_person, captured, page, monkeypatch):
    from portal.casework import queue

    monkeypatch.setattr(queue, "PAGE_SIZE", 2)  # so that pages, cursors and counts all run
    login_as("agent")
    for _ in range(3):
        file_case(status="received", residence="eu")  # a GDPR clock starts once verified: no due date yet
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


def test_at_risk_reads_indexes_whatever_the_statistics_say(app, app_ctx, file_request, captured):
    """The at-risk list (dashboard, queue filter) with statistics gathered while every request was
    open and waiting for the identity check: an OR across "due soon" and "unverified" (or a
    `closed_at` test beside the status) then made SQLite read the whole table."""
    import sqlalchemy as sa

    from portal.casework.queue import at_risk_requests
    from portal.common.time import utcnow
    from portal.dsr.models import DataRequest
    from portal.extensions import db

    template = file_request()
    columns = [c for c in DataRequest.__table__.columns if c.name not in ("id", "reference", "idempotency_key")]
    row = dict(db.session.execute(sa.select(*columns).where(DataRequest.id == template.id)).mappings().one())
    db.session.execute(sa.insert(DataRequest.__table__), [dict(row) for _ in range(3000)])
    db.session.execute(sa.text("ANALYZE"))  # the fixture's cleanup drops these statistics again
    db.session.commit()
    captured.clear()

    assert template in at_risk_requests(utcnow())

    assert captured
    for statement, parameters in captured:
        assert not full_scans(app, statement, parameters), " ".join(statement.split())
