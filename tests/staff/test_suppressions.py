"""/staff/suppressions: staff pick a purpose, read who must not be contacted, download the CSV."""
from __future__ import annotations

import csv
import io

import pytest

from tests.inventory.test_suppression import DM, NEWSLETTER, consent, person
from tests.fixtures.pages import in_english, text_of


@pytest.fixture
def withdrawals(import_lines):
    """60 persons who withdrew the newsletter (more than one page) and one who still consents."""
    records = [NEWSLETTER, DM, person("C-keep", "keep@example.jp"),
               consent("C-keep", "granted", "2024-01-01T09:00:00+09:00")]
    for n in range(60):
        key = f"C-{n:03d}"
        records += [person(key, f"p{n:03d}@example.jp", f"顧客 {n:03d}"),
                    consent(key, "withdrawn", f"2025-01-01T09:{n:02d}:00+09:00")]
    import_lines(*records)


@pytest.mark.parametrize("role", ["agent", "manager", "admin"])
def test_every_staff_role_sees_the_list_of_a_purpose(client, login_as, withdrawals, role):
    login_as(role)
    in_english(client)
    page = text_of(client.get("/staff/suppressions?purpose=newsletter-email"))
    assert "60 entries" in page
    assert "p000@example.jp" in page and "顧客 000" in page and "Consent withdrawn" in page
    assert "2025/01/01 9:00" in page or "1/1/25, 9:00" in page, "since, in Japan time"
    assert "keep@example.jp" not in page


def test_the_list_is_paginated_fifty_a_page(client, login_as, withdrawals):
    login_as("agent")
    in_english(client)
    first = text_of(client.get("/staff/suppressions?purpose=newsletter-email"))
    second = text_of(client.get("/staff/suppressions?purpose=newsletter-email&page=2"))
    assert "Page 1 of 2" in first and "p049@example.jp" in first and "p050@example.jp" not in first
    assert "Page 2 of 2" in second and "p050@example.jp" in second and "p000@example.jp" not in second


def test_the_page_without_a_purpose_offers_the_purposes(client, login_as, withdrawals):
    login_as("agent")
    html = client.get("/staff/suppressions").get_data(as_text=True)
    assert 'value="newsletter-email"' in html and 'value="dm-post"' in html
    assert "@example.jp" not in html


def test_an_unknown_purpose_says_so(client, login_as, withdrawals):
    login_as("agent")
    in_english(client)
    response = client.get("/staff/suppressions?purpose=nope")
    assert response.status_code == 404 and "There is no purpose with this key" in text_of(response)


def test_the_download_is_the_same_csv_as_the_cli(client, login_as, runner, withdrawals):
    login_as("manager")
    response = client.get("/staff/suppressions/export.csv?purpose=newsletter-email")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="suppressions-newsletter-email-')
    assert response.headers["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8"))))
    assert rows[0] == ["person_key", "email", "reason", "since"] and len(rows) == 61
    cli = runner.invoke(args=["export-suppressions", "--purpose", "newsletter-email"]).stdout_bytes
    assert response.get_data() == cli


def test_reading_and_downloading_are_audited_with_counts_only(client, login_as, audit_actions, withdrawals):
    account = login_as("agent")
    client.get("/staff/suppressions?purpose=newsletter-email&page=2")
    client.get("/staff/suppressions/export.csv?purpose=newsletter-email").get_data()
    [viewed] = [a for a in audit_actions() if a[0] == "staff.viewed_suppressions"]
    assert viewed[1:] == ("staff", str(account.id),
                          {"purpose": "newsletter-email", "page": 2, "rows": 10, "total": 60})
    [exported] = [a for a in audit_actions("inventory.") if a[0] == "inventory.suppressions_exported"]
    assert exported[1:] == ("staff", str(account.id), {"purpose": "newsletter-email", "rows": 60, "since": None})


def test_the_staff_frame_links_to_the_list(client, login_as):
    login_as("agent")
    html = client.get("/staff/").get_data(as_text=True)
    assert 'href="/staff/suppressions"' in html


def test_customers_and_visitors_are_sent_to_the_staff_log_in(client, withdrawals):
    for url in ("/staff/suppressions?purpose=newsletter-email", "/staff/suppressions/export.csv?purpose=newsletter-email"):
        response = client.get(url)
        assert response.status_code == 302 and "/staff/login" in response.location
