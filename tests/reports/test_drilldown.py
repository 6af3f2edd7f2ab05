"""Every count on the dashboard opens the queue filtered to exactly those requests."""
from __future__ import annotations

import html
import re
from datetime import timedelta

from portal.common.time import JST, utcnow

LINK = re.compile(r'<a href="(/staff/(?:\?[^"]*)?)">(\d+)</a>')
QUEUE_COUNT = re.compile(r'role="status">\s*(\d+) requests?\.')


def test_each_dashboard_number_is_the_count_of_the_queue_it_links_to(client, manager, add_request, create_staff):
    agent = create_staff("agent", name="担当 一郎")
    today = utcnow().astimezone(JST).date()

    def day(offset: int, at: str = "10:00") -> str:
        return f"{today + timedelta(days=offset)} {at}"

    # Closed in the period: answered on time, late, rejected, withdrawn; one received before it.
    add_request(received=day(-20), closed=day(-15), due=day(-6, "23:59"), assignee_id=agent.id)
    add_request(type="erasure", policy="gdpr", received=day(-19), closed=day(-2), due=day(-5, "23:59"))
    add_request(received=day(-18), closed=day(-10), status="rejected", due=day(-4, "23:59"), assignee_id=agent.id)
    add_request(type="correction", policy="ccpa", received=day(-17), closed=day(-16), status="withdrawn",
                due=day(-3, "23:59"))
    add_request(received=day(-60), closed=day(-12), due=day(-20, "23:59"))
    # Open: overdue, due today, later this week or next, not yet verified; some assigned.
    add_request(received=day(-14), due=day(-1, "23:59"), assignee_id=agent.id)
    add_request(type="erasure", received=day(-13), due=day(0, "23:59"))
    add_request(type="erasure", policy="ccpa", received=day(-12), due=day(6 - today.weekday(), "22:00"))
    add_request(received=day(-11), due=day(30, "23:59"), assignee_id=agent.id)
    add_request(type="disclosure", received=day(-1), status="received")
    add_request(received=day(-40), due=day(-25, "23:59"))  # open and overdue, received before the period
    # Paused before its date passed: its clock stands still, so not overdue in the queue nor here.
    add_request(received=day(-15), due=day(-2, "23:59"), paused=day(-4), status="awaiting_requester",
                assignee_id=agent.id)

    period = f"?from={today - timedelta(days=30)}&to={today}"
    page = client.get("/staff/reports" + period).get_data(as_text=True)
    links = LINK.findall(page)
    assert len(links) > 40
    checked = 0
    for href, shown in links:
        queue = client.get(html.unescape(href))
        assert queue.status_code == 200
        counted = QUEUE_COUNT.search(queue.get_data(as_text=True))
        assert counted, f"no count on {href}"
        assert int(counted.group(1)) == int(shown), f"the dashboard shows {shown} for {href}"
        checked += int(shown) > 0
    assert checked >= 25  # most numbers are not zero: the comparison means something


def test_a_bad_date_filter_is_explained_and_the_whole_queue_shown(client, manager, add_request):
    add_request(received="2026-10-01 10:00", due="2099-10-15 23:59")
    add_request(received="2026-10-05 10:00", due="2099-10-15 23:59")
    narrowed = client.get("/staff/?received_from=2026-10-02&received_to=2026-10-31").get_data(as_text=True)
    assert QUEUE_COUNT.search(narrowed).group(1) == "1"
    for args, message in [("?received_from=1%2F10%2F2026", "Dates must be written as YYYY-MM-DD."),
                          ("?closed_from=2026-10-31&closed_to=2026-10-01", "A date range starts after it ends."),
                          ("?due_before=0001-01-01", "That date is out of range.")]:
        text = client.get("/staff/" + args).get_data(as_text=True)
        assert message in text and "Showing the queue without filters instead." in text
        assert QUEUE_COUNT.search(text).group(1) == "2"


def test_date_filters_survive_the_links_to_other_pages():
    from werkzeug.datastructures import MultiDict

    from portal.casework.queue import QueueFilters

    filters, problem = QueueFilters.read(MultiDict({"status": "answered", "closed_from": "2026-10-01",
                                                    "closed_to": "2026-10-31", "due_before": "2026-11-01",
                                                    "upcoming": "1"}))
    assert problem is None and filters.status == "answered" and filters.upcoming
    assert QueueFilters.read(MultiDict(filters.args())) == (filters, None)
