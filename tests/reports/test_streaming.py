"""The register CSV streams: memory stays flat however many requests the period holds."""
from __future__ import annotations

import tracemalloc
from datetime import date, timedelta

import sqlalchemy as sa

from portal.dsr.models import DataRequest, Policy
from portal.extensions import db
from portal.reports import exports
from portal.reports.summary import Period
from tests.fixtures.reports import jst

ROWS = 20_000


def test_the_register_of_many_requests_streams_in_a_small_flat_amount_of_memory(app_ctx):
    policy_id = db.session.scalar(sa.select(Policy.id).where(Policy.jurisdiction == "appi",
                                                             Policy.request_type.is_(None)))
    start = jst("2026-01-01 09:00")
    db.session.execute(sa.insert(DataRequest), [
        {"reference": f"MG-2026-{n:06d}", "type": "disclosure", "policy_id": policy_id, "jurisdiction": "appi",
         "status": "completed", "requester_email": "r@example.jp", "channel": "web", "language": "ja",
         "residence": "jp", "details": {}, "received_at": start + timedelta(minutes=n),
         "due_at": start + timedelta(days=14), "closed_at": start + timedelta(days=3, minutes=n),
         "paused_seconds": 0, "is_agent": False, "version_id": 1,
         "created_at": start, "updated_at": start} for n in range(1, ROWS + 1)])
    db.session.commit()

    chunks = exports.register_chunks(Period(date(2026, 1, 1), date(2026, 12, 31)))
    next(chunks), next(chunks)  # the header and the first batch: caches warm up
    tracemalloc.start()
    try:
        lines = sum(next(chunks).count("\r\n") for _ in range(3))
        start, first_peak = tracemalloc.get_traced_memory()  # the peak of three batches
        tracemalloc.reset_peak()
        lines += sum(chunk.count("\r\n") for chunk in chunks)
        _current, later_peak = tracemalloc.get_traced_memory()  # the peak of the sixteen after them
    finally:
        tracemalloc.stop()
    assert lines == ROWS - exports.BATCH
    # Flat: sixteen more batches need no more memory than three (one batch is held at a time).
    assert later_peak < first_peak * 1.25 + 100_000, f"{first_peak:,} bytes for 3 batches, {later_peak:,} for 16"
