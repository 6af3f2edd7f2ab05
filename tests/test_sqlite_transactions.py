"""A savepoint released inside a transaction is undone when the transaction rolls back."""
import sqlalchemy as sa

from portal.extensions import db
from portal.inventory.models import Source


def test_rollback_undoes_work_done_inside_a_released_savepoint(app_ctx):
    with db.session.begin_nested():
        db.session.add(Source(key="s-1", kind="direct", name_ja="店頭", name_en="Shop"))
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Source)) == 0
