"""The policies page's reading and saving, on top of the dsr policy services.

`portal.dsr.policies` owns the rules (validation, audit entry, "due dates never move");
this module only finds the rows for the page and counts the requests a change leaves alone.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from portal.audit.services import Actor
from portal.dsr.models import DataRequest, Jurisdiction, Policy, RequestType
from portal.dsr.policies import create_policy, update_policy
from portal.dsr.status import OPEN_STATUSES
from portal.extensions import db


@dataclass(frozen=True)
class JurisdictionRules:
    jurisdiction: Jurisdiction
    default: Policy | None
    overrides: dict[RequestType, Policy]


def all_rules() -> list[JurisdictionRules]:
    """Every jurisdiction with its default row and its per-type rows (one query)."""
    rows = db.session.scalars(sa.select(Policy)).all()
    found = []
    for jurisdiction in Jurisdiction:
        mine = [p for p in rows if p.jurisdiction is jurisdiction]
        found.append(JurisdictionRules(
            jurisdiction,
            default=next((p for p in mine if p.request_type is None), None),
            overrides={p.request_type: p for p in mine if p.request_type is not None},
        ))
    return found


def find_policy(jurisdiction: Jurisdiction, request_type: RequestType | None) -> Policy | None:
    """The row for exactly this jurisdiction and type (None: the jurisdiction's default row)."""
    type_condition = Policy.request_type.is_(None) if request_type is None else Policy.request_type == request_type
    return db.session.scalar(sa.select(Policy).where(Policy.jurisdiction == jurisdiction, type_condition))


def _open_requests_following(jurisdiction: Jurisdiction, request_type: RequestType | None) -> int:
    """Open requests with a due date that a rule for (jurisdiction, type) governs today."""
    conditions = [DataRequest.jurisdiction == jurisdiction, DataRequest.status.in_(OPEN_STATUSES),
                  DataRequest.due_at.is_not(None)]
    if request_type is not None:
        conditions.append(DataRequest.type == request_type)
    else:
        # The default governs the types without a rule of their own.
        own_rules = sa.select(Policy.request_type).where(Policy.jurisdiction == jurisdiction,
                                                          Policy.request_type.is_not(None))
        conditions.append(DataRequest.type.not_in(own_rules))
    return db.session.scalar(sa.select(sa.func.count()).select_from(DataRequest).where(*conditions))


@dataclass(frozen=True)
class Saved:
    policy: Policy
    created: bool
    changes: dict[str, list]
    # Open requests under this rule whose due dates stay exactly as they were.
    requests_keeping_due_dates: int


def save_rules(jurisdiction: Jurisdiction, request_type: RequestType | None, *, rules: dict[str, Any],
               actor: Actor) -> Saved:
    """Create or change the rule for (jurisdiction, type); dsr audits it. Raises PolicyInvalid."""
    keeping = _open_requests_following(jurisdiction, request_type)
    policy = find_policy(jurisdiction, request_type)
    if policy is None:
        policy = create_policy(jurisdiction=jurisdiction, request_type=request_type, rules=rules, actor=actor)
        return Saved(policy, created=True, changes={}, requests_keeping_due_dates=keeping)
    changes = update_policy(policy, changes=rules, actor=actor)
    return Saved(policy, created=False, changes=changes, requests_keeping_due_dates=keeping)
