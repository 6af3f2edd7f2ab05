"""The dashboard page and its CSV exports, as a manager uses them."""
from __future__ import annotations

import csv
import io
import re

import pytest

from portal.reports.exports import CCPA_COLUMNS, REGISTER_COLUMNS
from tests.fixtures.pages import text_of
from tests.fixtures.reports import OCTOBER_ARGS


def rows_of(response) -> list[list[str]]:
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf"), "the CSV starts with a UTF-8 byte order mark (for Excel)"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_dashboard_shows_the_period_figures_with_charts_and_links_to_the_queue(client, manager, october, audit_actions):
    response = client.get("/staff/reports" + OCTOBER_ARGS)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    text = text_of(response)
    assert "Period 2026-10-01 to 2026-10-31" in text
    assert "25.6" in text and "75%" in text
    assert html.count("<svg") == 2 and "<title id=\"chart-volume-title\">Requests received per week</title>" in html
    assert "/staff/?type=disclosure&amp;status=completed" in html  # the queue, filtered
    assert "<script" not in html.split("<main", 1)[-1]
    assert audit_actions("reports.")[-1][0] == "reports.viewed"


def test_dashboard_on_an_empty_database_shows_zeros_and_says_why(client, manager):
    response = client.get("/staff/reports")
    assert response.status_code == 200
    text = text_of(response)
    assert "No request was received or closed in this period, so every figure is zero." in text
    assert "No request is open at the moment." in text


@pytest.mark.parametrize("args, message", [
    ("?from=yesterday", "Dates must be written as YYYY-MM-DD."),
    ("?from=2026-10-31&to=2026-10-01", "The period starts after it ends."),
    ("?from=2020-01-01&to=2026-10-01", "A period may be at most two years."),
])
def test_a_bad_period_is_explained_and_the_last_90_days_shown(client, manager, args, message):
    response = client.get("/staff/reports" + args)
    assert response.status_code == 200
    text = text_of(response)
    assert message in text and "Showing the last 90 days instead." in text


def test_the_register_csv_has_every_request_of_the_period_by_reference_only(client, manager, october, audit_actions):
    response = client.get("/staff/reports/register.csv" + OCTOBER_ARGS)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = rows_of(response)
    assert tuple(rows[0]) == REGISTER_COLUMNS
    assert len(rows) == 1 + 6  # received in October (one was received in September)
    body = response.get_data(as_text=True)
    assert "@example.jp" not in body
    by_reference = {row[0]: dict(zip(REGISTER_COLUMNS, row)) for row in rows[1:]}
    late = by_reference["MG-2026-000004"]
    assert (late["outcome"], late["days_taken"], late["on_time"]) == ("rejected", "28", "no")
    night = by_reference["MG-2026-000002"]
    assert (night["received"], night["days_taken"], night["on_time"]) == ("2026-10-01 23:30", "1", "yes")
    open_one = by_reference["MG-2026-000007"]
    assert (open_one["outcome"], open_one["closed"], open_one["on_time"]) == ("", "", "")
    assert audit_actions("reports.")[-1][0] == "reports.exported"


def test_the_register_streams_in_batches(app_ctx, add_request, monkeypatch):
    from portal.reports import exports
    from portal.reports.summary import Period
    from datetime import date

    monkeypatch.setattr(exports, "BATCH", 2)
    for day in range(1, 6):
        add_request(received=f"2026-10-0{day} 10:00")
    chunks = list(exports.register_chunks(Period(date(2026, 10, 1), date(2026, 10, 31))))
    assert len(chunks) == 1 + 3  # header, then batches of 2, 2 and 1
    assert [line.split(",")[0] for line in "".join(chunks[1:]).splitlines()] == [
        f"MG-2026-00000{n}" for n in range(1, 6)]


