"""Migration 0027 gives a log written before it a signed head, so it verifies intact after the
upgrade and a later truncation is still found."""
from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import upgrade

from portal.audit.models import AuditEntry
from portal.audit.services import GENESIS_HASH, _entry_hash, verify_chain
from portal.common.time import utcnow
from portal.extensions import db
from portal.startup import MIGRATIONS_DIR
from tests.fixtures.migrations import app_at_revision


def test_an_existing_log_gets_its_head_and_still_catches_a_later_truncation(empty_database):
    with app_at_revision(empty_database, "0026") as old_app, old_app.app_context():
        prev = GENESIS_HASH
        for n in range(3):  # written as the portal did then: rows only, no head
            entry = AuditEntry(at=utcnow(), actor_type="system", action=f"old.{n}", details={}, prev_hash=prev)
            entry.hash = prev = _entry_hash(entry)
            db.session.add(entry)
            db.session.flush()
        db.session.commit()
        upgrade(directory=MIGRATIONS_DIR, revision="heads")
        report = verify_chain()
        assert report.ok and report.checked == 3
        db.session.execute(sa.delete(AuditEntry).where(AuditEntry.action == "old.2"))
        db.session.commit()
        report = verify_chain()
        assert report.reason == "last entries deleted" and report.head_entries == 3
