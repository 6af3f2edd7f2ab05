"""Merging two records of one person into a survivor, and undoing it.

Every table that points at `person.id` takes part, found from the schema rather than listed
here, so a table added later (a campaign's recipients, an incident's affected persons) moves
with the rest without anyone remembering to add it. The item summaries are not moved but
recomputed for both persons (`portal.inventory.summary`): they are sums, not records.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.audit.services import Actor, record
from portal.common.time import utcnow
from portal.dsr.errors import DsrError
from portal.dsr.models import DataRequest
from portal.dsr.status import OPEN_STATUSES
from portal.extensions import db
from portal.inventory import summary
from portal.inventory.models import Person
from portal.merging.models import PersonMerge


# The name under which a merge records the earlier aliases it re-pointed.
_ALIASES = "person.merged_into_id"


class MergeRefused(DsrError):
    """A merge (or undo) that must not happen; `message` is for the person who asked."""


@dataclass(frozen=True)
class _PersonReference:
    table: sa.Table
    column: sa.Column


def _references() -> list[_PersonReference]:
    """Every column, in every table but the person and merge tables and the item summaries
    (recomputed instead), that points at a person."""
    found = []
    for table in db.metadata.sorted_tables:
        if table.name in {Person.__tablename__, PersonMerge.__tablename__, *summary.SUMMARY_TABLES}:
            continue
        for column in table.columns:
            if any(fk.column.table.name == Person.__tablename__ for fk in column.foreign_keys):
                found.append(_PersonReference(table, column))
    return found


def _unique_sets(table: sa.Table, column: sa.Column) -> list[list[sa.Column]]:
    """The unique constraints and indexes of `table` that include `column`."""
    sets = [list(c.columns) for c in table.constraints if isinstance(c, sa.UniqueConstraint)]
    sets += [list(index.columns) for index in table.indexes if index.unique]
    return [cols for cols in sets if any(c.name == column.name for c in cols)]


def _movable_ids(ref: _PersonReference, *, from_id: int, to_id: int) -> list[int]:
    """The rows of `from_id` that can move to `to_id` without breaking a unique constraint.

    A row that the survivor already has the same of (the same consent event imported into both
    records) stays with the merged record: it duplicates nothing the survivor lacks, and an undo
    finds it where it was."""
    table, column = ref.table, ref.column
    (key,) = table.primary_key.columns
    condition = column == from_id
    for columns in _unique_sets(table, column):
        twin = table.alias()
        same = [twin.c[c.name] == table.c[c.name] for c in columns if c.name != column.name]
        condition = sa.and_(condition, ~sa.exists().where(twin.c[column.name] == to_id, *same))
    return list(db.session.execute(sa.select(key).where(condition).order_by(key)).scalars())


def _move(ref: _PersonReference, ids: list[int], *, from_id: int, to_id: int) -> None:
    table, column = ref.table, ref.column
    (key,) = table.primary_key.columns
    values = {column.name: to_id}
    if "version_id" in table.c:  # a staff form read before the move must not apply after it
        values["version_id"] = table.c.version_id + 1
    for start in range(0, len(ids), 500):
        db.session.execute(
            sa.update(table).where(key.in_(ids[start:start + 500]), column == from_id).values(**values)
        )


def _open_references(person_id: int) -> list[str]:
    return list(db.session.scalars(
        sa.select(DataRequest.reference)
        .where(DataRequest.person_id == person_id, DataRequest.status.in_(OPEN_STATUSES))
        .order_by(DataRequest.id)
    ))


def _check_mergeable(merged: Person, survivor: Person) -> None:
    if merged.id == survivor.id:
        raise MergeRefused(_l("A person cannot be merged into themselves."))
    for person in (merged, survivor):
        if person.merged_into_id is not None:
            raise MergeRefused(_l("%(key)s has already been merged into another person; use that person.",
                                     key=person.key))
        if getattr(person, "erased_at", None) is not None:
            raise MergeRefused(_l("%(key)s has been erased; an erased person cannot be merged.", key=person.key))
    merged_open, survivor_open = _open_references(merged.id), _open_references(survivor.id)
    if merged_open and survivor_open:
        # Two open requests would each decide on the same data (two deadlines, two answers):
        # staff finish, withdraw or combine one side first.
        raise MergeRefused(_l("Both persons have open requests (%(references)s). Complete or withdraw one "
                              "side's requests before merging.", references=", ".join(merged_open + survivor_open)))


@dataclass(frozen=True)
class MergePreview:
    """What a merge would move (rows per table) and, if it must not happen, why."""

    moves: dict[str, int]
    refused: MergeRefused | None


def preview_merge(merged: Person, *, into: Person) -> MergePreview:
    """Count what `merge_persons` would move, without moving anything."""
    try:
        _check_mergeable(merged, into)
    except MergeRefused as refused:
        return MergePreview({}, refused)
    moves = {}
    for ref in _references():
        count = len(_movable_ids(ref, from_id=merged.id, to_id=into.id))
        if count:
            moves[ref.table.name] = moves.get(ref.table.name, 0) + count
    return MergePreview(moves, None)


def merge_persons(merged: Person, *, into: Person, actor: Actor, evidence: list[str] | None = None) -> PersonMerge:
    """Move everything of `merged` to `into` and keep `merged` as an alias of it.

    In the caller's transaction; audited on both persons."""
    survivor = into
    _check_mergeable(merged, survivor)
    moved: dict[str, list[int]] = {}
    for ref in _references():
        ids = _movable_ids(ref, from_id=merged.id, to_id=survivor.id)
        if ids:
            _move(ref, ids, from_id=merged.id, to_id=survivor.id)
            moved.setdefault(f"{ref.table.name}.{ref.column.name}", []).extend(ids)
    # Records merged into `merged` earlier now lead straight to the survivor (one step always
    # resolves an alias); the undo points them back.
    earlier = list(db.session.scalars(sa.select(Person.id).where(Person.merged_into_id == merged.id)))
    if earlier:
        db.session.execute(sa.update(Person).where(Person.id.in_(earlier)).values(merged_into_id=survivor.id))
        moved[_ALIASES] = earlier
    summary.refresh([survivor.id, merged.id])
    merged.merged_into_id = survivor.id
    merge = PersonMerge(survivor_id=survivor.id, merged_id=merged.id, moved=moved, evidence=evidence or [],
                        merged_by=_actor_label(actor))
    db.session.add(merge)
    db.session.flush()
    db.session.expire_all()
    counts = {name: len(ids) for name, ids in moved.items()}
    for person_id in (survivor.id, merged.id):
        record("person.merged", actor=actor, target_type="person_merge", target_id=merge.id, person_id=person_id,
               details={"survivor": survivor.key, "merged": merged.key, "moved": counts,
                        "evidence": list(evidence or [])})
    return merge


