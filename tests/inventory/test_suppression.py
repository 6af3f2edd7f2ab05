"""The suppression list: withdrawals and restrictions in, re-grants and lifted restrictions out."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEntry
from portal.audit.services import Actor
from portal.common.time import utcnow
from portal.extensions import db
from portal.inventory.models import ConsentEvent, ConsentState, Person, Purpose
from portal.inventory.restrictions import UseRestriction, lift_restriction, restrict_use
from portal.inventory.suppression import UnknownPurpose, suppressed_for_purpose

STAFF = Actor("staff", "7")
NEWSLETTER = {
    "type": "purpose", "key": "newsletter-email", "title": {"ja": "新商品のお知らせ（メール）", "en": "News (email)"},
    "consent_required": True, "channel": "email",
}
DM = {
    "type": "purpose", "key": "dm-post", "title": {"ja": "ダイレクトメール（郵送）", "en": "Direct mail (post)"},
    "consent_required": True, "channel": "post",
}


def person(key: str, email: str, name: str = "山田 花子") -> dict:
    return {"type": "person", "key": key, "email": email, "name": name}


def consent(key: str, state: str, at: str, purpose: str = "newsletter-email") -> dict:
    return {"type": "consent", "person": key, "purpose": purpose, "state": state, "at": at}


@pytest.fixture
def people(import_lines):
    """Three persons who granted the newsletter in 2024."""
    import_lines(NEWSLETTER, DM,
                 person("C-1", "hanako@example.jp"), person("C-2", "jiro@example.jp", "佐藤 次郎"),
                 person("C-3", "saburo@example.jp", "鈴木 三郎"),
                 consent("C-1", "granted", "2024-05-01T10:00:00+09:00"),
                 consent("C-2", "granted", "2024-05-01T10:00:00+09:00"),
                 consent("C-3", "granted", "2024-05-01T10:00:00+09:00"))


def ids(app, *keys: str) -> dict[str, int]:
    with app.app_context():
        found = dict(db.session.execute(sa.select(Person.key, Person.id).where(Person.key.in_(keys))).all())
        db.session.remove()
    return found


def purpose_id(key: str) -> int:
    return db.session.scalar(sa.select(Purpose.id).where(Purpose.key == key))


def record_consent(person_key: str, state: str, at: datetime, purpose: str = "newsletter-email") -> None:
    """What the consent-withdrawal form does underneath: append one event and commit."""
    person_id = db.session.scalar(sa.select(Person.id).where(Person.key == person_key))
    db.session.add(ConsentEvent(person_id=person_id, purpose_id=purpose_id(purpose),
                                state=ConsentState(state), at=at))
    db.session.commit()


def listed(purpose: str = "newsletter-email", **options) -> list[tuple[str, str, str]]:
    return [(row.person_key, row.email, row.reason.value) for row in suppressed_for_purpose(purpose, **options)]


def test_nobody_is_suppressed_while_everyone_consents(app_ctx, people):
    assert listed() == []


def test_a_withdrawal_appears_on_the_list_at_once(app_ctx, people):
    now = utcnow()
    record_consent("C-2", "withdrawn", now)
    [row] = list(suppressed_for_purpose("newsletter-email"))
    assert (row.person_key, row.email, row.name, row.reason.value) == ("C-2", "jiro@example.jp", "佐藤 次郎", "consent_withdrawn")
    assert row.since == now


def test_a_withdrawal_only_suppresses_its_own_purpose(app_ctx, people):
    record_consent("C-2", "withdrawn", utcnow())
    assert listed("dm-post") == []


def test_consent_given_again_takes_the_person_off_the_list(app_ctx, people):
    record_consent("C-1", "withdrawn", utcnow() - timedelta(days=2))
    assert listed() == [("C-1", "hanako@example.jp", "consent_withdrawn")]
    record_consent("C-1", "granted", utcnow() - timedelta(days=1))
    assert listed() == []


def test_the_latest_event_counts_not_the_latest_recorded(app_ctx, people):
    """An old withdrawal entered today does not override a newer grant."""
    record_consent("C-1", "granted", utcnow() - timedelta(days=1))
    record_consent("C-1", "withdrawn", utcnow() - timedelta(days=30))
    assert listed() == []


def test_a_withdrawal_and_a_grant_at_the_same_moment_follow_the_one_recorded_last(app_ctx, people):
    moment = utcnow() - timedelta(hours=1)
    record_consent("C-3", "granted", moment)
    record_consent("C-3", "withdrawn", moment)
    assert listed() == [("C-3", "saburo@example.jp", "consent_withdrawn")]


@pytest.mark.parametrize("kind", ["suspension", "erasure", "objection"])
def test_each_contact_stopping_restriction_appears_with_its_reason(app, app_ctx, people, kind):
    person_id = ids(app, "C-3")["C-3"]
    restrict_use(person_id=person_id, kind=kind, actor=STAFF)
    db.session.commit()
    assert listed() == [("C-3", "saburo@example.jp", kind)]
    assert listed("dm-post") == [("C-3", "saburo@example.jp", kind)], "no purpose named: every purpose"


def test_a_restriction_for_one_purpose_leaves_the_others_alone(app, app_ctx, people):
    person_id = ids(app, "C-1")["C-1"]
    restrict_use(person_id=person_id, kind="objection", purpose_id=purpose_id("dm-post"), actor=STAFF)
    db.session.commit()
    assert listed("dm-post") == [("C-1", "hanako@example.jp", "objection")]
    assert listed() == []


def test_a_stop_of_provision_is_no_reason_to_stop_contact(app, app_ctx, people):
    person_id = ids(app, "C-1")["C-1"]
    restrict_use(person_id=person_id, kind="provision_stop", recipient_name="株式会社サンプル物流", actor=STAFF)
    db.session.commit()
    assert listed() == []


def test_a_suspension_of_purchase_history_only_does_not_stop_mail(app, app_ctx, people):
    person_id = ids(app, "C-1")["C-1"]
    restrict_use(person_id=person_id, kind="suspension", category="purchase", actor=STAFF)
    db.session.commit()
    assert listed() == []
    restrict_use(person_id=person_id, kind="suspension", category="contact", actor=STAFF)
    db.session.commit()
    assert listed() == [("C-1", "hanako@example.jp", "suspension")]


def test_a_lifted_restriction_takes_the_person_off_the_list(app, app_ctx, people):
    restriction = restrict_use(person_id=ids(app, "C-2")["C-2"], kind="suspension", actor=STAFF)
    db.session.commit()
    lift_restriction(restriction, actor=STAFF)
    db.session.commit()
    assert listed() == []


def test_a_person_with_two_reasons_appears_once_per_reason(app, app_ctx, people):
    record_consent("C-2", "withdrawn", utcnow() - timedelta(days=3))
    restrict_use(person_id=ids(app, "C-2")["C-2"], kind="erasure", actor=STAFF)
    db.session.commit()
    assert sorted(listed()) == [("C-2", "jiro@example.jp", "consent_withdrawn"), ("C-2", "jiro@example.jp", "erasure")]


def test_since_returns_only_entries_that_began_later(app, app_ctx, people):
    base = datetime(2026, 1, 10, 0, 0, tzinfo=timezone.utc)
    record_consent("C-1", "withdrawn", base - timedelta(days=5))
    record_consent("C-2", "withdrawn", base + timedelta(days=1))
    restriction = restrict_use(person_id=ids(app, "C-3")["C-3"], kind="suspension", actor=STAFF)
    restriction.since = base + timedelta(days=2)
    db.session.commit()
    assert [row[0] for row in listed()] == ["C-1", "C-2", "C-3"], "oldest first"
    assert [row[0] for row in listed(since=base)] == ["C-2", "C-3"]
    assert [row[0] for row in listed(since=base + timedelta(days=1))] == ["C-3"], "strictly later"
    assert listed(since=base + timedelta(days=3)) == []


def test_an_unknown_purpose_is_a_clear_error_before_any_row(app_ctx, people):
    with pytest.raises(UnknownPurpose, match="no-such-purpose"):
        suppressed_for_purpose("no-such-purpose")


def test_restricting_use_is_audited_without_personal_values(app, app_ctx, people):
    person_id = ids(app, "C-1")["C-1"]
    restrict_use(person_id=person_id, kind="provision_stop", recipient_name="株式会社サンプル物流", actor=STAFF)
    db.session.commit()
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "inventory.use_restricted"))
    assert (entry.actor_type, entry.actor_id, entry.person_id) == ("staff", "7", person_id)
    assert entry.details["kind"] == "provision_stop" and "株式会社" not in str(entry.details)


def test_applying_the_same_restriction_twice_keeps_one(app, app_ctx, people):
    person_id = ids(app, "C-1")["C-1"]
    first = restrict_use(person_id=person_id, kind="suspension", actor=STAFF)
    second = restrict_use(person_id=person_id, kind="suspension", actor=STAFF)
    db.session.commit()
    assert first.id == second.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UseRestriction)) == 1


def test_only_a_stop_of_provision_names_a_recipient(app, app_ctx, people):
    with pytest.raises(ValueError):
        restrict_use(person_id=ids(app, "C-1")["C-1"], kind="suspension", recipient_name="株式会社X", actor=STAFF)
