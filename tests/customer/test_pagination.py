"""A customer with 5,000 purchase lines sees a summary and pages of 50, newest first."""
import re
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from portal.common.time import JST
from portal.extensions import db
from portal.inventory.cli import DEMO_FILE
from portal.inventory.models import Item, Person
from tests.customer.helpers import section, text_of
from tests.fixtures.pages import in_english
from tests.customer.records import HANAKO, HANAKO_VALUES, PURPOSES, SOURCES, customer_records


def _demo_has_hanako() -> bool:
    return DEMO_FILE.exists() and '"email":"hanako@example.jp"' in DEMO_FILE.read_text(encoding="utf-8").replace(" ", "")


@pytest.fixture
def hanako_with_5000_purchases(app, runner, import_lines):
    """The demo dataset's 山田 花子 when the demo ships her, else an equivalent made here."""
    if _demo_has_hanako():
        result = runner.invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
    else:
        import_lines(*SOURCES, *PURPOSES, *customer_records(HANAKO, HANAKO_VALUES, purchases=5000))
    with app.app_context():
        person_id = db.session.scalar(sa.select(Person.id).where(Person.with_email("hanako@example.jp")))
        scope = (Item.person_id == person_id, Item.category == "purchase")
        count, first, last = db.session.execute(
            sa.select(sa.func.count(), sa.func.min(Item.collected_at), sa.func.max(Item.collected_at)).where(*scope)
        ).one()
        db.session.remove()
    assert count >= 5000
    return count, first, last


def _times(page: str) -> list[datetime]:
    return [datetime.fromisoformat(t) for t in re.findall(r'<time datetime="([^"]+)"', page)]


def test_first_page_summarises_thousands_of_purchase_lines(client, login_customer, hanako_with_5000_purchases):
    count, first, last = hanako_with_5000_purchases
    in_english(client)
    login_customer(client, "hanako@example.jp", stepped_up=True)
    page = client.get("/my/data").get_data(as_text=True)
    purchases = section(page, "category-purchase")
    assert f"{count:,} lines" in purchases
    assert f"All {count:,} lines, with a date filter" in purchases
    assert "Total amount ¥" in purchases
    assert purchases.count("Product code") <= 5  # only the newest lines, not thousands


def test_category_pages_hold_50_lines_newest_first(client, login_customer, hanako_with_5000_purchases):
    count, first, last = hanako_with_5000_purchases
    pages = -(-count // 50)
    in_english(client)
    login_customer(client, "hanako@example.jp", stepped_up=True)

    page_1 = client.get("/my/data/category/purchase").get_data(as_text=True)
    assert f"Page 1 of {pages}" in text_of(page_1)
    times_1 = _times(page_1)
    assert len(times_1) == 50 and times_1 == sorted(times_1, reverse=True)
    assert times_1[0] == last
    assert 'rel="next" href="/my/data/category/purchase?page=2"' in page_1 and 'rel="prev"' not in page_1

    times_2 = _times(client.get("/my/data/category/purchase?page=2").get_data(as_text=True))
    assert times_2[0] <= times_1[-1]

    last_page = client.get(f"/my/data/category/purchase?page={pages}").get_data(as_text=True)
    assert len(_times(last_page)) == count - 50 * (pages - 1)
    assert _times(last_page)[-1] == first
    assert 'rel="next"' not in last_page


@pytest.mark.parametrize("query", ["?page=0", "?page=-1", "?page=100000"])
def test_pages_outside_the_range_are_not_found(client, login_customer, customers, query):
    login_customer(client, "hanako@example.jp")
    assert client.get(f"/my/data/category/purchase{query}").status_code == 404


def test_unknown_or_empty_categories_are_not_found(client, login_customer, customers):
    login_customer(client, "hanako@example.jp")
    assert client.get("/my/data/category/no-such-thing").status_code == 404
    assert client.get("/my/data/category/survey").status_code == 404  # a real category she has nothing in


def test_category_pages_filter_lines_by_japan_date_typed_any_way(client, login_customer, hanako_with_5000_purchases):
    count, first, last = hanako_with_5000_purchases
    in_english(client)
    login_customer(client, "hanako@example.jp", stepped_up=True)
    day = (last if last.tzinfo else last.replace(tzinfo=timezone.utc)).astimezone(JST).date()
    everything = _times(client.get("/my/data/category/purchase").get_data(as_text=True))
    on_that_day = [t for t in everything if t.astimezone(JST).date() == day]
    typed = day.isoformat().replace("-", "ー").translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    page = client.get(f"/my/data/category/purchase?from={typed}&to={day}").get_data(as_text=True)
    assert _times(page) == on_that_day
    assert f"{len(on_that_day)} line" in text_of(page)


def test_a_date_that_is_not_one_is_reported_at_the_top_and_nothing_is_filtered(client, login_customer,
                                                                                 hanako_with_5000_purchases):
    in_english(client)
    login_customer(client, "hanako@example.jp", stepped_up=True)
    page = client.get("/my/data/category/purchase?from=12ab").get_data(as_text=True)
    summary = page.split('class="error-summary"')[1].split("</div>")[0]
    assert 'href="#from"' in summary and "Enter a date" in text_of(summary)
    assert len(_times(page)) == 50
