"""Policies: the seeded defaults, choosing one, and audited edits that never move existing deadlines."""
import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEntry
from portal.dsr import services
from portal.dsr.models import Jurisdiction, PeriodUnit, Policy
from portal.dsr.policies import DEFAULT_POLICIES, PolicyInvalid, choose_policy, create_policy, update_policy
from portal.extensions import db

from tests.fixtures.dsr import STAFF, jst

ADMIN = STAFF


def rules_of(policy: Policy) -> dict:
    return {
        "jurisdiction": policy.jurisdiction.value,
        "request_type": policy.request_type,
        "response_period": policy.response_period,
        "clock_starts": policy.clock_starts.value,
        "response_unit": policy.response_unit.value,
        "acknowledge_period": policy.acknowledge_period,
        "acknowledge_unit": policy.acknowledge_unit and policy.acknowledge_unit.value,
        "extension_period": policy.extension_period,
        "extension_unit": policy.extension_unit and policy.extension_unit.value,
        "pause_when_waiting": policy.pause_when_waiting,
        "honour_gpc": policy.honour_gpc,
    }


def test_a_fresh_database_holds_the_default_policies(app_ctx):
    rows = db.session.scalars(sa.select(Policy).order_by(Policy.id)).all()
    assert [rules_of(p) for p in rows] == list(DEFAULT_POLICIES)


@pytest.mark.parametrize(
    "residence, jurisdiction",
    [("jp", "appi"), ("eu", "gdpr"), ("us-ca", "ccpa"), ("other", "appi"), (None, "appi")],
)
def test_the_policy_follows_the_stated_residence(app_ctx, residence, jurisdiction):
    assert choose_policy(residence, "disclosure").jurisdiction is Jurisdiction(jurisdiction)


def test_a_rule_for_one_request_type_wins_over_the_jurisdictions_default(app_ctx):
    special = create_policy(jurisdiction="gdpr", request_type="erasure", actor=ADMIN,
                            rules={"response_period": 20, "response_unit": "calendar_days"})
    db.session.commit()
    assert choose_policy("eu", "erasure") is special
    assert choose_policy("eu", "disclosure").request_type is None
    with pytest.raises(PolicyInvalid):
        create_policy(jurisdiction="gdpr", request_type="erasure", actor=ADMIN,
                      rules={"response_period": 10, "response_unit": "calendar_days"})


def test_changing_a_policy_is_audited_and_existing_due_dates_do_not_move(verified_request):
    before = verified_request(jst(2026, 4, 1))
    appi = choose_policy("jp", "disclosure")
    diff = update_policy(appi, changes={"response_period": 10}, actor=ADMIN)
    db.session.commit()
    assert diff == {"response_period": [14, 10]}
    db.session.expire_all()
    assert before.due_at == jst(2026, 4, 15, 23, 59, 59)
    after = verified_request(jst(2026, 4, 1))
    assert after.due_at == jst(2026, 4, 11, 23, 59, 59)
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "dsr.policy.updated")).one()
    assert entry.details["changes"] == {"response_period": [14, 10]}
    assert entry.actor_type == "staff" and entry.target_id == str(appi.id)


def test_an_unchanged_policy_writes_no_audit_entry(app_ctx):
    appi = choose_policy("jp", "disclosure")
    assert update_policy(appi, changes={"response_period": 14}, actor=ADMIN) == {}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 0


def test_an_extension_can_be_removed_by_clearing_its_period(app_ctx):
    gdpr = choose_policy("eu", "disclosure")
    update_policy(gdpr, changes={"extension_period": None}, actor=ADMIN)
    assert gdpr.extension_period is None and gdpr.extension_unit is None


@pytest.mark.parametrize(
    "changes",
    [
        {"response_period": 0},
        {"response_period": 400},
        {"response_period": "14"},
        {"response_unit": "fortnights"},
        {"acknowledge_period": 5},  # a number without a unit
        {"response_period": 13, "response_unit": "months"},
    ],
)
def test_unusable_rules_are_refused(app_ctx, changes):
    appi = choose_policy("jp", "disclosure")
    with pytest.raises((PolicyInvalid, ValueError)):
        update_policy(appi, changes=changes, actor=ADMIN)
    db.session.rollback()
    assert choose_policy("jp", "disclosure").response_period == 14
    assert choose_policy("jp", "disclosure").response_unit is PeriodUnit.CALENDAR_DAYS


def test_months_are_allowed_as_a_response_unit(app_ctx):
    appi = choose_policy("jp", "disclosure")
    update_policy(appi, changes={"response_period": 1, "response_unit": "months"}, actor=ADMIN)
    assert appi.response_unit is PeriodUnit.MONTHS
    assert services.update_policy is update_policy  # callers import every service from one module
