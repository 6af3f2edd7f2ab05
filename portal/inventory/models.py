"""Persons, sources, purposes, items, the consent history and provision records."""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.common.db import UTCDateTime, str_enum
from portal.common.json_text import compact_json
from portal.common.time import utcnow
from portal.encryption.blind import (
    content_digest, email_index, family_name_index, index_matches, index_pairs, kept_in_step, name_index, number_index,
    phone_index,
)
from portal.encryption.types import EncryptedDate, EncryptedJSON, EncryptedText
from portal.extensions import db
from portal.webhooks.services import resolve_person_keys_with
from portal.inventory.amounts import line_amount


class SourceKind(enum.StrEnum):
    DIRECT = "direct"
    PURCHASE = "purchase"
    MEMBERSHIP = "membership"
    SURVEY = "survey"
    CAMPAIGN = "campaign"
    EVENT = "event"
    BUSINESS_CARD = "business_card"
    PURCHASED_LIST = "purchased_list"
    PARTNER = "partner"
    GROUP_COMPANY = "group_company"
    PUBLIC = "public"
    OTHER = "other"

    @property
    def is_third_party(self) -> bool:
        return self in THIRD_PARTY_KINDS


THIRD_PARTY_KINDS = frozenset(
    {SourceKind.PURCHASED_LIST, SourceKind.PARTNER, SourceKind.GROUP_COMPANY}
)


class Channel(enum.StrEnum):
    EMAIL = "email"
    POST = "post"
    PHONE = "phone"
    SMS = "sms"
    NONE = "none"


class Category(enum.StrEnum):
    IDENTITY = "identity"
    CONTACT = "contact"
    DEMOGRAPHIC = "demographic"
    MEMBERSHIP = "membership"
    PURCHASE = "purchase"
    POINTS = "points"
    SURVEY = "survey"
    PREFERENCE = "preference"
    BUSINESS_CARD = "business_card"
    PHOTO = "photo"
    DEVICE = "device"
    OTHER = "other"


class ConsentState(enum.StrEnum):
    GRANTED = "granted"
    WITHDRAWN = "withdrawn"


class ProvisionBasis(enum.StrEnum):
    CONSENT = "consent"
    OPT_OUT = "opt_out"
    LAW = "law"
    ENTRUSTMENT = "entrustment"
    JOINT_USE = "joint_use"


#: The person's encrypted fields that can be looked up, and the blind index of each.
#: Names are also indexed by their first part (the family name), so "山田" finds "山田 花子".
PERSON_INDEXES = {"email": ("email_index", email_index), "phone": ("phone_index", phone_index),
                  "name": [("name_index", name_index), ("name_family_index", family_name_index)],
                  "name_kana": [("name_kana_index", name_index), ("name_kana_family_index", family_name_index)],
                  "customer_number": ("customer_number_index", number_index)}


def person_indexes(values: dict) -> dict[str, str | None]:
    """The blind-index columns for a row of person fields (for bulk writes that skip the ORM)."""
    return {column: index(values.get(field)) for field, target in PERSON_INDEXES.items() if field in values
            for column, index in index_pairs(target)}


class Person(db.Model):
    """A data subject, known by the company's key; the email, when there is one, is unique.

    Identifying fields are encrypted; email, phone, customer number and names are found
    through their blind indexes (exact matches only), which the ORM keeps in step whenever a
    field is set. Further emails and phones are contact items (`Item.lookup_index`); the
    `with_email` / `with_phone` conditions find a person by any of them.
    """

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # None for persons reached only by post or at the counter, and once erased in full.
    email: Mapped[str | None] = mapped_column(EncryptedText("person.email"))
    email_index: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str | None] = mapped_column(EncryptedText("person.name"))
    name_index: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    name_kana: Mapped[str | None] = mapped_column(EncryptedText("person.name_kana"))
    name_kana_index: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    name_family_index: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    name_kana_family_index: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    phone: Mapped[str | None] = mapped_column(EncryptedText("person.phone"))
    phone_index: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    birthdate: Mapped[date | None] = mapped_column(EncryptedDate("person.birthdate"))
    customer_number: Mapped[str | None] = mapped_column(EncryptedText("person.customer_number"))
    customer_number_index: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # A full erasure leaves the entry as a tombstone: its key, when, and the request that asked.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    erasure_reference: Mapped[str | None] = mapped_column(sa.String(40))
    # Set when this record was merged into another (名寄せ): the row stays as an alias whose key
    # and addresses lead to the survivor (portal/merging); everything else moved there.
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"), index=True)

    items: Mapped[list[Item]] = relationship(back_populates="person", lazy="raise_on_sql")

    _keep_indexes = kept_in_step(PERSON_INDEXES)

    @classmethod
    def with_email(cls, address: str):
        """The condition "`address` is one of this person's emails" (the person's own, or a
        contact item's), normalised like every stored email."""
        return _own_or_contact_item(cls.email_index, ("email",), email_index(address))

    @classmethod
    def with_own_email(cls, address: str):
        """Only the person's own email (the one they are written to at), not a contact item's."""
        return index_matches(cls.email_index, email_index(address))

    @classmethod
    def with_phone(cls, number: str):
        """The person's phone or a phone contact item's is `number` (digits compared)."""
        return _own_or_contact_item(cls.phone_index, ("phone", "mobile"), phone_index(number))

    @classmethod
    def with_customer_number(cls, text: str):
        return index_matches(cls.customer_number_index, number_index(text))

    @classmethod
    def with_name(cls, text: str):
        """Either name (kanji or kana) is `text`, ignoring spaces and case."""
        wanted = name_index(text)
        return sa.or_(index_matches(cls.name_index, wanted), index_matches(cls.name_kana_index, wanted))

    @classmethod
    def with_any_identifier(cls, text: str):
        """The person's key, customer number, phone, whole name or family name (kanji or kana)
        is `text`: what staff type to find someone (one indexed read each, see `any_person`)."""
        return any_person(cls.key == text, cls.with_customer_number(text), cls.with_phone(text),
                          cls.with_name(text), cls.with_family_name(text))

    @classmethod
    def with_family_name(cls, text: str):
        """The first part of either name (kanji or kana) is `text`: "山田" finds "山田 花子"."""
        wanted = name_index(text)
        return sa.or_(index_matches(cls.name_family_index, wanted), index_matches(cls.name_kana_family_index, wanted))


