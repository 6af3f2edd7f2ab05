"""Restrictions on the use of a person's data: suspension, erasure, objection, stop of provision.

A staff decision on a request ends in one of these (the request services call
`restrict_use`), and the suppression list, the exports and the provision checks read them.
A restriction covers every purpose (`purpose_id` None) or one; it may be narrowed to one
category of data, and a stop of provision to one recipient. It is never deleted: lifting it
stamps `lifted_at`, so "since when, and until when" stays answerable.
"""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.audit.services import Actor, record
from portal.common.db import UTCDateTime, str_enum
from portal.common.time import utcnow
from portal.extensions import db
from portal.inventory.models import Category, Person, Purpose


class RestrictionKind(enum.StrEnum):
    SUSPENSION = "suspension"  # 利用停止
    ERASURE = "erasure"  # 消去 (the values go, a tombstone stays)
    OBJECTION = "objection"  # an objection to a use (GDPR Art. 21), e.g. direct marketing
    PROVISION_STOP = "provision_stop"  # 第三者提供の停止


#: Kinds that mean "do not contact this person for the purposes covered".
CONTACT_SUPPRESSING_KINDS = frozenset(
    {RestrictionKind.SUSPENSION, RestrictionKind.ERASURE, RestrictionKind.OBJECTION}
)


class UseRestriction(db.Model):
    """One restriction on a person's data, active from `since` until `lifted_at` (if ever)."""

    __tablename__ = "use_restriction"
    __table_args__ = (
        # The suppression list reads the active restrictions of a purpose (or of all purposes).
        sa.Index("ix_use_restriction_active_purpose", "lifted_at", "purpose_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"), index=True)
    kind: Mapped[RestrictionKind] = mapped_column(str_enum(RestrictionKind))
    # None: every purpose, now and later.
    purpose_id: Mapped[int | None] = mapped_column(sa.ForeignKey("purpose.id"))
    # None: all of the person's data; otherwise one category (e.g. only purchase history).
    category: Mapped[Category | None] = mapped_column(str_enum(Category))
    # Only for a stop of provision: the recipient no longer to receive data (None: everyone).
    recipient_name: Mapped[str | None] = mapped_column(sa.String(300))
    # The request whose decision this applies; the restriction outlives the request.
    request_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("data_request.id", ondelete="SET NULL"), index=True
    )
    since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None


def _same_active(*, person_id, kind, purpose_id, category, recipient_name) -> UseRestriction | None:
    def equals(column, value):
        return column.is_(None) if value is None else column == value

    return db.session.scalar(
        sa.select(UseRestriction).where(
            UseRestriction.person_id == person_id,
            UseRestriction.kind == kind,
            equals(UseRestriction.purpose_id, purpose_id),
            equals(UseRestriction.category, category),
            equals(UseRestriction.recipient_name, recipient_name),
            UseRestriction.lifted_at.is_(None),
        ).limit(1)
    )


def restrict_use(
    *,
    person_id: int,
    kind: RestrictionKind | str,
    purpose_id: int | None = None,
    category: Category | str | None = None,
    recipient_name: str | None = None,
    request_id: int | None = None,
    actor: Actor,
) -> UseRestriction:
    """Restrict the use of a person's data from now on, audited in the caller's transaction.

    Applying the same decision twice (a retried click, a request re-applied) keeps the one
    active restriction rather than adding a second, so the history stays readable.
    """
    kind = RestrictionKind(kind)
    category = Category(category) if category is not None else None
    recipient_name = (recipient_name or "").strip() or None
    if recipient_name is not None and kind is not RestrictionKind.PROVISION_STOP:
        raise ValueError("only a stop of provision names a recipient")
    if db.session.get(Person, person_id) is None:
        raise LookupError(f"no person with id {person_id}")
    if purpose_id is not None and db.session.get(Purpose, purpose_id) is None:
        raise LookupError(f"no purpose with id {purpose_id}")
    existing = _same_active(person_id=person_id, kind=kind, purpose_id=purpose_id,
                            category=category, recipient_name=recipient_name)
    if existing is not None:
        return existing
    restriction = UseRestriction(
        person_id=person_id, kind=kind, purpose_id=purpose_id, category=category,
        recipient_name=recipient_name, request_id=request_id, since=utcnow(),
    )
    db.session.add(restriction)
    db.session.flush()
    # The recipient's name is a company's, but the log keeps to identifiers all the same.
    record("inventory.use_restricted", actor=actor, target_type="use_restriction",
           target_id=restriction.id, person_id=person_id,
           details={"kind": kind.value, "purpose_id": purpose_id,
                    "category": category.value if category else None,
                    "recipient": recipient_name is not None, "request_id": request_id})
    return restriction


def lift_restriction(restriction: UseRestriction, *, actor: Actor) -> UseRestriction:
    """End a restriction (e.g. the person asks to be contacted again); the row stays as history."""
    if restriction.lifted_at is None:
        restriction.lifted_at = utcnow()
        db.session.flush()
        record("inventory.use_restriction_lifted", actor=actor, target_type="use_restriction",
               target_id=restriction.id, person_id=restriction.person_id,
               details={"kind": restriction.kind.value, "purpose_id": restriction.purpose_id})
    return restriction


def active_restrictions(person_id: int) -> list[UseRestriction]:
    """A person's restrictions in force, oldest first (for the request page and "my data")."""
    return list(db.session.scalars(
        sa.select(UseRestriction)
        .where(UseRestriction.person_id == person_id, UseRestriction.lifted_at.is_(None))
        .order_by(UseRestriction.since, UseRestriction.id)
    ))
