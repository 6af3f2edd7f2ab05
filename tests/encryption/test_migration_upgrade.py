"""Migration 0013 on a database that already holds personal data in clear.

A fresh database is built up to 0012 (its own SQLite file, or its own PostgreSQL database next
to the test database), rows are written with raw SQL the way the portal before encryption
stored them, and the upgrade to head must leave only ciphertext behind while the portal reads
the same values, finds people through the blind indexes and keeps writing.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from portal.dsr.models import DataRequest, RequestEvent
from portal.encryption.cipher import keyring
from portal.extensions import db
from portal.inventory.models import Category, Item, ItemRevision, Person
from portal.mail.models import OutboxMessage
from portal.staff.models import StaffUser
from portal.startup import MIGRATIONS_DIR
from portal.verification.models import CustomerSession, EmailChallenge
from tests.fixtures.migrations import app_at_revision

NOW = datetime(2025, 6, 1, 3, 0, 0)  # naive UTC, as UTCDateTime stores it
EMAIL = "Migrated.Person@Example.JP"  # stored as typed before 0013; the index normalises it
NAME, KANA, PHONE = "移行 真理子", "イコウ マリコ", "03-5555-0101"
ADDRESS = "東京都千代田区千代田1-1 移行ビル3F"
NEW_ADDRESS = "神奈川県横浜市中区見本町7-7-7"
PURCHASE = {"sku": "SKU-0012", "product": "移行記念の湯呑み", "price": 1200, "quantity": 2}
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
REQUESTER = "agent.requester@example.jp"
DETAILS = {"changes": [{"category": "contact", "field": "address", "action": "change",
                        "current": ADDRESS, "proposed": NEW_ADDRESS, "reason": "引っ越しました"}]}
MAIL_BODY = f"{NAME} 様\n住所 {ADDRESS} の変更を受け付けました。"
EXTRA_LINES = 1003  # more than one batch (BATCH = 1000) of items

# (table, column) → the plaintext that must be gone from the raw value.
PLAINTEXTS = {
    ("person", "email"): EMAIL, ("person", "name"): "真理子", ("person", "name_kana"): "マリコ",
    ("person", "phone"): "5555", ("person", "birthdate"): "1980-02-29",
    ("item", "value"): "SKU-0012", ("item_revision", "old_value"): "移行ビル", ("item_revision", "new_value"): "見本町",
    ("data_request", "requester_email"): REQUESTER, ("data_request", "requester_name"): "真理子",
    ("data_request", "details"): "proposed",
    ("request_event", "body"): "見本町", ("request_event", "data"): "changes",
    ("outbox_message", "to_address"): EMAIL, ("outbox_message", "subject"): "受付",
    ("outbox_message", "body_text"): "移行ビル", ("outbox_message", "body_html"): "移行ビル",
    ("email_challenge", "email"): EMAIL, ("customer_session", "email"): EMAIL,
    ("staff_user", "totp_secret"): TOTP_SECRET,
}


@pytest.fixture
def old_app(empty_database):
    """A portal on a database of its own, its schema at revision 0012 (before encryption)."""
    with app_at_revision(empty_database, "0012") as application:
        yield application


def _insert(connection, table: str, row: dict, *, json_columns: tuple[str, ...] = ()) -> int:
    """A raw INSERT; JSON values are serialised as the sa.JSON columns before 0013 did."""
    statement = sa.text(f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join(':' + c for c in row)})")
    statement = statement.bindparams(*[sa.bindparam(c, type_=sa.JSON()) for c in json_columns])
    connection.execute(statement, row)
    return connection.execute(sa.text(f"SELECT max(id) FROM {table}")).scalar_one()


def _write_plaintext_rows(connection) -> dict[str, int]:
    ids = {}
    ids["person"] = _insert(connection, "person", {
        "key": "C-0012", "email": EMAIL, "name": NAME, "name_kana": KANA, "phone": PHONE,
        "birthdate": date(1980, 2, 29), "customer_number": "M-0012", "created_at": NOW, "updated_at": NOW})
    person = ids["person"]
    item = {"person_id": person, "collected_at": NOW, "created_at": NOW}
    ids["name_item"] = _insert(connection, "item", {**item, "category": "identity", "field": "name", "value": NAME},
                               json_columns=("value",))
    ids["address_item"] = _insert(connection, "item", {**item, "category": "contact", "field": "address",
                                                       "value": NEW_ADDRESS}, json_columns=("value",))
    ids["purchase"] = _insert(connection, "item", {**item, "category": "purchase", "field": "line", "value": PURCHASE},
                              json_columns=("value",))
    lines = [{**item, "category": "purchase", "field": "line", "value": {"sku": f"X-{n}", "total": 10}}
             for n in range(EXTRA_LINES)]
    connection.execute(sa.text("INSERT INTO item (person_id, collected_at, created_at, category, field, value) "
                               "VALUES (:person_id, :collected_at, :created_at, :category, :field, :value)")
                       .bindparams(sa.bindparam("value", type_=sa.JSON())), lines)
    policy = connection.execute(sa.text("SELECT id FROM policy WHERE jurisdiction = 'appi'")).scalars().first()
    ids["request"] = _insert(connection, "data_request", {
        "reference": "MG-2025-000012", "type": "correction", "policy_id": policy, "jurisdiction": "appi",
        "status": "completed", "person_id": person, "requester_email": REQUESTER, "requester_name": NAME,
        "is_agent": False, "agent": None, "subject": None, "channel": "web", "language": "ja", "residence": "jp",
        "details": DETAILS, "received_at": NOW, "paused_seconds": 0, "version_id": 1, "created_at": NOW,
        "updated_at": NOW}, json_columns=("agent", "subject", "details"))
    ids["revision"] = _insert(connection, "item_revision", {
        "item_id": ids["address_item"], "person_id": person, "old_value": ADDRESS, "new_value": NEW_ADDRESS,
        "changed_at": NOW, "request_id": ids["request"], "actor_type": "staff", "actor_id": "1"},
        json_columns=("old_value", "new_value"))
    ids["event"] = _insert(connection, "request_event", {
        "request_id": ids["request"], "at": NOW, "kind": "message_from_requester", "actor_type": "customer",
        "body": f"新しい住所は{NEW_ADDRESS}です", "data": DETAILS, "visible_to_requester": True},
        json_columns=("data",))
    ids["mail"] = _insert(connection, "outbox_message", {
        "to_address": EMAIL, "subject": "[MG-2025-000012] 受付のお知らせ", "body_text": MAIL_BODY,
        "body_html": f"<p>{MAIL_BODY}</p>", "kind": "dsr.received", "status": "sent", "attempts": 1,
        "created_at": NOW, "next_attempt_at": NOW, "sent_at": NOW})
    ids["challenge"] = _insert(connection, "email_challenge", {
        "email": EMAIL, "nonce": "n" * 32, "code_hash": "c" * 64, "browser_binding": "b" * 64, "language": "ja",
        "created_at": NOW, "expires_at": NOW, "failed_attempts": 0})
    ids["session"] = _insert(connection, "customer_session", {
        "token_hash": "t" * 64, "email": EMAIL, "person_id": person, "created_at": NOW, "last_seen_at": NOW,
        "step_up_failures": 0})
    ids["staff"] = _insert(connection, "staff_user", {
        "email": "staff.0012@example.jp", "name": "係 一郎", "role": "agent", "totp_secret": TOTP_SECRET,
        "failed_login_count": 0, "active": True, "session_version": 1, "created_at": NOW})
    return ids


@pytest.fixture
def upgraded(old_app):
    """(app, ids): plaintext rows written at 0012, then the database upgraded to head."""
    with old_app.app_context():
        with db.engine.begin() as connection:
            ids = _write_plaintext_rows(connection)
        upgrade(directory=MIGRATIONS_DIR)
        db.engine.dispose()
    return old_app, ids


def test_every_value_is_ciphertext_under_the_active_key_after_the_upgrade(upgraded):
    app, ids = upgraded
    with app.app_context():
        prefix = keyring().active_id + ":"
        with db.engine.connect() as connection:
            for (table, column), plaintext in PLAINTEXTS.items():
                values = connection.execute(sa.text(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL")) \
                    .scalars().all()
                assert values, f"{table}.{column} lost its values"
                for value in values:
                    assert value.startswith(prefix), f"{table}.{column} is not ciphertext: {value[:40]!r}"
                    assert plaintext not in value and plaintext.lower() not in value.lower()
            # The JSON null the old app wrote for "no agent" became ciphertext too (or stayed NULL): never clear.
            agent = connection.execute(sa.text("SELECT agent FROM data_request")).scalar_one()
            assert agent is None or agent.startswith(prefix)
            unencrypted = connection.execute(sa.text(
                "SELECT count(*) FROM item WHERE value NOT LIKE :prefix"), {"prefix": prefix + "%"}).scalar_one()
            assert unencrypted == 0  # every batch, not only the first thousand rows


def test_the_portal_reads_the_original_values(upgraded):
    app, ids = upgraded
    with app.app_context():
        person = db.session.get(Person, ids["person"])
        assert (person.email, person.name, person.name_kana, person.phone, person.birthdate) == (
            EMAIL, NAME, KANA, PHONE, date(1980, 2, 29))
        assert db.session.get(Item, ids["name_item"]).value == NAME
        purchase = db.session.get(Item, ids["purchase"])
        assert purchase.value == PURCHASE and purchase.amount == 2400
        total = db.session.scalar(sa.select(sa.func.sum(Item.amount)).where(Item.category == Category.PURCHASE))
        assert total == 2400 + 10 * EXTRA_LINES  # totals still summed in SQL, over every batch
        revision = db.session.get(ItemRevision, ids["revision"])
        assert (revision.old_value, revision.new_value) == (ADDRESS, NEW_ADDRESS)
        request = db.session.get(DataRequest, ids["request"])
        assert (request.requester_email, request.requester_name, request.details) == (REQUESTER, NAME, DETAILS)
        assert request.agent is None and request.subject is None
        event = db.session.get(RequestEvent, ids["event"])
        assert event.body == f"新しい住所は{NEW_ADDRESS}です" and event.data == DETAILS
        mail = db.session.get(OutboxMessage, ids["mail"])
        assert (mail.to_address, mail.body_text, mail.body_html) == (EMAIL, MAIL_BODY, f"<p>{MAIL_BODY}</p>")
        assert db.session.get(EmailChallenge, ids["challenge"]).email == EMAIL
        assert db.session.get(CustomerSession, ids["session"]).email == EMAIL
        assert db.session.get(StaffUser, ids["staff"]).totp_secret == TOTP_SECRET


def test_people_and_requests_are_found_through_the_new_blind_indexes(upgraded):
    app, ids = upgraded
    with app.app_context():
        def people(condition):
            return db.session.scalars(sa.select(Person.id).where(condition)).all()

        assert people(Person.with_email("migrated.person@example.jp")) == [ids["person"]]
        assert people(Person.with_email("ＭＩＧＲＡＴＥＤ.PERSON@example.jp")) == [ids["person"]]
        assert people(Person.with_phone("０３（５５５５）０１０１")) == [ids["person"]]
        assert people(Person.with_name("移行真理子")) == [ids["person"]]
        assert people(Person.with_name("イコウ　マリコ")) == [ids["person"]]
        assert people(Person.with_email("someone@example.jp")) == []
        from portal.encryption.blind import email_index, name_index

        request = db.session.get(DataRequest, ids["request"])
        assert request.requester_email_index == email_index(REQUESTER.upper())
        assert request.requester_name_index == name_index(NAME)
        assert db.session.get(EmailChallenge, ids["challenge"]).email_index == email_index(EMAIL)


def test_after_the_upgrade_the_portal_writes_and_the_head_revision_is_recorded(upgraded):
    app, ids = upgraded
    with app.app_context():
        person = db.session.get(Person, ids["person"])
        person.phone = "080-0000-1212"
        db.session.add(Item(person_id=person.id, category=Category.PURCHASE, field="line",
                            value={"price": 300, "quantity": 3},
                            collected_at=datetime(2025, 7, 1, tzinfo=timezone.utc)))
        newcomer = Person(key="C-NEW", email="newcomer@example.jp", name="新規 太郎")
        db.session.add(newcomer)
        db.session.commit()
        db.session.remove()

        assert db.session.get(Person, ids["person"]).phone == "080-0000-1212"
        assert db.session.scalars(sa.select(Person.key).where(Person.with_phone("08000001212"))).all() == ["C-0012"]
        assert db.session.scalars(sa.select(Person.key).where(Person.with_email("NEWCOMER@example.jp"))).all() == ["C-NEW"]
        line = db.session.scalar(sa.select(Item).where(Item.person_id == ids["person"]).order_by(Item.id.desc()))
        assert line.value == {"price": 300, "quantity": 3} and line.amount == 900
        raw = db.session.execute(sa.text("SELECT phone FROM person WHERE key = 'C-0012'")).scalar_one()
        assert "0000" not in raw
        # The same address cannot be registered twice, whatever its case (the unique index moved to the hash).
        db.session.add(Person(key="C-DUP", email="MIGRATED.person@example.jp"))
        with pytest.raises(sa.exc.IntegrityError):
            db.session.commit()
        db.session.rollback()

        from alembic.migration import MigrationContext
        from alembic.script import ScriptDirectory
        from alembic.config import Config

        config = Config(f"{MIGRATIONS_DIR}/alembic.ini")
        config.set_main_option("script_location", MIGRATIONS_DIR)
        with db.engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
        assert current == ScriptDirectory.from_config(config).get_current_head()


def test_people_whose_addresses_only_differ_in_width_stop_the_upgrade_with_a_clear_message(old_app):
    with old_app.app_context():
        with db.engine.begin() as connection:
            for key, email in (("C-ASCII", "hanako@example.jp"), ("C-WIDE", "ｈａｎａｋｏ@example.jp")):
                _insert(connection, "person", {"key": key, "email": email, "created_at": NOW, "updated_at": NOW})
        with pytest.raises(Exception) as stop:
            _alembic_upgrade()
        db.session.remove()
        db.engine.dispose()
    assert "C-ASCII and C-WIDE" in str(stop.value) and "stopped before changing anything" in str(stop.value)
    assert "hanako" not in str(stop.value)  # keys, never the address, in a message an operator may paste


def test_an_upgrade_that_failed_can_be_run_again_once_the_data_is_fixed(old_app):
    with old_app.app_context():
        with db.engine.begin() as connection:
            for key, email in (("C-ASCII", "hanako@example.jp"), ("C-WIDE", "ｈａｎａｋｏ@example.jp")):
                _insert(connection, "person", {"key": key, "email": email, "created_at": NOW, "updated_at": NOW})
        with pytest.raises(Exception, match="stopped before changing anything"):
            _alembic_upgrade()
        db.session.remove()
        with db.engine.begin() as connection:  # the operator merges the two records
            connection.execute(sa.text("DELETE FROM person WHERE key = 'C-WIDE'"))
        upgrade(directory=MIGRATIONS_DIR)
        assert db.session.scalars(sa.select(Person.key).where(Person.with_email("HANAKO@example.jp"))).all() == ["C-ASCII"]
        db.session.remove()
        db.engine.dispose()


def _alembic_upgrade() -> None:
    """Alembic's own upgrade, which raises (`flask db upgrade` logs the message and exits 1)."""
    from alembic import command
    from flask import current_app

    command.upgrade(current_app.extensions["migrate"].migrate.get_config(MIGRATIONS_DIR), "head")
