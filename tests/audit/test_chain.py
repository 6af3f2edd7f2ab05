"""The audit log's hash chain detects edited and removed entries."""
import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEntry, AuditHead
from portal.audit.services import Actor, record
from portal.extensions import db


def write_entries(count: int) -> None:
    for n in range(count):
        record("test.action", actor=Actor("staff", n), target_type="request", target_id=f"MG-{n}")
    db.session.commit()


def test_intact_chain_verifies(runner, app_ctx):
    write_entries(5)
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 0
    assert "5 entries checked" in result.output


def test_edited_entry_is_named(runner, app_ctx):
    write_entries(5)
    third = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id).offset(2)).first()
    db.session.execute(sa.update(AuditEntry).where(AuditEntry.id == third.id).values(actor_id="someone-else"))
    db.session.commit()
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 1
    assert f"BROKEN at entry {third.id}" in result.output


def test_removed_entry_breaks_the_link_of_the_next(runner, app_ctx):
    write_entries(4)
    ids = db.session.scalars(sa.select(AuditEntry.id).order_by(AuditEntry.id)).all()
    db.session.execute(sa.delete(AuditEntry).where(AuditEntry.id == ids[1]))
    db.session.commit()
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 1
    assert f"BROKEN at entry {ids[2]}" in result.output


def test_entries_link_to_their_predecessor(app_ctx):
    write_entries(3)
    entries = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).all()
    assert entries[1].prev_hash == entries[0].hash
    assert entries[2].prev_hash == entries[1].hash


def test_deleted_last_entries_are_detected_by_audit_verify(runner, app_ctx):
    write_entries(5)
    ids = db.session.scalars(sa.select(AuditEntry.id).order_by(AuditEntry.id)).all()
    # Whoever hides their last actions deletes the newest rows: no later link breaks.
    db.session.execute(sa.delete(AuditEntry).where(AuditEntry.id.in_(ids[3:])))
    db.session.commit()
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 1
    assert "the last entries were deleted" in result.output
    assert f"names entry {ids[4]} as the newest of 5 entries, but the log holds 3" in result.output


def test_an_entry_written_after_a_truncation_does_not_hide_it(runner, app_ctx):
    write_entries(3)
    last = db.session.scalar(sa.select(sa.func.max(AuditEntry.id)))
    db.session.execute(sa.delete(AuditEntry).where(AuditEntry.id == last))
    db.session.commit()
    write_entries(1)
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 1
    assert "BROKEN" in result.output


def test_a_head_moved_back_by_hand_is_refused(runner, app_ctx):
    write_entries(3)
    ids = db.session.scalars(sa.select(AuditEntry.id).order_by(AuditEntry.id)).all()
    second = db.session.execute(sa.select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id).offset(1).limit(1)).one()
    db.session.execute(sa.delete(AuditEntry).where(AuditEntry.id == ids[2]))
    db.session.execute(sa.update(AuditHead).values(last_id=second.id, last_hash=second.hash, entries=2))
    db.session.commit()
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 1
    assert "head checkpoint altered" in result.output


def test_a_deleted_checkpoint_is_reported(runner, app_ctx):
    write_entries(2)
    db.session.execute(sa.delete(AuditHead))
    db.session.commit()
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 1
    assert "head checkpoint missing" in result.output


@pytest.mark.parametrize("entries_before", [1, 0], ids=["log", "empty log"])
def test_two_writers_at_once_link_one_after_the_other(app, entries_before):
    """A second worker writing while the first holds the chain waits for it and links to its entry
    (on SQLite it used to read the head before the first committed, and the chain forked). On an
    empty log there is no head row to lock yet (PostgreSQL then queues the first appends apart)."""
    import threading
    import time

    from portal.audit.services import verify_chain

    with app.app_context():
        write_entries(entries_before)
    holding, release = threading.Event(), threading.Event()

    def first():
        with app.app_context():
            record("test.first", actor=Actor("staff", 1))
            holding.set()
            release.wait(10)
            db.session.commit()

    def second():
        with app.app_context():
            record("test.second", actor=Actor("staff", 2))
            db.session.commit()

    writers = [threading.Thread(target=first), threading.Thread(target=second)]
    writers[0].start()
    assert holding.wait(10)
    writers[1].start()
    time.sleep(0.3)  # the second is now waiting for the chain
    release.set()
    for writer in writers:
        writer.join(20)
    with app.app_context():
        entries = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).all()
        assert [entry.action for entry in entries[-2:]] == ["test.first", "test.second"]
        assert entries[-1].prev_hash == entries[-2].hash
        assert verify_chain().first_broken_id is None