def test_ccpa_7102_metrics_count_received_complied_denied_with_median_and_mean(client, manager, add_request):
    add_request(type="disclosure", policy="ccpa", received="2026-03-01 10:00", closed="2026-03-11 10:00",
                status="rejected", due="2026-04-15 23:59")
    add_request(type="disclosure", policy="ccpa", received="2026-04-01 10:00", closed="2026-04-04 10:00",
                due="2026-05-15 23:59")
    add_request(type="erasure", policy="ccpa", received="2026-05-01 10:00", closed="2026-05-21 10:00",
                due="2026-06-15 23:59")
    add_request(type="erasure", policy="ccpa", received="2026-06-01 10:00", due="2026-07-15 23:59")
    add_request(type="erasure", policy="appi", received="2026-06-01 10:00", closed="2026-06-02 10:00")
    response = client.get("/staff/reports/ccpa-7102.csv?year=2026")
    assert response.status_code == 200
    rows = rows_of(response)
    assert tuple(rows[0]) == CCPA_COLUMNS
    by_type = {row[1]: dict(zip(CCPA_COLUMNS, row)) for row in rows[1:]}
    assert by_type["disclosure"] == {"category": "request_to_know", "type": "disclosure", "received": "2",
                                     "complied_in_whole_or_in_part": "1", "denied": "1",
                                     "median_days_to_respond": "6.5", "mean_days_to_respond": "6.5"}
    erasure = by_type["erasure"]
    assert (erasure["received"], erasure["complied_in_whole_or_in_part"], erasure["denied"]) == ("2", "1", "0")
    assert erasure["median_days_to_respond"] == "20.0"
    assert by_type["correction"]["received"] == "0" and by_type["correction"]["median_days_to_respond"] == ""


def test_an_assignee_name_that_looks_like_a_formula_is_text_in_the_register(client, manager, add_request, create_staff):
    agent = create_staff("agent", name='=HYPERLINK("http://x")')
    add_request(received="2026-10-01 10:00", due="2026-10-15 23:59", assignee_id=agent.id)
    rows = rows_of(client.get("/staff/reports/register.csv" + OCTOBER_ARGS))
    assert rows[1][REGISTER_COLUMNS.index("assignee")] == '\'=HYPERLINK("http://x")'


def test_the_dashboard_lists_what_is_at_risk_with_workload_near_the_top(client, manager, file_case, set_due):
    from datetime import timedelta

    from portal.common.time import utcnow

    late, fine = file_case(), file_case()
    set_due(late.reference, utcnow() - timedelta(days=2))
    set_due(fine.reference, utcnow() + timedelta(days=10))
    html = client.get("/staff/reports").get_data(as_text=True)
    at_risk = html.split('id="at-risk"', 1)[1].split("</table>", 1)[0]
    assert late.reference in at_risk and fine.reference not in at_risk and "2 days overdue" in at_risk
    assert html.index('id="people-title"') < html.index('id="period-title"')  # workload before the period
    assert html.index('id="people-title"') < html.index('id="status-title"')  # and before the status table
    workload = text_of_html(html.split('id="workload"', 1)[1].split("</table>", 1)[0])
    for column in ("Open now", "Overdue now", "Due this week", "Answered in the period", "of which late",
                   "On time (of those answered in the period)"):
        assert column in workload
    assert '<select id="ccpa-year" name="year">' in html


def text_of_html(fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))


def test_the_ccpa_metrics_download_for_the_year_chosen(client, manager, add_request):
    add_request(policy="ccpa", received="2025-03-01 10:00", closed="2025-03-05 10:00", due="2025-04-15 23:59")
    assert "Download the CCPA metrics (CSV)" in client.get("/staff/reports").get_data(as_text=True)
    response = client.get("/staff/reports/ccpa-7102.csv?year=2025")
    assert response.status_code == 200 and 'filename="ccpa-7102-2025.csv"' in response.headers["Content-Disposition"]
    rows = rows_of(response)
    by_type = {row[1]: dict(zip(CCPA_COLUMNS, row)) for row in rows[1:]}
    assert by_type["disclosure"]["received"] == "1" and by_type["disclosure"]["complied_in_whole_or_in_part"] == "1"


def test_the_dashboards_at_risk_list_puts_the_nearest_deadline_first_whatever_puts_a_request_at_risk(
        client, manager, file_case, set_due):
    from datetime import timedelta

    from portal.common.time import utcnow

    late, later, latest = file_case(), file_case(), file_case()
    set_due(late.reference, utcnow() - timedelta(days=5))
    set_due(later.reference, utcnow() - timedelta(days=1))
    set_due(latest.reference, utcnow() + timedelta(days=1))
    # Waiting for the identity check: at risk for that, their deadline (from receipt) further away.
    first_unverified, second_unverified = file_case(status="received"), file_case(status="received")
    html = client.get("/staff/reports").get_data(as_text=True)
    at_risk = html.split('id="at-risk"', 1)[1].split("</table>", 1)[0]
    shown = [case.reference for case in (late, later, latest, first_unverified, second_unverified)]
    assert sorted(shown, key=at_risk.index) == [late.reference, later.reference, latest.reference,
                                                first_unverified.reference, second_unverified.reference]
