"""Who received the customer's data, grouped one entry per recipient and classified as the law does.

APPI tells apart a contractor handling data for the company (業務委託, Art. 27(5)(i)), joint
use (共同利用, Art. 27(5)(iii)) and provision to a third party (第三者提供: with consent, by
opt-out under Art. 27(2), or by law). Only the last are third parties; a page that lists a
delivery contractor under "third parties" says something untrue. Receipts (受領記録) are
the other side of Art. 33(5): the third parties who gave the company the person's data.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Iterable

from portal.inventory.labels import BASIS_WORDS, item_name
from portal.inventory.models import Provision, ProvisionBasis, Source

ENTRUSTMENT, JOINT_USE, THIRD_PARTY = "entrustment", "joint_use", "third_party"
#: The order the page lists them in: third parties first (they are what Arts. 29/30 record).
KINDS = (THIRD_PARTY, ENTRUSTMENT, JOINT_USE)


#: Provision to a third party (第三者提供): on consent, by opt-out, or because a law required it.
THIRD_PARTY_BASES = frozenset({ProvisionBasis.CONSENT, ProvisionBasis.OPT_OUT, ProvisionBasis.LAW})


def kind_of(basis: ProvisionBasis) -> str:
    if basis is ProvisionBasis.ENTRUSTMENT:
        return ENTRUSTMENT
    if basis is ProvisionBasis.JOINT_USE:
        return JOINT_USE
    return THIRD_PARTY


@dataclass
class RecipientGroup:
    """Every record of giving data to one recipient under one kind, newest first."""

    kind: str
    name: str
    address: str | None = None
    representative: str | None = None
    records: list[Provision] = field(default_factory=list)
    bases: list[str] = field(default_factory=list)       # words, for third parties
    item_names: list[str] = field(default_factory=list)  # every item given, once

    @property
    def count(self) -> int:
        return len(self.records)

    @property
    def first(self) -> date:
        return min(record.provided_at for record in self.records)

    @property
    def last(self) -> date:
        return max(record.provided_at for record in self.records)


def grouped(provisions: Iterable[Provision]) -> list[RecipientGroup]:
    """One group per (kind, recipient), in KINDS order, then by the most recent provision.

    Address and representative come from the newest record (a company moves)."""
    groups: dict[tuple[str, str], RecipientGroup] = {}
    for record in sorted(provisions, key=lambda p: (p.provided_at, p.id), reverse=True):
        key = (kind_of(record.basis), record.recipient_name)
        group = groups.get(key)
        if group is None:
            group = groups[key] = RecipientGroup(
                kind=key[0], name=record.recipient_name, address=record.recipient_address,
                representative=record.recipient_representative,
            )
        group.records.append(record)
        basis = str(BASIS_WORDS[record.basis])
        if key[0] == THIRD_PARTY and basis not in group.bases:
            group.bases.append(basis)
        for name in record.items or []:
            label = item_name(name)
            if label not in group.item_names:
                group.item_names.append(label)
    return sorted(groups.values(), key=lambda g: (KINDS.index(g.kind), -g.last.toordinal(), g.name))


def of_kind(groups: list[RecipientGroup], kind: str) -> list[RecipientGroup]:
    return [group for group in groups if group.kind == kind]


def received_from(sources: Iterable[Source]) -> list[Source]:
    """The sources through which a third party gave us the person's data (受領記録)."""
    return sorted((s for s in sources if s.kind.is_third_party),
                  key=lambda s: (s.obtained_on or date.min, s.id), reverse=True)
