"""`flask --app portal rotate-key`: everything moves to the new key, in resumable batches,
without undoing what the portal writes meanwhile."""
from __future__ import annotations

import base64
import os

import pytest
import sqlalchemy as sa

from portal.audit.services import Actor
from portal.dsr import services as dsr
from portal.dsr.models import DataRequest, RequestChannel, RequestType
from portal.encryption import EXTENSION
from portal.encryption.keys import DEVELOPMENT_DATA_KEYS, Keyring
from portal.encryption.rotation import encrypted_columns, rotate, stale_counts
from portal.extensions import db
from portal.inventory.models import Item, Person
from tests.inventory.records import ITEM, PERSON, PURCHASE, PURPOSE, SOURCE

NEW_KEY = "new:" + base64.b64encode(os.urandom(32)).decode()


@pytest.fixture
def keys(app):
    """Switch the running app's keys as an operator would (new key first, old kept), then back."""
    original = app.extensions[EXTENSION]

    def use(data_keys: str) -> None:
        app.extensions[EXTENSION] = Keyring.from_settings(data_keys, app.config["PORTAL_INDEX_KEY"])

    yield use
    app.extensions[EXTENSION] = original


@pytest.fixture
def register(app, import_lines):
    """A person, items and a request with its timeline, all written under the old key."""
    import_lines(SOURCE, PURPOSE, PERSON, ITEM, PURCHASE)
    with app.app_context():
        person = db.session.scalar(sa.select(Person).where(Person.with_email("hanako@example.jp")))
        dsr.create_request(type=RequestType.DISCLOSURE, person_id=person.id, requester_email=person.email,
                           requester_name=person.name, channel=RequestChannel.WEB, language="ja",
                           residence="jp", details={"note": "全部見せてください"}, actor=Actor("customer", None))
        db.session.commit()
        db.session.remove()


def raw_values(app) -> list[str]:
    with app.app_context():
        values = []
        for table, columns in encrypted_columns().items():
            for column in columns:
                values += db.session.scalars(sa.select(sa.type_coerce(column, sa.Text)).where(column.is_not(None)))
        db.session.remove()
    return values


def readable(app) -> tuple:
    with app.app_context():
        person = db.session.scalar(sa.select(Person).where(Person.with_email("hanako@example.jp")))
        items = sorted(repr(v) for v in db.session.scalars(sa.select(Item.value)))
        request = db.session.scalar(sa.select(DataRequest))
        db.session.remove()
        return person.name, person.phone, person.birthdate, items, request.requester_email, request.details


def test_rotation_moves_every_value_to_the_new_key_and_nothing_reads_differently(app, runner, register, keys):
    before = readable(app)
    assert {value.partition(":")[0] for value in raw_values(app)} == {"dev"}

    keys(f"{NEW_KEY},{DEVELOPMENT_DATA_KEYS}")
    status = runner.invoke(args=["rotate-key", "--status"])
    assert "active key: new;" in status.output and "person: 1" in status.output
    result = runner.invoke(args=["rotate-key", "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    assert "now under key new" in result.output
    assert {value.partition(":")[0] for value in raw_values(app)} == {"new"}

    keys(NEW_KEY)  # the old key is gone: everything still reads
    assert readable(app) == before
    assert "rows under an older key: 0" in runner.invoke(args=["rotate-key", "--status"]).output


def test_an_interrupted_rotation_is_resumed_by_running_it_again(app, register, keys):
    keys(f"{NEW_KEY},{DEVELOPMENT_DATA_KEYS}")

    class Stop(Exception):
        pass

    def stop_after_first_batch(table, done):
        raise Stop

    with app.app_context():
        with pytest.raises(Stop):
            rotate(1, progress=stop_after_first_batch)
        db.session.rollback()
        remaining = sum(stale_counts().values())
        assert remaining > 0  # the first batch was committed, the rest waits
        rotate(1)
        assert sum(stale_counts().values()) == 0
        db.session.remove()


def test_a_value_the_portal_rewrites_during_rotation_is_kept(app, register, keys):
    """The rotation read the old ciphertext; the portal then changed the name; the rotation's
    write for that row must not put the old name back."""
    from portal.encryption import rotation

    keys(f"{NEW_KEY},{DEVELOPMENT_DATA_KEYS}")
    with app.app_context():
        table = Person.__table__
        columns = encrypted_columns()[table]
        stale_row = db.session.execute(sa.select(table.c.id, *[sa.type_coerce(c, sa.Text).label(c.name)
                                                               for c in columns])).one()
        person = db.session.get(Person, stale_row.id)
        person.name = "山田 花"  # the portal writes (under the new key)
        db.session.commit()

        rewritten = rotation._rotate_row(table, table.c.id, columns, stale_row, app.extensions[EXTENSION])
        db.session.commit()
        assert rewritten == 0
        db.session.expire_all()
        assert db.session.get(Person, stale_row.id).name == "山田 花"
        db.session.remove()


def test_a_value_under_a_key_no_longer_listed_fails_with_its_key_id(app, register, keys):
    keys(NEW_KEY)  # the operator dropped the old key before rotating
    with app.app_context(), pytest.raises(LookupError, match="'dev'"):
        db.session.scalar(sa.select(Person))
