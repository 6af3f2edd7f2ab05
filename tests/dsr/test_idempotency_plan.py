"""A replayed submission is found through the idempotency key's index, even when the database's
statistics were gathered while no request carried a key (every submission looks its key up
first; with such statistics SQLite read the whole table: 45 ms at 200,000 requests)."""
from __future__ import annotations

import sqlalchemy as sa

from portal.dsr.models import DataRequest
from portal.dsr.queries import find_by_idempotency_key
from portal.extensions import db
from tests.fixtures.plans import full_scans

COPIES = 3000  # enough rows for the planners to weigh a scan against the index


def test_the_key_lookup_reads_the_index_not_the_table(app, app_ctx, file_request, captured):  # noqa: F811
    template = file_request()  # then copies of it in bulk: requests filed by staff or by phone, no key
    columns = [c for c in DataRequest.__table__.columns if c.name not in ("id", "reference", "idempotency_key")]
    row = dict(db.session.execute(sa.select(*columns).where(DataRequest.id == template.id)).mappings().one())
    db.session.execute(sa.insert(DataRequest.__table__), [dict(row) for _ in range(COPIES)])
    db.session.execute(sa.text("ANALYZE"))  # statistics as a maintained database keeps them
    db.session.commit()
    keyed = file_request(idempotency_key="web:1:replayed")
    captured.clear()

    assert find_by_idempotency_key("web:1:replayed").id == keyed.id
    assert find_by_idempotency_key("web:1:never-sent") is None

    assert captured
    for statement, parameters in captured:
        assert not full_scans(app, statement, parameters), " ".join(statement.split())