def undo_merge(merge: PersonMerge, *, actor: Actor) -> PersonMerge:
    """Move back what the merge moved and make the merged person a person of their own again.

    What was added to the survivor after the merge stays with the survivor."""
    if merge.is_undone:
        raise MergeRefused(_l("This merge has already been undone."))
    merged = db.session.get(Person, merge.merged_id)
    if merged.erased_at is not None or merge.survivor.erased_at is not None:
        raise MergeRefused(_l("The person has been erased since the merge; there is nothing to separate again."))
    if merged.merged_into_id != merge.survivor_id:
        raise MergeRefused(_l("The kept record has since been merged into another one; undo that merge first."))
    references = {f"{ref.table.name}.{ref.column.name}": ref for ref in _references()}
    references[_ALIASES] = _PersonReference(Person.__table__, Person.__table__.c.merged_into_id)
    for name, ids in merge.moved.items():
        ref = references.get(name)
        if ref is not None:
            _move(ref, ids, from_id=merge.survivor_id, to_id=merged.id)
    summary.refresh([merge.survivor_id, merged.id])
    merged.merged_into_id = None
    merge.undone_at = utcnow()
    merge.undone_by = _actor_label(actor)
    db.session.flush()
    db.session.expire_all()
    for person_id in (merge.survivor_id, merge.merged_id):
        record("person.merge_undone", actor=actor, target_type="person_merge", target_id=merge.id,
               person_id=person_id, details={"survivor": merge.survivor.key, "merged": merge.merged.key})
    return merge


def merges(*, limit: int = 100) -> list[PersonMerge]:
    """The newest merges first (undone ones included, marked)."""
    return list(db.session.scalars(sa.select(PersonMerge).order_by(PersonMerge.id.desc()).limit(limit)))


def _actor_label(actor: Actor) -> str:
    return actor.type if actor.id is None else f"{actor.type}:{actor.id}"
