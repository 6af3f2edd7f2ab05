"""Deadline policies: the defaults, choosing one for a request, and audited edits by admins.

Editing a policy changes deadlines of requests whose clock starts afterwards only: a request
stores its due dates when its clock starts (on receipt, or once verified, as its policy says)
and they are never recomputed from the policy.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.audit.services import Actor, record
from portal.common.time import utcnow
from portal.dsr.errors import DsrError
from portal.dsr.models import Jurisdiction, PeriodUnit, Policy, RequestType, Residence
from portal.extensions import db

#: Seeded by migration 0003 and used by the tests. Plain values (no enums) so the migration
#: does not depend on the models.
DEFAULT_POLICIES: tuple[dict[str, Any], ...] = (
    # APPI: the person may sue two weeks after the request reached us (Art. 39), so 14
    # calendar days from receipt (checking who they are takes from those days), no
    # extension, and waiting for them does not stop that clock.
    {
        "jurisdiction": "appi", "request_type": None,
        "response_period": 14, "response_unit": "calendar_days",
        "acknowledge_period": None, "acknowledge_unit": None,
        "extension_period": None, "extension_unit": None,
        "pause_when_waiting": False, "clock_starts": "received", "honour_gpc": False,
    },
    # GDPR Art. 12(3): one month, extendable once by two further months; the clock waits
    # while we wait for information needed to identify the person or the request.
    {
        "jurisdiction": "gdpr", "request_type": None,
        "response_period": 1, "response_unit": "months",
        "acknowledge_period": None, "acknowledge_unit": None,
        "extension_period": 2, "extension_unit": "months",
        "pause_when_waiting": True, "clock_starts": "verified", "honour_gpc": False,
    },
    # CCPA regulations §7021: confirm within 10 business days, answer within 45 calendar days,
    # extendable once by 45 more; verification time counts, so no pause.
    {
        "jurisdiction": "ccpa", "request_type": None,
        "response_period": 45, "response_unit": "calendar_days",
        "acknowledge_period": 10, "acknowledge_unit": "business_days",
        "extension_period": 45, "extension_unit": "calendar_days",
        "pause_when_waiting": False, "clock_starts": "received",
        # § 7025: a Global Privacy Control signal is a valid request to opt out of sale/sharing.
        "honour_gpc": True,
    },
)

RESIDENCE_JURISDICTION = {
    Residence.JP: Jurisdiction.APPI,
    Residence.EU: Jurisdiction.GDPR,
    Residence.US_CA: Jurisdiction.CCPA,
    # We are a Japanese company: APPI applies to everyone else.
    Residence.OTHER: Jurisdiction.APPI,
}

EDITABLE_FIELDS = (
    "response_period", "response_unit",
    "acknowledge_period", "acknowledge_unit",
    "extension_period", "extension_unit",
    "pause_when_waiting",
    "clock_starts",
    "fee_amount", "fee_payment", "fee_waiver",
    "honour_gpc",
    "four_eyes",
)
FEE_TEXT_MAX = 1000
# Generous bounds that still catch a typo (140 days instead of 14).
MAX_PERIOD = {PeriodUnit.CALENDAR_DAYS: 366, PeriodUnit.BUSINESS_DAYS: 250, PeriodUnit.MONTHS: 12}


def insert_default_policies(connection: sa.Connection) -> None:
    """Put the default rows into an empty policy table (the tests empty every table)."""
    now = utcnow()
    connection.execute(sa.insert(Policy), [{**row, "updated_at": now} for row in DEFAULT_POLICIES])


class PolicyInvalid(DsrError):
    """The rules an admin entered do not make a usable policy."""


def jurisdiction_for(residence: Residence | str | None) -> Jurisdiction:
    return RESIDENCE_JURISDICTION[Residence(residence or Residence.JP)]


def choose_policy(residence: Residence | str | None, request_type: RequestType | str) -> Policy:
    """The rule for this request type in the residence's jurisdiction, else its default row."""
    jurisdiction = jurisdiction_for(residence)
    request_type = RequestType(request_type)
    policy = db.session.scalars(
        sa.select(Policy)
        .where(
            Policy.jurisdiction == jurisdiction,
            sa.or_(Policy.request_type == request_type, Policy.request_type.is_(None)),
        )
        # A rule for the specific type wins over the jurisdiction's default.
        .order_by(Policy.request_type.is_(None))
        .limit(1)
    ).first()
    if policy is None:
        raise LookupError(f"no deadline policy for {jurisdiction}; run `flask db upgrade`")
    return policy


