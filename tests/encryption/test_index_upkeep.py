"""Blind indexes follow the values they index, whichever path changes them: a re-import (bulk
UPDATE, not the ORM's validators) or a customer's own correction (an email once its link is followed)."""
from __future__ import annotations

import re

import sqlalchemy as sa

from portal.extensions import db
from portal.inventory.models import Person
from tests.fixtures.pages import post_page_form

PERSON = {"type": "person", "key": "C-4242", "email": "before@example.jp", "name": "前田 一", "name_kana": "マエダ ハジメ",
          "phone": "03-1111-2222"}


def keys_where(condition) -> list[str]:
    return sorted(db.session.scalars(sa.select(Person.key).where(condition)))


def test_a_reimport_moves_every_index_to_the_new_values(app_ctx, import_lines):
    import_lines(PERSON)
    raw_before = db.session.execute(sa.text("SELECT email FROM person")).scalar_one()
    import_lines(PERSON | {"email": "after@example.jp", "name": "後藤 二郎", "name_kana": "ゴトウ ジロウ",
                           "phone": "06-3333-4444"})
    db.session.expire_all()
    assert keys_where(Person.with_email("ＡＦＴＥＲ@example.jp")) == ["C-4242"]
    assert keys_where(Person.with_phone("０６（３３３３）４４４４")) == ["C-4242"]
    assert keys_where(Person.with_name("後藤二郎")) == keys_where(Person.with_name("ゴトウ　ジロウ")) == ["C-4242"]
    for old in (Person.with_email("before@example.jp"), Person.with_phone("03-1111-2222"),
                Person.with_name("前田 一"), Person.with_name("マエダ ハジメ")):
        assert keys_where(old) == []
    person = db.session.scalar(sa.select(Person))
    assert (person.email, person.name, person.phone) == ("after@example.jp", "後藤 二郎", "06-3333-4444")
    assert db.session.execute(sa.text("SELECT email FROM person")).scalar_one() != raw_before


def test_importing_the_same_values_again_changes_nothing(app_ctx, import_lines):
    import_lines(PERSON)
    raw = db.session.execute(sa.text("SELECT email, name, email_index FROM person")).one()
    import_lines(PERSON)
    # Compared decrypted, the values are equal: the row is not rewritten (new ciphertext would differ).
    assert db.session.execute(sa.text("SELECT email, name, email_index FROM person")).one() == raw



def test_a_customers_own_phone_and_email_changes_move_the_indexes(app, client, hanako, submit,  # noqa: F811
                                                                  smtp_server, entry):
    prefix = entry("phone")
    submit("/my/requests/new/correction", {f"{prefix}-action": "change", f"{prefix}-proposed": "080-1111-2222"})
    prefix = entry("email")
    submit("/my/requests/new/correction", {f"{prefix}-action": "change", f"{prefix}-proposed": "Hanako.New@Example.JP"})
    with app.app_context():
        assert keys_where(Person.with_email("hanako.new@example.jp")) == []  # not before its link is followed
    [mail] = smtp_server.to("hanako.new@example.jp")
    link = re.search(r"https?://[^/\s]+(/email-change/\S+)", mail.get_body(preferencelist=("plain",)).get_content())
    assert post_page_form(client, link.group(1)).status_code == 200
    with app.app_context():
        assert keys_where(Person.with_phone("08011112222")) == ["C-000123"]
        assert keys_where(Person.with_phone("090-1234-5678")) == []
        assert keys_where(Person.with_email("hanako.new@example.jp")) == ["C-000123"]
        assert keys_where(Person.with_email("hanako@example.jp")) == []