def _own_or_contact_item(own_index, fields: tuple[str, ...], wanted: str | None):
    if wanted is None:
        return sa.false()
    in_items = sa.select(Item.person_id).where(Item.lookup_index == wanted, Item.category == Category.CONTACT,
                                               Item.field.in_(fields))
    return Person.id.in_(sa.union(sa.select(Person.id).where(own_index == wanted), in_items))


def any_person(*conditions):
    """The condition "the person matches any of `conditions`", as one id list from one indexed
    read per condition. Written as an OR, a condition that looks into items (a contact email
    or phone) made PostgreSQL read every person: a second per sign-in at a million persons."""
    return Person.id.in_(sa.union(*(sa.select(Person.id).where(condition) for condition in conditions)))


#: Contact items whose value finds the person (several emails and phones), by field.
CONTACT_LOOKUPS = {"email": email_index, "phone": phone_index, "mobile": phone_index}


def item_lookup_index(category, field: str | None, value: Any) -> str | None:
    """The blind index of a contact item's email or phone (None for every other item)."""
    index = CONTACT_LOOKUPS.get(field) if category == Category.CONTACT else None
    return index(value) if index is not None and isinstance(value, str) else None


class Source(db.Model):
    """Where data came from (取得元); third-party kinds name the provider and how it got the data."""

    __tablename__ = "source"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    kind: Mapped[SourceKind] = mapped_column(str_enum(SourceKind))
    name_ja: Mapped[str] = mapped_column(sa.String(300))
    name_en: Mapped[str] = mapped_column(sa.String(300))
    obtained_on: Mapped[date | None] = mapped_column(sa.Date)
    provider: Mapped[str | None] = mapped_column(sa.String(300))
    provider_obtained_by: Mapped[str | None] = mapped_column(sa.Text)
    note: Mapped[str | None] = mapped_column(sa.Text)
    # Which version of the privacy notice / consent wording people saw when this source collected
    # their data (the card handed over at the booth): shown on "my data" and in the disclosure.
    notice_version: Mapped[str | None] = mapped_column(sa.String(64))
    # The provider gave us this data by opt-out (オプトアウトによる第三者提供, Art. 27(2)): we may
    # not pass it on by opt-out in turn; the date the provider filed with the Commission, if known.
    obtained_via_opt_out: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    provider_opt_out_filed_on: Mapped[date | None] = mapped_column(sa.Date)


class Purpose(db.Model):
    """A specific use of data (利用目的), in words a customer understands."""

    __tablename__ = "purpose"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    title_ja: Mapped[str] = mapped_column(sa.String(300))
    title_en: Mapped[str] = mapped_column(sa.String(300))
    description_ja: Mapped[str | None] = mapped_column(sa.Text)
    description_en: Mapped[str | None] = mapped_column(sa.Text)
    consent_required: Mapped[bool] = mapped_column(default=False)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel), default=Channel.NONE)
    # The use is a sale or sharing of personal information in the CCPA's words (giving data to an
    # ad partner, say): a Global Privacy Control signal withdraws consent to it (portal.customer.gpc).
    sale_or_sharing: Mapped[bool] = mapped_column(default=False, server_default=sa.false())


