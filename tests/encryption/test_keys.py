"""The keys: what production refuses, what a malformed setting says, and what the ciphertext and
blind indexes promise (key id named on failure, bound to its column, random nonce, normalised
exact-match indexes)."""
from __future__ import annotations

import base64
import os

import pytest
import sqlalchemy as sa
from cryptography.exceptions import InvalidTag

from portal import create_app
from portal.encryption.blind import email_index, name_index, normalise_phone, number_index, phone_index
from portal.encryption.cipher import decrypt, encrypt, key_id_of, keyring
from portal.encryption.keys import DEVELOPMENT_DATA_KEYS, DEVELOPMENT_INDEX_KEY, Keyring, UnknownKey
from portal.extensions import db
from portal.inventory.models import Person
from tests.fixtures.app import TEST_SECRET_KEY


def new_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def production(monkeypatch, **env):
    """Start a production portal with exactly these key settings in the environment."""
    for name in ("PORTAL_DATA_KEYS", "PORTAL_INDEX_KEY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return create_app({"PORTAL_ENV": "production", "SECRET_KEY": TEST_SECRET_KEY, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                       "PORTAL_CHECK_DATABASE_ON_START": False})


def refusal(monkeypatch, **env) -> str:
    with pytest.raises(SystemExit) as stop:
        production(monkeypatch, **env)
    return str(stop.value)


# --- production refuses missing and published keys ---

@pytest.mark.parametrize("env", [{}, {"PORTAL_INDEX_KEY": "x"}, {"PORTAL_DATA_KEYS": "k1:x"}])
def test_production_refuses_to_start_without_both_keys(monkeypatch, env):
    env = {name: (new_key() if value == "x" else f"k1:{new_key()}") for name, value in env.items()}
    message = refusal(monkeypatch, **env)
    assert "PORTAL_DATA_KEYS and PORTAL_INDEX_KEY must be set in production" in message
    assert "base64" in message  # it says how to make a key


@pytest.mark.parametrize("env", [
    {"PORTAL_DATA_KEYS": DEVELOPMENT_DATA_KEYS, "PORTAL_INDEX_KEY": "new"},
    {"PORTAL_DATA_KEYS": "prod:" + DEVELOPMENT_DATA_KEYS.partition(":")[2], "PORTAL_INDEX_KEY": "new"},  # renamed
    {"PORTAL_DATA_KEYS": "k2:new,dev:" + DEVELOPMENT_DATA_KEYS.partition(":")[2], "PORTAL_INDEX_KEY": "new"},  # kept as old
    {"PORTAL_DATA_KEYS": "k1:new", "PORTAL_INDEX_KEY": DEVELOPMENT_INDEX_KEY},
])
def test_production_refuses_the_published_development_keys(monkeypatch, env):
    env = {name: value.replace("new", new_key()) for name, value in env.items()}
    assert "published development key" in refusal(monkeypatch, **env)


@pytest.mark.parametrize("spelling", ["newline", "padding bits"])
def test_production_refuses_the_development_keys_however_they_are_spelled(monkeypatch, spelling):
    data = DEVELOPMENT_DATA_KEYS.partition(":")[2]
    if spelling == "newline":
        env = {"PORTAL_DATA_KEYS": f"k1:{new_key()}", "PORTAL_INDEX_KEY": DEVELOPMENT_INDEX_KEY + "\n"}
    else:
        # 32 bytes take 43 base64 characters and a '='; the last character's 2 spare bits are ignored.
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
        last = alphabet[alphabet.index(data[42]) ^ 1]
        other = data[:42] + last + "="
        assert other != data and base64.b64decode(other) == base64.b64decode(data)
        env = {"PORTAL_DATA_KEYS": f"k1:{other}", "PORTAL_INDEX_KEY": new_key()}
    assert "published development key" in refusal(monkeypatch, **env)


def test_production_starts_with_random_keys_and_encrypts_under_the_first(monkeypatch):
    app = production(monkeypatch, PORTAL_DATA_KEYS=f"2026b:{new_key()}, 2026a:{new_key()}", PORTAL_INDEX_KEY=new_key())
    with app.app_context():
        assert keyring().active_id == "2026b" and set(keyring().data_keys) == {"2026b", "2026a"}
        assert key_id_of(encrypt("山田 花子", "person.name")) == "2026b"


def test_development_and_tests_run_on_the_published_keys_without_settings(monkeypatch):
    for name in ("PORTAL_DATA_KEYS", "PORTAL_INDEX_KEY"):
        monkeypatch.delenv(name, raising=False)
    app = create_app({"PORTAL_ENV": "development", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "PORTAL_CHECK_DATABASE_ON_START": False})
    assert (app.config["PORTAL_DATA_KEYS"], app.config["PORTAL_INDEX_KEY"]) == (DEVELOPMENT_DATA_KEYS, DEVELOPMENT_INDEX_KEY)


# --- malformed settings say what is wrong ---

@pytest.mark.parametrize("data_keys, index_key, expected", [
    ("k1:not*base64!", "<key>", "PORTAL_DATA_KEYS: a key is not valid base64"),
    ("k1:" + base64.b64encode(os.urandom(16)).decode(), "<key>", "PORTAL_DATA_KEYS: a key must be 32 random bytes, base64-encoded, got 16"),
    ("k1:<key>,k1:<key>", "<key>", "PORTAL_DATA_KEYS: the key id 'k1' appears twice"),
    ("<key>", "<key>", "PORTAL_DATA_KEYS: each key is written id:base64"),
    ("bad id!:<key>", "<key>", "PORTAL_DATA_KEYS: each key is written id:base64"),
    (" , ", "<key>", "PORTAL_DATA_KEYS is empty"),
    ("k1:<key>", "not*base64!", "PORTAL_INDEX_KEY: a key is not valid base64"),
    ("k1:<key>", base64.b64encode(os.urandom(64)).decode(), "PORTAL_INDEX_KEY: a key must be 32 random bytes, base64-encoded, got 64"),
])
def test_a_malformed_key_setting_is_refused_with_a_clear_message(monkeypatch, data_keys, index_key, expected):
    # Each "<key>" becomes a fresh valid key ('<' is not base64, so no key is mistaken for one).
    message = refusal(monkeypatch, PORTAL_DATA_KEYS=_with_keys(data_keys), PORTAL_INDEX_KEY=_with_keys(index_key))
    assert message.startswith("madoguchi: configuration error: ") and expected in message
    assert "Traceback" not in message


def _with_keys(template: str) -> str:
    parts = template.split("<key>")
    return "".join(part + (new_key() if i < len(parts) - 1 else "") for i, part in enumerate(parts))


@pytest.mark.parametrize("env", ["testing", "development"])
def test_malformed_keys_are_refused_outside_production_too(monkeypatch, env):
    monkeypatch.setenv("PORTAL_DATA_KEYS", "k1:too-short")
    with pytest.raises(SystemExit) as stop:
        create_app({"PORTAL_ENV": env, "SECRET_KEY": TEST_SECRET_KEY, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                    "PORTAL_CHECK_DATABASE_ON_START": False})
    assert "PORTAL_DATA_KEYS" in str(stop.value)


# --- what the ciphertext promises, on the real database ---

def _raw(column: str, key: str) -> str:
    return db.session.execute(sa.text(f"SELECT {column} FROM person WHERE key = :key"), {"key": key}).scalar_one()


def _person(key: str, **values) -> None:
    db.session.add(Person(key=key, email=values.pop("email", f"{key.lower()}@example.jp"), **values))
    db.session.commit()
    db.session.expunge_all()


def test_a_value_under_a_key_the_portal_does_not_list_names_that_key(app_ctx):
    _person("C-1", name="山田 花子")
    retired = Keyring.from_settings(f"old2025:{new_key()}", new_key())
    db.session.execute(sa.text("UPDATE person SET name = :name WHERE key = 'C-1'"),
                       {"name": encrypt("山田 花子", "person.name", retired)})
    db.session.commit()
    with pytest.raises(UnknownKey) as error:
        db.session.scalar(sa.select(Person).where(Person.key == "C-1"))
    assert "'old2025'" in str(error.value) and "PORTAL_DATA_KEYS" in str(error.value)
    db.session.rollback()


def test_a_retired_key_still_listed_reads_old_values_and_new_ones_use_the_first_key():
    old, new, index = new_key(), new_key(), new_key()
    before = Keyring.from_settings(f"a:{old}", index)
    token = encrypt("090-1234-5678", "person.phone", before)
    after = Keyring.from_settings(f"b:{new},a:{old}", index)
    assert decrypt(token, "person.phone", after) == "090-1234-5678"
    assert key_id_of(encrypt("090-1234-5678", "person.phone", after)) == "b"
    with pytest.raises(UnknownKey, match="'a'"):
        decrypt(token, "person.phone", Keyring.from_settings(f"b:{new}", index))


def test_a_value_copied_into_another_column_does_not_decrypt(app_ctx):
    _person("C-1", name="山田 花子", phone="090-1234-5678")
    db.session.execute(sa.text("UPDATE person SET phone = name WHERE key = 'C-1'"))  # same key, wrong column
    db.session.commit()
    with pytest.raises(InvalidTag):
        db.session.scalar(sa.select(Person).where(Person.key == "C-1"))
    db.session.rollback()
    token = encrypt("山田 花子", "person.name")
    assert decrypt(token, "person.name") == "山田 花子"
    for context in ("person.name_kana", "data_request.requester_name", "item.value"):
        with pytest.raises(InvalidTag):
            decrypt(token, context)


def test_a_tampered_value_does_not_decrypt(app_ctx):
    token = encrypt("東京都渋谷区神宮前9-9-9", "item.value")
    key_id, _, encoded = token.partition(":")
    raw = bytearray(base64.b64decode(encoded))
    raw[20] ^= 1
    with pytest.raises(InvalidTag):
        decrypt(f"{key_id}:{base64.b64encode(bytes(raw)).decode()}", "item.value")


def test_the_same_value_encrypts_differently_each_time_but_indexes_the_same(app_ctx):
    _person("C-1", email="same@example.jp", name="山田 花子", phone="090-1234-5678")
    _person("C-2", email="other@example.jp", name="山田 花子", phone="090-1234-5678")
    assert _raw("name", "C-1") != _raw("name", "C-2") and _raw("phone", "C-1") != _raw("phone", "C-2")
    assert _raw("name_index", "C-1") == _raw("name_index", "C-2") == name_index("山田 花子")
    assert _raw("phone_index", "C-1") == _raw("phone_index", "C-2")
    assert len({encrypt("x", "person.name") for _ in range(20)}) == 20
    keys = sorted(db.session.scalars(sa.select(Person.key).where(Person.with_name("山田花子"))))
    assert keys == ["C-1", "C-2"]


# --- blind indexes normalise, and only match whole values ---

def test_email_index_ignores_case_width_and_surrounding_spaces(app_ctx):
    expected = email_index("hanako@example.jp")
    for spelling in ("HANAKO@Example.JP", "  hanako@example.jp\t", "ｈａｎａｋｏ＠ｅｘａｍｐｌｅ．ｊｐ", "ＨＡＮＡＫＯ@EXAMPLE.jp"):
        assert email_index(spelling) == expected, spelling
    for other in ("hanako@example.jp.evil", "hanako@example", "hana ko@example.jp"):
        assert email_index(other) != expected, other


def test_phone_index_keeps_only_the_digits(app_ctx):
    expected = phone_index("0312345678")
    for spelling in ("03-1234-5678", "03 1234 5678", "(03)1234-5678", "０３－１２３４－５６７８", "０３（１２３４）５６７８"):
        assert phone_index(spelling) == expected, spelling
    assert phone_index("03-1234-5679") != expected
    assert normalise_phone("不明") == "" and phone_index("不明") is None
    assert db.session.scalars(sa.select(Person.id).where(Person.with_phone("不明"))).all() == []


def test_name_index_ignores_spaces_width_and_case(app_ctx):
    expected = name_index("山田 花子")
    for spelling in ("山田　花子", "山田花子", " 山田  花子 ", "山田\t花子"):
        assert name_index(spelling) == expected, spelling
    assert name_index("ﾔﾏﾀﾞ ﾊﾅｺ") == name_index("ヤマダ　ハナコ") == name_index("ヤマダハナコ")  # half-width kana
    assert name_index("Taro YAMADA") == name_index("taro yamada") == name_index("ＴＡＲＯ　Ｙａｍａｄａ")
    assert name_index("山田") != expected and name_index("花子") != expected  # whole names only


def test_customer_number_index_ignores_width_case_spaces_and_dashes(app_ctx, import_lines):
    expected = number_index("M-55501234")
    for spelling in ("M55501234", "m-5550 1234", "Ｍ－５５５０１２３４", "ｍ５５５０１２３４"):
        assert number_index(spelling) == expected, spelling
    assert number_index("M-55501235") != expected
    import_lines({"type": "person", "key": "C-1", "email": "a@example.jp", "customer_number": "M-55501234"})
    assert db.session.scalars(sa.select(Person.key).where(Person.with_customer_number("ｍ５５５０１２３４"))).all() == ["C-1"]


def test_indexes_are_keyed_and_kinds_do_not_collide(app_ctx):
    assert email_index("a@b.jp") != name_index("a@b.jp")  # each kind hashes in its own domain
    other = Keyring.from_settings(f"k:{new_key()}", new_key())
    import hashlib
    import hmac

    unkeyed = hashlib.sha256(b"email\x00hanako@example.jp").hexdigest()
    keyed_elsewhere = hmac.new(other.index_key, b"email\x00hanako@example.jp", hashlib.sha256).hexdigest()
    assert email_index("hanako@example.jp") not in (unkeyed, keyed_elsewhere)
