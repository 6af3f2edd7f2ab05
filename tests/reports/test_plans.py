"""The dashboard's queries and its drill-down filters are answered from indexes, never a full
scan of the requests (see tests/casework/test_queue_plans.py for how plans are read)."""
from __future__ import annotations

import pytest

from tests.fixtures.plans import full_scans

PAGES = [
    "/staff/reports?from=2026-10-01&to=2026-10-31",
    "/staff/?status=any&type=erasure&received_from=2026-10-01&received_to=2026-10-31",
    "/staff/?status=completed&jurisdiction=appi&closed_from=2026-10-01&closed_to=2026-10-31",
    "/staff/?status=answered&assignee=none&closed_from=2026-10-05&closed_to=2026-10-11",
    "/staff/?due_before=2026-10-18&upcoming=1",
]


@pytest.mark.parametrize("page", PAGES)
def test_dashboard_and_drill_down_queries_use_indexes(app, client, manager, add_request, captured, page):  # noqa: F811
    add_request(received="2026-10-01 10:00", closed="2026-10-05 09:00", due="2026-10-15 23:59")
    add_request(type="erasure", policy="gdpr", received="2026-10-03 10:00", closed="2026-10-04 10:00",
                status="withdrawn", due="2026-11-03 23:59")
    add_request(type="erasure", policy="ccpa", received="2026-10-10 10:00", due="2099-10-20 23:59")
    assert client.get(page).status_code == 200
    assert captured, "the page ran no query on data_request"
    for statement, parameters in captured:
        assert not full_scans(app, statement, parameters), f"full scan for {page}: {' '.join(statement.split())}"
