"""`flask --app portal legal-hold --category C [--field F] [--person KEY] --until DATE --reason TEXT | --lift`."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from portal.audit.services import Actor
from portal.extensions import db
from portal.inventory.erasure import erase_items, japan_today
from portal.inventory.models import Item, Person
from tests.inventory.records import ITEM, PERSON, PURPOSE, SOURCE
from tests.fixtures.audit import audit_entries

TAX_REASON = "法人税法により7年間保存が義務付けられているため"
UNTIL = date(2033, 3, 31)


def purchase(person_key: str, n: int) -> dict:
    return {"type": "item", "key": f"{person_key}/line-{n}", "person": person_key, "category": "purchase",
            "field": "line", "value": {"sku": f"A-{n}", "name": "緑茶", "price": 150},
            "source": "bigsight-2024", "collected_at": "2024-06-01T12:00:00"}


@pytest.fixture
def shop(import_lines):
    """Hanako (C-000123) with an address and 3 purchase lines, Jiro (C-2) with 2 purchase lines."""
    jiro = {**PERSON, "key": "C-2", "email": "jiro@example.jp", "name": "山田 次郎", "phone": None,
            "customer_number": None}
    import_lines(SOURCE, PURPOSE, PERSON, jiro, ITEM,
                 *(purchase("C-000123", n) for n in range(3)), *(purchase("C-2", n) for n in range(2)))


def legal_hold(runner, *args: str):
    return runner.invoke(args=["legal-hold", *args])


def holds(app) -> dict[str, tuple]:
    """item key → (hold until, reason)."""
    with app.app_context():
        rows = db.session.execute(sa.select(Item.key, Item.legal_hold_until, Item.legal_hold_reason))
        result = {key: (until, reason) for key, until, reason in rows}
        db.session.remove()
        return result


def held_keys(app) -> set[str]:
    return {key for key, (until, _reason) in holds(app).items() if until is not None}


def test_a_hold_on_one_persons_purchases_is_placed_audited_and_lifted(app, runner, shop):
    result = legal_hold(runner, "--category", "purchase", "--person", "C-000123",
                        "--until", UNTIL.isoformat(), "--reason", TAX_REASON)

    assert result.exit_code == 0, result.output
    assert "on 3 item(s)" in result.output
    assert held_keys(app) == {f"C-000123/line-{n}" for n in range(3)}
    assert holds(app)["C-000123/line-0"] == (UNTIL, TAX_REASON)
    entries = audit_entries(app, "inventory.legal_hold_set")
    assert len(entries) == 3
    assert {(e.actor_type, e.target_type, e.details["until"]) for e in entries} == {("cli", "item", "2033-03-31")}
    assert TAX_REASON not in str([e.details for e in entries])

    lifted = legal_hold(runner, "--category", "purchase", "--person", "C-000123", "--lift")

    assert lifted.exit_code == 0, lifted.output
    assert "lifted the legal hold on 3 item(s)" in lifted.output
    assert held_keys(app) == set()
    assert all(reason is None for _until, reason in holds(app).values())
    assert len(audit_entries(app, "inventory.legal_hold_lifted")) == 3


def test_without_person_the_hold_covers_everyone_in_batches(app, runner, shop, monkeypatch):
    monkeypatch.setattr("portal.inventory.cli.BATCH_SIZE", 2)

    result = legal_hold(runner, "--category", "purchase", "--field", "line",
                        "--until", UNTIL.isoformat(), "--reason", TAX_REASON)

    assert result.exit_code == 0, result.output
    assert "on 5 item(s)" in result.output
    assert held_keys(app) == {f"C-000123/line-{n}" for n in range(3)} | {f"C-2/line-{n}" for n in range(2)}
    assert len(audit_entries(app, "inventory.legal_hold_set")) == 5

    lifted = legal_hold(runner, "--category", "purchase", "--lift")
    assert "on 5 item(s)" in lifted.output and held_keys(app) == set()


def test_running_it_again_changes_and_audits_nothing_twice(app, runner, shop):
    args = ("--category", "purchase", "--until", UNTIL.isoformat(), "--reason", TAX_REASON)
    legal_hold(runner, *args)

    again = legal_hold(runner, *args)

    assert again.exit_code == 0 and "on 0 item(s)" in again.output
    assert len(audit_entries(app, "inventory.legal_hold_set")) == 5
    # A new date is a change.
    later = legal_hold(runner, "--category", "purchase", "--person", "C-2",
                       "--until", "2034-03-31", "--reason", TAX_REASON)
    assert "on 2 item(s)" in later.output
    assert holds(app)["C-2/line-0"] == (date(2034, 3, 31), TAX_REASON)


LITIGATION = "訴訟の証拠保全のため"


def test_a_shorter_hold_never_cuts_a_longer_one_short_unless_replaced(app, runner, shop):
    legal_hold(runner, "--category", "purchase", "--person", "C-2", "--until", UNTIL.isoformat(),
               "--reason", TAX_REASON)
    audited = len(audit_entries(app, "inventory.legal_hold_set"))

    shorter = legal_hold(runner, "--category", "purchase", "--until", "2027-12-31", "--reason", LITIGATION)

    assert shorter.exit_code == 0, shorter.output
    assert "on 3 item(s)" in shorter.output  # Hanako's lines had no hold
    assert "2 item(s) kept a hold that runs as long or longer" in shorter.output
    assert holds(app)["C-2/line-0"] == (UNTIL, TAX_REASON)
    assert holds(app)["C-000123/line-0"] == (date(2027, 12, 31), LITIGATION)
    assert len(audit_entries(app, "inventory.legal_hold_set")) == audited + 3

    replaced = legal_hold(runner, "--category", "purchase", "--person", "C-2", "--until", "2027-12-31",
                          "--reason", LITIGATION, "--replace")

    assert "on 2 item(s)" in replaced.output and "kept" not in replaced.output
    assert holds(app)["C-2/line-0"] == (date(2027, 12, 31), LITIGATION)


def test_a_field_narrows_the_hold(app, runner, shop):
    result = legal_hold(runner, "--category", "contact", "--field", "address",
                        "--until", UNTIL.isoformat(), "--reason", TAX_REASON)
    assert "on 1 item(s)" in result.output
    assert held_keys(app) == {"C-000123/address"}


@pytest.mark.parametrize("args, message", [
    (("--category", "invoices", "--until", "2033-03-31", "--reason", TAX_REASON), "unknown category 'invoices'"),
    (("--category", "purchase", "--person", "C-404", "--until", "2033-03-31", "--reason", TAX_REASON),
     "no person with key 'C-404'"),
    (("--category", "purchase", "--until", "2020-01-01", "--reason", TAX_REASON), "is in the past"),
    (("--category", "purchase", "--until", "31/03/2033", "--reason", TAX_REASON), "is not a date YYYY-MM-DD"),
    (("--category", "purchase", "--until", "2033-02-30", "--reason", TAX_REASON), "is not a date YYYY-MM-DD"),
    (("--category", "purchase", "--until", "2033-03-31"), "a hold needs --reason"),
    (("--category", "purchase", "--until", "2033-03-31", "--reason", "   "), "a hold needs --reason"),
    (("--category", "purchase", "--until", "2033-03-31", "--reason", TAX_REASON, "--lift"), "either --until"),
    (("--category", "purchase"), "either --until"),
    (("--category", "purchase", "--lift", "--reason", TAX_REASON), "--reason and --replace go with --until"),
    (("--category", "purchase", "--lift", "--replace"), "--reason and --replace go with --until"),
])
def test_bad_input_is_refused_with_one_line_and_changes_nothing(app, runner, shop, args, message):
    legal_hold(runner, "--category", "purchase", "--person", "C-2", "--until", UNTIL.isoformat(),
               "--reason", TAX_REASON)
    before, audited = holds(app), len(audit_entries(app, "inventory.legal_hold_set"))

    result = legal_hold(runner, *args)

    assert result.exit_code == 1
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "nothing changed" in result.stderr
    assert holds(app) == before
    assert len(audit_entries(app, "inventory.legal_hold_set")) == audited
    assert audit_entries(app, "inventory.legal_hold_lifted") == []


def test_today_is_still_a_valid_last_day(app, runner, shop):
    result = legal_hold(runner, "--category", "contact", "--until", japan_today().isoformat(),
                        "--reason", TAX_REASON)
    assert result.exit_code == 0, result.stderr
    assert "on 1 item(s)" in result.output


def test_an_erasure_afterwards_keeps_the_held_items_and_names_the_reason(app, runner, shop):
    legal_hold(runner, "--category", "purchase", "--until", UNTIL.isoformat(), "--reason", TAX_REASON)

    with app.app_context():
        hanako = db.session.scalar(sa.select(Person.id).where(Person.key == "C-000123"))
        erased = erase_items(hanako, actor=Actor("staff", 1))
        db.session.commit()
        assert erased.erased_count == 1  # the address
        assert [(k.category.value, k.field, k.reason, k.until) for k in erased.kept] == [
            ("purchase", "line", TAX_REASON, UNTIL)] * 3
        remaining = set(db.session.scalars(sa.select(Item.key).where(Item.person_id == hanako)))
        db.session.remove()
    assert remaining == {f"C-000123/line-{n}" for n in range(3)}
    assert len(held_keys(app)) == 5

