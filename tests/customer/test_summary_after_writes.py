"""What "my data" counts and sums at a glance stays right after every kind of write.

The page reads each person's item summary instead of counting 100,000 lines on every view; every
write that adds, changes or removes items recomputes it in its own transaction. Each test makes
one kind of write and reads the figures off the page, then checks them against a fresh count of
the items (and after every test, tests/fixtures/app.py checks every person's summary too).
"""
from datetime import date

import pytest
import sqlalchemy as sa

from portal.audit.services import Actor
from portal.extensions import db
from portal.inventory import summary
from portal.inventory.models import Category, Item, Person
from tests.customer.helpers import section, text_of
from tests.customer.records import HANAKO, HANAKO_VALUES, JIRO, item, purchase
from tests.fixtures.pages import in_english

pytestmark = pytest.mark.usefixtures("customers")

STAFF = Actor("staff", 1)
HANAKO_TOTAL = sum(1000 + n for n in range(8))  # her 8 purchase lines as two_customers() writes them


@pytest.fixture
def hanako_page(client, login_customer):
    """Hanako's "my data" in English after the extra check: the page a fresh request renders."""
    in_english(client)
    login_customer(client, HANAKO_VALUES["email"], stepped_up=True)

    def page() -> str:
        response = client.get("/my/data")
        assert response.status_code == 200
        return response.get_data(as_text=True)
    return page


def person_id(key: str) -> int:
    return db.session.scalar(sa.select(Person.id).where(Person.key == key))


def counted(app, key: str) -> dict:
    """A fresh count of the person's items (not the summary): count and total per category."""
    with app.app_context():
        stats, purposes = summary.recompute(person_id(key))
        db.session.remove()
    return {category.value: (s.count, s.amount_total, purposes.get(category, set())) for category, s in stats.items()}


def glance(page: str, category: str) -> str:
    return section(page, f"category-{category}")


def test_the_first_page_shows_what_a_fresh_count_says(app, hanako_page):
    purchases = glance(hanako_page(), "purchase")
    assert "8 lines" in purchases and f"¥{HANAKO_TOTAL:,}" in purchases
    assert "Store point card" in purchases and "To deliver your orders" in purchases
    assert "January 1, 2025 to August 8, 2025" in purchases
    assert "until March 31, 2032" in purchases
    assert counted(app, HANAKO)["purchase"][:2] == (8, HANAKO_TOTAL)


def test_an_import_adding_lines_changes_the_count_and_the_total(app, hanako_page, import_lines):
    hanako_page()  # seen once before the import
    import_lines(purchase(HANAKO, 100, "煎茶", 500), purchase(HANAKO, 101, "煎茶", 700),
                 item(HANAKO, "preference", "newsletter", "weekly"))
    page = hanako_page()
    assert "10 lines" in glance(page, "purchase") and f"¥{HANAKO_TOTAL + 1200:,}" in glance(page, "purchase")
    assert "1 item" in glance(page, "preference")
    assert counted(app, HANAKO)["purchase"][:2] == (10, HANAKO_TOTAL + 1200)


def test_an_import_moving_a_line_to_another_person_changes_both(app, hanako_page, import_lines, client):
    import_lines(item(HANAKO, "preference", "newsletter", "weekly", keyed=False) | {"key": "shared/pref"})
    assert "1 item" in glance(hanako_page(), "preference")
    import_lines(item(JIRO, "preference", "newsletter", "weekly", keyed=False) | {"key": "shared/pref"})
    assert 'id="category-preference"' not in hanako_page()
    assert "preference" not in counted(app, HANAKO) and counted(app, JIRO)["preference"][0] == 1


def test_an_import_changing_the_purposes_of_lines_changes_what_they_are_used_for(app, hanako_page, import_lines):
    line = item(HANAKO, "points", "bonus", {"points": 50, "reason": "誕生日"}, source="store-card",
                purposes=("points",))
    import_lines(line)
    assert "To deliver your orders" not in glance(hanako_page(), "points")
    import_lines(line | {"purposes": ["points", "orders"]})
    points = glance(hanako_page(), "points")
    assert "To deliver your orders" in points and "To award and manage your points" in points
    assert "170" in points  # 120 + 50 points


def test_a_correction_of_a_line_changes_the_total(app, hanako_page):
    from portal.inventory.changes import change_item_value

    with app.app_context():
        line = db.session.scalars(sa.select(Item).where(
            Item.person_id == person_id(HANAKO), Item.category == Category.PURCHASE).order_by(Item.id)).first()
        old_total = line.value["total"]
        change_item_value(line, {**line.value, "total": old_total + 5000}, actor=STAFF)
        db.session.commit()
        db.session.remove()
    assert f"¥{HANAKO_TOTAL + 5000:,}" in glance(hanako_page(), "purchase")
    assert counted(app, HANAKO)["purchase"][:2] == (8, HANAKO_TOTAL + 5000)