item_purpose = sa.Table(
    "item_purpose",
    db.metadata,
    sa.Column("item_id", sa.ForeignKey("item.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("purpose_id", sa.ForeignKey("purpose.id"), primary_key=True, index=True),
)


class Item(db.Model):
    """One piece of held data (保有個人データ); purchase lines and point records are items too."""

    __tablename__ = "item"
    __table_args__ = (
        # "my data" reads a person's items category by category, newest first, and sums up each
        # category's sources, retention (0020) and amounts (0043) from the index alone, not the rows.
        sa.Index("ix_item_person_category_collected", "person_id", "category", "collected_at", "source_id",
                 "retain_until", "amount"),
        # Staff see the holds in force (/staff/retention): few items among millions (0019).
        sa.Index("ix_item_legal_hold", "legal_hold_until",
                 sqlite_where=sa.text("legal_hold_until IS NOT NULL"),
                 postgresql_where=sa.text("legal_hold_until IS NOT NULL")),
        # A person's further emails and phones find them (verification, staff search) (0021).
        sa.Index("ix_item_lookup_index", "lookup_index",
                 sqlite_where=sa.text("lookup_index IS NOT NULL"),
                 postgresql_where=sa.text("lookup_index IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str | None] = mapped_column(sa.String(160), unique=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"))
    category: Mapped[Category] = mapped_column(str_enum(Category))
    field: Mapped[str] = mapped_column(sa.String(64))
    value: Mapped[Any] = mapped_column(EncryptedJSON("item.value"))
    # The line's amount (price × quantity, points…) in clear, so totals are summed in SQL
    # without decrypting thousands of lines; kept in step with `value` by the ORM and importer.
    amount: Mapped[float | None] = mapped_column(sa.Float)
    # The blind index of a contact email or phone (CONTACT_LOOKUPS); kept in step like `amount`.
    lookup_index: Mapped[str | None] = mapped_column(sa.String(64))
    # What the importer wrote (item_content_digest), so a re-import finds an unchanged line without
    # decrypting it; any other change of the line's content clears it (then it is compared in full).
    content_digest: Mapped[str | None] = mapped_column(sa.String(64))
    source_id: Mapped[int | None] = mapped_column(sa.ForeignKey("source.id"), index=True)
    collected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retain_until: Mapped[date | None] = mapped_column(sa.Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A legal retention hold (e.g. tax records): until this date (inclusive) an erasure keeps
    # the item and names it, with the reason, in the answer to the person.
    legal_hold_until: Mapped[date | None] = mapped_column(sa.Date)
    legal_hold_reason: Mapped[str | None] = mapped_column(sa.Text)
    # Suspension of use (利用停止): the item stays held but leaves every use but the person's view.
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    suspended_request_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("data_request.id", ondelete="SET NULL")
    )

    person: Mapped[Person] = relationship(back_populates="items", lazy="raise_on_sql")
    source: Mapped[Source | None] = relationship(lazy="raise_on_sql")
    purposes: Mapped[list[Purpose]] = relationship(secondary=item_purpose, lazy="raise_on_sql")


class ItemSummary(db.Model):
    """A person's items summed up per category and source, kept by `portal.inventory.summary`
    in the transaction of every write that adds, changes or removes items (0045): what "my data"
    and the staff's person view show at a glance without a pass over 100,000 lines."""

    __tablename__ = "item_summary"
    __table_args__ = (sa.Index("ix_item_summary_person_category", "person_id", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"))
    category: Mapped[Category] = mapped_column(str_enum(Category))
    source_id: Mapped[int | None] = mapped_column(sa.ForeignKey("source.id"))
    count: Mapped[int] = mapped_column(sa.Integer)
    first_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retain_from: Mapped[date | None] = mapped_column(sa.Date)
    retain_to: Mapped[date | None] = mapped_column(sa.Date)
    amount_total: Mapped[float | None] = mapped_column(sa.Float)  # None when no line has an amount


#: The purposes a person's lines of a category serve, kept with `ItemSummary` (0045).
item_purpose_summary = sa.Table(
    "item_purpose_summary",
    db.metadata,
    sa.Column("person_id", sa.ForeignKey("person.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("category", str_enum(Category), primary_key=True),
    sa.Column("purpose_id", sa.ForeignKey("purpose.id"), primary_key=True),
)


#: What an item's content digest covers: what a re-import compares, besides its person and purposes.
DIGESTED_FIELDS = ("category", "field", "value", "source_id", "collected_at", "retain_until")


def item_content_digest(row: dict, key: bytes | None = None) -> str:
    """The keyed digest of an item row's content (DIGESTED_FIELDS), as the importer writes it."""
    # The fields around the value hold no float, so orjson writes each exactly (None as null);
    # the value goes through compact_json, which never lets two values share a text.
    around = orjson.dumps((str(row["category"]), row["field"], row["source_id"], row["collected_at"],
                           row["retain_until"]))
    return content_digest(around + b"\x00" + compact_json(row["value"], sort_keys=True).encode(), key)


@sa.event.listens_for(Item, "before_insert")
@sa.event.listens_for(Item, "before_update")
def _keep_amount(mapper, connection, item: Item) -> None:
    item.amount = line_amount(item.category, item.value)
    item.lookup_index = item_lookup_index(item.category, item.field, item.value)
    state = sa.inspect(item)
    if any(state.attrs[name].history.has_changes() for name in DIGESTED_FIELDS):
        item.content_digest = None  # changed by a correction, not by an import: compare it in full


class ConsentEvent(db.Model):
    """One grant or withdrawal; append-only, the latest event per purpose is the current state."""

    __tablename__ = "consent_event"
    __table_args__ = (
        sa.UniqueConstraint("person_id", "purpose_id", "state", "at", name="uq_consent_event_identity"),
        sa.Index("ix_consent_event_person_purpose_at", "person_id", "purpose_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"))
    purpose_id: Mapped[int] = mapped_column(sa.ForeignKey("purpose.id"), index=True)
    state: Mapped[ConsentState] = mapped_column(str_enum(ConsentState))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    method: Mapped[str | None] = mapped_column(sa.String(64))
    # The version of the consent wording the person was shown when they gave or withdrew it.
    notice_version: Mapped[str | None] = mapped_column(sa.String(64))
    source_id: Mapped[int | None] = mapped_column(sa.ForeignKey("source.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    purpose: Mapped[Purpose] = relationship(lazy="raise_on_sql")
    source: Mapped[Source | None] = relationship(lazy="raise_on_sql")


class Provision(db.Model):
    """A record that items were given to a third party (第三者提供記録)."""

    __tablename__ = "provision"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"), index=True)
    recipient_name: Mapped[str] = mapped_column(sa.String(300))
    recipient_address: Mapped[str | None] = mapped_column(sa.String(500))
    recipient_representative: Mapped[str | None] = mapped_column(sa.String(300))
    provided_at: Mapped[date] = mapped_column(sa.Date)
    basis: Mapped[ProvisionBasis] = mapped_column(str_enum(ProvisionBasis))
    # `category.field` pairs, as the import format names them.
    items: Mapped[list[str]] = mapped_column(sa.JSON, default=list)


class FieldLabel(db.Model):
    """The company's own words for a field only its data defines (`membership.sakura_card` →
    さくらカード / Sakura card), declared by a source record's `labels` or a CSV mapping's.

    One row per category and field: a later import wins. Shown wherever the field is named
    (labels.field_name), before the built-in words.
    """

    __tablename__ = "field_label"
    __table_args__ = (sa.UniqueConstraint("category", "field", name="uq_field_label_category_field"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[Category] = mapped_column(str_enum(Category))
    field: Mapped[str] = mapped_column(sa.String(64))
    label_ja: Mapped[str] = mapped_column(sa.String(200))
    label_en: Mapped[str] = mapped_column(sa.String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ItemRevision(db.Model):
    """An item's earlier value, kept when it is changed (by the customer or by staff).

    The history holds personal values, so it goes with the item when the item is erased.
    """

    __tablename__ = "item_revision"
    __table_args__ = (sa.Index("ix_item_revision_item_changed", "item_id", "changed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("item.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"), index=True)
    old_value: Mapped[Any] = mapped_column(EncryptedJSON("item_revision.old_value"))
    new_value: Mapped[Any] = mapped_column(EncryptedJSON("item_revision.new_value"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The request that asked for the change; NULL for changes made without one (an import fix).
    request_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("data_request.id", ondelete="SET NULL"), index=True
    )
    actor_type: Mapped[str] = mapped_column(sa.String(16))
    actor_id: Mapped[str | None] = mapped_column(sa.String(64))


#: Item fields whose value is also held in the register entry (`Person`), by column. The
#: register is what staff search and every page names the person by, so it follows the item.
REGISTER_MIRRORS = {
    (Category.IDENTITY, "name"): "name", (Category.IDENTITY, "full_name"): "name",
    (Category.IDENTITY, "name_kana"): "name_kana",
    (Category.CONTACT, "email"): "email", (Category.CONTACT, "phone"): "phone",
    (Category.IDENTITY, "birthdate"): "birthdate", (Category.DEMOGRAPHIC, "birthdate"): "birthdate",
    (Category.IDENTITY, "customer_number"): "customer_number",
    (Category.MEMBERSHIP, "customer_number"): "customer_number",
    (Category.MEMBERSHIP, "member_number"): "customer_number",
}


def _person_key(person_id: int) -> str | None:
    return db.session.scalar(sa.select(Person.key).where(Person.id == person_id))


# Webhook receivers know persons by the company's key, not our ids.
resolve_person_keys_with(_person_key)
