"""Persons without email, and persons with several emails, phones and addresses (issue #17 item 1)."""
import sqlalchemy as sa

from portal.extensions import db
from portal.inventory.models import Item, Person
from tests.inventory.records import ITEM, PERSON, PURPOSE, SOURCE

POSTAL = {"type": "person", "key": "P-1", "name": "郵便 太郎", "name_kana": "ユウビン タロウ",
          "phone": "03-1111-2222", "birthdate": "1950-02-03"}
PAPER = {"type": "person", "key": "P-2", "name": "用紙 花子", "email": ""}


def contact(person: str, field: str, value: str, n: int) -> dict:
    return {**ITEM, "key": f"{person}/contact.{field}.{n}", "person": person, "field": field, "value": value}


def test_persons_without_email_load_and_load_again_unchanged(import_lines, app_ctx):
    import_lines(SOURCE, PURPOSE, POSTAL, PAPER, contact("P-1", "address", "北海道札幌市サンプル1-1", 1))
    again = import_lines(SOURCE, PURPOSE, POSTAL, PAPER, contact("P-1", "address", "北海道札幌市サンプル1-1", 1))
    assert again.change_summary() == "0 created, 0 updated"
    people = db.session.execute(sa.select(Person.key, Person.email).order_by(Person.key)).all()
    assert [tuple(row) for row in people] == [("P-1", None), ("P-2", None)]


def test_a_person_is_found_by_any_of_their_emails_and_phones(import_lines, app_ctx):
    import_lines(SOURCE, PURPOSE, PERSON, POSTAL,
                 contact("C-000123", "email", "hanako.work@example.co.jp", 1),
                 contact("C-000123", "email", "hanako.old@example.jp", 2),
                 contact("P-1", "mobile", "080-9999-0000", 1),
                 contact("P-1", "address", "北海道札幌市サンプル1-1", 1))

    def found(condition) -> list[str]:
        return list(db.session.scalars(sa.select(Person.key).where(condition)))

    assert found(Person.with_email("Hanako.Work@Example.co.jp ")) == ["C-000123"]
    assert found(Person.with_email("hanako@example.jp")) == ["C-000123"]
    assert found(Person.with_email("nobody@example.jp")) == []
    assert found(Person.with_phone("０８０（９９９９）００００")) == ["P-1"]
    assert found(Person.with_phone("03-1111-2222")) == ["P-1"]
    # The look-up index is a keyed hash: the address itself is not stored in clear.
    stored = db.session.scalars(sa.select(Item.lookup_index).where(Item.lookup_index.is_not(None))).all()
    assert len(stored) == 3 and not any("@" in index for index in stored)


def test_a_changed_contact_email_finds_the_person_by_the_new_address_only(import_lines, app_ctx):
    import_lines(SOURCE, PURPOSE, PERSON, contact("C-000123", "email", "old@example.jp", 1))
    import_lines(contact("C-000123", "email", "new@example.jp", 1))
    assert db.session.scalar(sa.select(Person.key).where(Person.with_email("new@example.jp"))) == "C-000123"
    assert db.session.scalar(sa.select(Person.key).where(Person.with_email("old@example.jp"))) is None
