"""The dashboard's period figures are shared for a minute; what is open now stays live."""
from __future__ import annotations

import re

import pytest

from tests.fixtures.reports import OCTOBER_ARGS


def figures(response) -> tuple[int, int]:
    """(open now, received in the period) as the dashboard shows them."""
    html = response.get_data(as_text=True)
    open_now = re.search(r'id="open-by-status".*?<tfoot>.*?<a [^>]*>(\d+)</a>', html, re.S).group(1)
    received = re.search(r'id="by-type".*?<tfoot>.*?<a [^>]*>(\d+)</a>', html, re.S).group(1)
    return int(open_now), int(received)


def test_period_figures_are_reused_while_the_open_ones_are_live(app, client, manager, add_request, monkeypatch):
    add_request(received="2026-10-01 10:00", due="2099-10-15 23:59")
    first = client.get("/staff/reports" + OCTOBER_ARGS)
    assert figures(first) == (1, 1)
    assert "as of" in first.get_data(as_text=True)
    add_request(received="2026-10-02 10:00", due="2099-10-16 23:59")
    # Within the minute: the new request is counted as open at once, the period figures wait.
    assert figures(client.get("/staff/reports" + OCTOBER_ARGS)) == (2, 1)
    monkeypatch.setitem(app.config, "PORTAL_REPORTS_CACHE_SECONDS", 0)
    assert figures(client.get("/staff/reports" + OCTOBER_ARGS)) == (2, 2)


@pytest.mark.parametrize("args", ["?from=2026-10-01&to=2026-10-31", "?from=2026-10-02&to=2026-10-31"])
def test_each_period_has_its_own_figures(client, manager, add_request, args):
    add_request(received="2026-10-01 10:00", due="2099-10-15 23:59")
    client.get("/staff/reports?from=2026-09-01&to=2026-10-31")  # another period, cached first
    expected = 1 if "10-01" in args else 0
    assert figures(client.get("/staff/reports" + args))[1] == expected