def test_an_item_added_by_staff_is_counted(app, hanako_page):
    with app.app_context():  # as a correction decision adds one: through the ORM
        db.session.add(Item(person_id=person_id(HANAKO), category=Category.PREFERENCE, field="colour", value="green"))
        db.session.commit()
        db.session.remove()
    assert "1 item" in glance(hanako_page(), "preference")


def test_a_rolled_back_write_leaves_the_figures_as_they_were(app, hanako_page):
    with app.app_context():
        db.session.add(Item(person_id=person_id(HANAKO), category=Category.PURCHASE, field="line",
                            value={"product": "x", "quantity": 1, "total": 99}))
        db.session.flush()
        db.session.rollback()
        db.session.remove()
    assert "8 lines" in glance(hanako_page(), "purchase")


def test_an_erasure_of_a_category_removes_it_and_leaves_the_others(app, hanako_page):
    from portal.inventory.erasure import erase_items

    with app.app_context():
        erase_items(person_id(HANAKO), actor=STAFF, categories=[Category.PURCHASE])
        db.session.commit()
        db.session.remove()
    page = hanako_page()
    assert 'id="category-purchase"' not in page
    assert "1 line" in glance(page, "points") and "3 items" in glance(page, "contact")
    assert "purchase" not in counted(app, HANAKO)


def test_an_erasure_of_some_lines_lowers_the_count_and_the_total(app, hanako_page):
    from portal.inventory.erasure import erase_items

    with app.app_context():
        lines = db.session.execute(sa.select(Item.id, Item.amount).where(
            Item.person_id == person_id(HANAKO), Item.category == Category.PURCHASE).order_by(Item.id).limit(3)).all()
        erase_items(person_id(HANAKO), actor=STAFF, item_ids=[line.id for line in lines])
        db.session.commit()
        db.session.remove()
    remaining = HANAKO_TOTAL - sum(line.amount for line in lines)
    assert "5 lines" in glance(hanako_page(), "purchase") and f"¥{remaining:,.0f}" in glance(hanako_page(), "purchase")


def test_retention_disposal_removes_expired_lines_from_the_figures(app, hanako_page, import_lines):
    from portal.retention.disposal import dispose_expired

    import_lines(*[purchase(HANAKO, 200 + n, "古い注文", 300) | {"retain_until": "2020-12-31"} for n in range(3)])
    purchases = glance(hanako_page(), "purchase")
    assert "11 lines" in purchases and "until between December 31, 2020 and March 31, 2032" in purchases
    with app.app_context():
        dispose_expired(actor=STAFF, today=date(2026, 1, 1))
        db.session.commit()
        db.session.remove()
    purchases = glance(hanako_page(), "purchase")
    assert "8 lines" in purchases and f"¥{HANAKO_TOTAL:,}" in purchases
    assert "until March 31, 2032" in purchases and "2020" not in purchases


def test_the_staff_person_view_counts_from_the_same_summary(app, import_lines):
    from portal.casework.person import summary as person_summary

    import_lines(purchase(HANAKO, 300, "煎茶", 500))
    with app.app_context():
        counts = {c.category: c.count for c in person_summary(person_id(HANAKO)).counts}
        db.session.remove()
    assert counts[Category.PURCHASE] == 9


def test_a_bulk_write_that_skips_the_refresh_is_caught(app):
    """The guard itself: items written around the summary leave it unlike a fresh count."""
    with app.app_context():
        hanako = person_id(HANAKO)
        copy = sa.select(Item.person_id, Item.category, Item.field, Item.value, Item.amount).where(
            Item.person_id == hanako, Item.category == Category.PURCHASE).limit(1)
        db.session.execute(sa.insert(Item.__table__).from_select(["person_id", "category", "field", "value", "amount"],
                                                                 copy))
        assert summary.drift() == {hanako}
        summary.refresh([hanako])
        assert summary.drift() == set()
        db.session.commit()
        db.session.remove()


def test_the_page_shows_the_summary_not_the_items(app, hanako_page):
    """What makes the page fast: it reads the summary (a changed summary shows on the page)."""
    from portal.inventory.models import ItemSummary

    with app.app_context():
        db.session.execute(sa.update(ItemSummary).where(
            ItemSummary.person_id == person_id(HANAKO), ItemSummary.category == Category.PURCHASE).values(count=12345))
        db.session.commit()
        page = text_of(hanako_page())
        summary.refresh([person_id(HANAKO)])  # mended, for the check after the test
        db.session.commit()
        db.session.remove()
    assert "12,345 lines" in page
