"""Every change to a request leaves an audit entry, without personal values."""
import sqlalchemy as sa

from portal.audit.models import AuditEntry
from portal.dsr import services
from portal.dsr.status import RequestStatus
from portal.extensions import db

from tests.fixtures.dsr import STAFF, jst


def actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def test_create_transition_and_extend_are_audited(verified_request, make_person):
    person_id = make_person()
    request = verified_request(jst(2026, 3, 2), residence="eu", person_id=person_id,
                               requester_email="hanako@example.jp", requester_name="山田 花子")
    services.transition(request, RequestStatus.IN_PROGRESS, actor=STAFF, now=jst(2026, 3, 3))
    services.extend_deadline(request, reason="多数の記録を確認中のため", amount=2, actor=STAFF, now=jst(2026, 3, 4))
    db.session.commit()
    assert actions() == ["dsr.request.created", "dsr.request.transition", "dsr.request.extended"]
    entries = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).all()
    assert {e.target_id for e in entries} == {request.reference}
    assert {e.person_id for e in entries} == {person_id}
    assert entries[1].details["from_status"] == "verified" and entries[1].details["to_status"] == "in_progress"
    assert entries[2].details["amount"] == 2 and entries[2].details["unit"] == "months"
    written = repr([e.details for e in entries])
    for personal in ("hanako", "山田", "多数の記録"):
        assert personal not in written
