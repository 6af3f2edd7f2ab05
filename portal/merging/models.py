"""The record of a merge: who was merged into whom, which rows moved, and whether it was undone."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.common.db import UTCDateTime
from portal.common.time import utcnow
from portal.extensions import db
from portal.inventory.models import Person


class PersonMerge(db.Model):
    """One merge of `merged` into `survivor`; `moved` lists the row ids per table, for undo."""

    __tablename__ = "person_merge"

    id: Mapped[int] = mapped_column(primary_key=True)
    survivor_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"), index=True)
    merged_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"), index=True)
    # Which rows moved, as {table: [id, …]}: ids only, no personal data.
    moved: Mapped[dict[str, list[int]]] = mapped_column(sa.JSON, default=dict)
    # What made staff (or the integrator) merge: the evidence shown when it was chosen.
    evidence: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    merged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    merged_by: Mapped[str] = mapped_column(sa.String(80))
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by: Mapped[str | None] = mapped_column(sa.String(80))

    survivor: Mapped[Person] = relationship(foreign_keys=[survivor_id], lazy="joined")
    merged: Mapped[Person] = relationship(foreign_keys=[merged_id], lazy="joined")

    @property
    def is_undone(self) -> bool:
        return self.undone_at is not None
