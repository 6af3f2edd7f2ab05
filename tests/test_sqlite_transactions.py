"""A savepoint released inside a transaction is undone when the transaction rolls back."""
import sqlalchemy as sa

from portal.extensions import db
from portal.inventory.models import Source


def test_rollback_undoes_work_done_inside_a_released_savepoint(app_ctx):
    with db.session.begin_nested():
        db.session.add(Source(key="s-1", kind="direct", name_ja="店頭", name_en="Shop"))
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Source)) == 0


def test_sqlite_runs_with_a_write_ahead_log_synced_at_every_commit(app):
    """Write-ahead-log mode (readers are not locked out while a request commits) with
    synchronous=FULL (a committed audit entry survives a power cut); a reader sees the last
    committed state while another connection writes."""
    import pytest

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's journal mode")
        with db.engine.connect() as writer, db.engine.connect() as reader:
            assert writer.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert writer.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
            writer.exec_driver_sql("BEGIN IMMEDIATE")
            writer.execute(sa.insert(Source).values(key="s-w", kind="direct", name_ja="店頭", name_en="Shop"))
            reader.exec_driver_sql("PRAGMA busy_timeout=100")
            assert reader.execute(sa.select(sa.func.count()).select_from(Source)).scalar() == 0
            writer.exec_driver_sql("COMMIT")
            assert reader.execute(sa.select(sa.func.count()).select_from(Source)).scalar() == 1
