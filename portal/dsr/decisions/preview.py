"""What an erasure or a suspension would change, before it is applied: the staff page shows
this and asks for an explicit confirmation (`portal.casework.services.complete_with_decision`)."""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from portal.dsr.decisions.decision import Decision
from portal.dsr.decisions.effects import decided_scope
from portal.dsr.decisions.options import CategoryOption, _categories
from portal.dsr.models import DataRequest, RequestType
from portal.extensions import db
from portal.inventory.erasure import japan_today, under_hold
from portal.inventory.models import Item

#: Decisions that cannot be undone by staff (erasure) or stop everything (suspension of all).
DESTRUCTIVE_TYPES = frozenset({RequestType.ERASURE, RequestType.SUSPENSION})


@dataclass
class Preview:
    type: RequestType
    everything: bool
    categories: list[CategoryOption] = field(default_factory=list)  # the kinds of data covered
    single_items: int = 0  # items chosen one by one, besides whole categories
    single_held: int = 0

    @property
    def total(self) -> int:
        return sum(c.count for c in self.categories) + self.single_items

    @property
    def held(self) -> int:
        """Items under a legal hold: an erasure keeps them (a suspension still flags them)."""
        return sum(c.held for c in self.categories) + self.single_held


def needs_confirmation(request: DataRequest, decision: Decision) -> bool:
    """Erasure always; suspension when it covers everything (use of all the person's data stops)."""
    if request.type is RequestType.ERASURE:
        return True
    if request.type is RequestType.SUSPENSION and request.person_id is not None:
        return decided_scope(request, decision, request.person_id).everything
    return False


def preview_decision(request: DataRequest, decision: Decision) -> Preview:
    """Counts per kind of data (and held items) that the decision would erase or suspend."""
    scope = decided_scope(request, decision, request.person_id)
    options = _categories(request.person_id, ())
    covered = options if scope.everything else [o for o in options if o.category in scope.categories]
    preview = Preview(request.type, scope.everything, covered)
    singles = [i for i in scope.item_ids] if not scope.everything else []
    if singles:
        held = sa.case((under_hold(japan_today()), 1), else_=0)
        count, held_count = db.session.execute(
            sa.select(sa.func.count(), sa.func.sum(held)).select_from(Item)
            .where(Item.id.in_(singles), Item.person_id == request.person_id,
                   Item.category.not_in([o.category for o in covered]))).one()
        preview.single_items, preview.single_held = count, int(held_count or 0)
    return preview
