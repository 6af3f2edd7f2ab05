"""Stop of third-party provision (第三者提供の停止) and the check before any new provision.

A stop is a `UseRestriction` of kind `provision_stop`, naming the recipient (or none: every
recipient). That one row is the block: no second table to keep in step with it, and lifting
the restriction lifts the block. Before giving a person's data to anyone, ask
`is_provision_blocked(person_id, recipient_name)`.
"""
from __future__ import annotations

import unicodedata

import sqlalchemy as sa

from portal.audit.services import Actor
from portal.extensions import db
from portal.inventory.restrictions import RestrictionKind, UseRestriction, restrict_use


def same_recipient(name: str | None) -> str:
    """A name as compared: full-width or half-width, spaces and case do not make another company."""
    return "".join(unicodedata.normalize("NFKC", name or "").split()).casefold()


def stop_provision(person_id: int, recipients, *, actor: Actor, request_id: int | None = None) -> list[UseRestriction]:
    """Block provision of the person's data to these recipients (an empty list: to anyone)."""
    names = list(dict.fromkeys(name.strip() for name in recipients or () if name and name.strip())) or [None]
    return [
        restrict_use(person_id=person_id, kind=RestrictionKind.PROVISION_STOP, recipient_name=name,
                     request_id=request_id, actor=actor)
        for name in names
    ]


def blocked_recipients(person_id: int) -> list[str | None]:
    """The recipients the person's data may no longer go to (None: everyone)."""
    return list(db.session.scalars(
        sa.select(UseRestriction.recipient_name).where(
            UseRestriction.person_id == person_id,
            UseRestriction.kind == RestrictionKind.PROVISION_STOP,
            UseRestriction.lifted_at.is_(None),
        ).order_by(UseRestriction.since, UseRestriction.id)
    ))


def is_provision_blocked(person_id: int, recipient_name: str) -> bool:
    """True when the person stopped provision to this recipient, or to every recipient."""
    wanted = same_recipient(recipient_name)
    return any(name is None or same_recipient(name) == wanted for name in blocked_recipients(person_id))
