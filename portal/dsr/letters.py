"""Letters by post: what a requester without email is told, waiting for staff to print and post.

Where a mail would go out (`notify_requester`), a request without an email address gets a
letter instead: the same words (`build_notice`, in the request's language), kept encrypted
until staff print it from the request page and mark it posted. A letter never posted stays
on the request page as the next step, so nobody is left without an answer.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.audit.services import Actor, record
from portal.common.db import UTCDateTime
from portal.common.time import utcnow
from portal.dsr.models import DataRequest
from portal.dsr.ownership import check_may_act
from portal.encryption.types import EncryptedJSON
from portal.extensions import db


class PostalLetter(db.Model):
    """One letter to the requester, from the moment it is due until it is posted."""

    __tablename__ = "postal_letter"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("data_request.id", ondelete="CASCADE"), index=True)
    # What the letter is about: the notice kinds of dsr/notifications (received, completed …)
    # or `access_code` (a one-time code for the portal, verification/postal.py).
    kind: Mapped[str] = mapped_column(sa.String(32))
    language: Mapped[str] = mapped_column(sa.String(8))
    # The words, as the notice built them: subject, paragraphs, facts, messages, applied lines.
    content: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON("postal_letter.content"), default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    printed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    posted_by: Mapped[str | None] = mapped_column(sa.String(80))

    request: Mapped[DataRequest] = relationship(lazy="joined")

    @property
    def is_posted(self) -> bool:
        return self.posted_at is not None


def queue_letter(request: DataRequest, *, kind: str, content: dict[str, Any]) -> PostalLetter:
    """Add a letter to post for `request`, in the caller's transaction."""
    letter = PostalLetter(request_id=request.id, kind=kind, language=request.language.value, content=content)
    db.session.add(letter)
    db.session.flush()
    return letter


def letters_for(request_id: int) -> list[PostalLetter]:
    """The request's letters, the oldest first (those still to post are the next step)."""
    return list(db.session.scalars(
        sa.select(PostalLetter).where(PostalLetter.request_id == request_id).order_by(PostalLetter.id)))


def letters_to_post(request_id: int) -> list[PostalLetter]:
    return [letter for letter in letters_for(request_id) if not letter.is_posted]


def mark_printed(letter: PostalLetter, *, actor: Actor) -> None:
    """Printing shows the person's data to staff: audited, every time."""
    letter.printed_at = letter.printed_at or utcnow()
    record("request.letter_printed", actor=actor, target_type="postal_letter", target_id=letter.id,
           person_id=letter.request.person_id, details={"request": letter.request.reference, "kind": letter.kind})


def mark_posted(letter: PostalLetter, *, actor: Actor) -> bool:
    """Record that the letter went into the post; False when it had been already.

    Posting is acting on the request: a colleague's request follows the ownership rule."""
    check_may_act(letter.request, actor)
    if letter.is_posted:
        return False
    letter.posted_at = utcnow()
    letter.posted_by = actor.type if actor.id is None else f"{actor.type}:{actor.id}"
    record("request.letter_posted", actor=actor, target_type="postal_letter", target_id=letter.id,
           person_id=letter.request.person_id, details={"request": letter.request.reference, "kind": letter.kind})
    return True
