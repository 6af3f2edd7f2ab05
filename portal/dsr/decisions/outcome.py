"""What applying a decision changed: facts for the timeline and the audit log, and for the answer.

`Outcome.data()` names items, fields and counts only — it goes into the `applied` event and
the audit entry, which never hold personal values. The words for the person (which may name
a refused value's reason, written by staff for them) are made from it in `summary.py`.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from portal.dsr.decisions.packages import DisclosurePackage
from portal.inventory.erasure import HeldItem
from portal.inventory.field_counts import by_field_name
from portal.inventory.models import Category, ConsentState, Purpose


@dataclass(frozen=True)
class ItemRef:
    item_id: int | None
    category: Category
    field: str

    def data(self) -> dict:
        return {"item_id": self.item_id, "category": self.category.value, "field": self.field}


@dataclass(frozen=True)
class Refusal:
    index: int
    category: Category
    field: str
    reason: str  # written for the person


@dataclass
class Outcome:
    changed: list[ItemRef] = field(default_factory=list)
    added: list[ItemRef] = field(default_factory=list)
    deleted: list[ItemRef] = field(default_factory=list)  # a correction's deletions
    refused: list[Refusal] = field(default_factory=list)
    erased: Counter = field(default_factory=Counter)  # (category, field) → count
    kept: list[HeldItem] = field(default_factory=list)  # under a legal hold
    erased_since: dict = field(default_factory=dict)  # category → oldest erased item's arrival
    withdrawn_packages: list[int] = field(default_factory=list)  # disclosure packages that held erased data
    suspended: Counter = field(default_factory=Counter)
    everything: bool = False  # the decision covered all of the person's data
    use_stopped: bool = False  # a suspension of all use, including data received later
    consents: list[tuple[Purpose, ConsentState]] = field(default_factory=list)
    register_cleared: bool = False
    recipients_stopped: list[str | None] = field(default_factory=list)  # None: every recipient
    package: DisclosurePackage | None = None
    by_post: bool = False

    def data(self) -> dict:
        """Identifiers and counts only (event data and audit details)."""
        data: dict = {}
        for name in ("changed", "added", "deleted"):
            if getattr(self, name):
                data[name] = [ref.data() for ref in getattr(self, name)]
        if self.refused:
            data["refused"] = [{"index": r.index, "category": r.category.value, "field": r.field} for r in self.refused]
        if self.erased:
            data["erased"] = by_field_name(self.erased)
            data["erased_count"] = sum(self.erased.values())
        if self.withdrawn_packages:
            data["withdrawn_package_ids"] = self.withdrawn_packages
        if self.kept:
            data["kept_item_ids"] = [held.item_id for held in self.kept]
        if self.suspended:
            data["suspended"] = by_field_name(self.suspended)
            data["suspended_count"] = sum(self.suspended.values())
        if self.everything:
            data["everything"] = True
        if self.consents:
            data["consents"] = [{"purpose": purpose.key, "state": state.value} for purpose, state in self.consents]
        if self.register_cleared:
            data["register_cleared"] = True
        if self.recipients_stopped:
            # Companies' names, not personal data; None stands for "every recipient".
            data["recipients_stopped"] = self.recipients_stopped
        if self.package is not None:
            data["package"] = {"id": self.package.id, "format": self.package.format.value,
                               "expires_at": self.package.expires_at.isoformat()}
        if self.by_post:
            data["by_post"] = True
        return data