def _clean_rules(values: dict[str, Any]) -> dict[str, Any]:
    """Coerce units to enums and check periods; raises PolicyInvalid with a readable message."""
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable policy fields: {sorted(unknown)}")
    cleaned = dict(values)
    for prefix, required in (("response", True), ("acknowledge", False), ("extension", False)):
        period_key, unit_key = f"{prefix}_period", f"{prefix}_unit"
        if period_key not in values and unit_key not in values:
            continue
        period, unit = values.get(period_key), values.get(unit_key)
        if period is None and not required:
            # No number means "no such step" (no acknowledgement, no extension).
            cleaned[period_key] = cleaned[unit_key] = None
            continue
        if period is None or unit is None:
            raise PolicyInvalid(_l("Give both a number and a unit for each period."))
        unit = PeriodUnit(unit)
        if isinstance(period, bool) or not isinstance(period, int) or not 1 <= period <= MAX_PERIOD[unit]:
            raise PolicyInvalid(_l("A period must be a whole number between 1 and %(max)s.", max=MAX_PERIOD[unit]))
        cleaned[period_key], cleaned[unit_key] = period, unit
    for flag in ("pause_when_waiting", "honour_gpc", "four_eyes"):
        if flag in values:
            cleaned[flag] = bool(values[flag])
    _clean_fee(values, cleaned)
    return cleaned


def _clean_fee(values: dict[str, Any], cleaned: dict[str, Any]) -> None:
    """An optional fee (Art. 38): whole yen from 1 to 100,000, with how to pay it."""
    for key in ("fee_payment", "fee_waiver"):
        if key in values:
            text = (values[key] or "").strip()
            if len(text) > FEE_TEXT_MAX:
                raise PolicyInvalid(_l("Please keep the fee texts under %(max)s characters.", max=FEE_TEXT_MAX))
            cleaned[key] = text or None
    if "fee_amount" in values:
        amount = values["fee_amount"] or None
        if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int) or not 1 <= amount <= 100_000):
            raise PolicyInvalid(_l("A fee must be a whole number of yen between 1 and 100,000, or empty for none."))
        if amount is not None and not cleaned.get("fee_payment", values.get("fee_payment")):
            raise PolicyInvalid(_l("Say how the fee is paid."))
        cleaned["fee_amount"] = amount


def create_policy(
    *, jurisdiction: Jurisdiction | str, request_type: RequestType | str | None, rules: dict[str, Any], actor: Actor
) -> Policy:
    """Add a rule for one request type (or a jurisdiction's default, if it has none)."""
    jurisdiction = Jurisdiction(jurisdiction)
    request_type = None if request_type is None else RequestType(request_type)
    existing = db.session.scalar(
        sa.select(Policy.id).where(
            Policy.jurisdiction == jurisdiction,
            Policy.request_type.is_(None) if request_type is None else Policy.request_type == request_type,
        )
    )
    if existing is not None:
        raise PolicyInvalid(_l("A rule for this jurisdiction and request type already exists."))
    cleaned = _clean_rules({"acknowledge_period": None, "extension_period": None, **rules})
    policy = Policy(jurisdiction=jurisdiction, request_type=request_type, **cleaned)
    db.session.add(policy)
    db.session.flush()
    record(
        "dsr.policy.created",
        actor=actor,
        target_type="policy",
        target_id=policy.id,
        details={"jurisdiction": jurisdiction.value, "request_type": request_type and request_type.value,
                 "rules": _jsonable({k: getattr(policy, k) for k in EDITABLE_FIELDS})},
    )
    return policy


def update_policy(policy: Policy, *, changes: dict[str, Any], actor: Actor) -> dict[str, list]:
    """Apply an admin's edits and audit them as `{field: [old, new]}`; returns that diff.

    Requests keep the due dates they already have: nothing here touches them.
    """
    current = {key: getattr(policy, key) for key in EDITABLE_FIELDS}
    cleaned = _clean_rules({**_period_pairs(current, changes), **changes})
    diff = {key: [current[key], value] for key, value in cleaned.items() if current[key] != value}
    if not diff:
        return {}
    for key, (_old, new) in diff.items():
        setattr(policy, key, new)
    db.session.flush()
    record(
        "dsr.policy.updated",
        actor=actor,
        target_type="policy",
        target_id=policy.id,
        details={"jurisdiction": policy.jurisdiction.value,
                 "request_type": policy.request_type and policy.request_type.value,
                 "changes": _jsonable(diff)},
    )
    return diff


def _period_pairs(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Changing only a period's number (or unit) is checked together with its current partner."""
    pairs = {}
    for prefix in ("response", "acknowledge", "extension"):
        period_key, unit_key = f"{prefix}_period", f"{prefix}_unit"
        if (period_key in changes) != (unit_key in changes):
            pairs[period_key], pairs[unit_key] = current[period_key], current[unit_key]
    return pairs


def _jsonable(value):
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    return value.value if isinstance(value, PeriodUnit) else value
