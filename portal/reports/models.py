"""The dashboard's shared cache of period figures, and the indexes its queries walk.

The indexes are declared here, beside the queries that need them, rather than in
`portal.dsr.models`: they exist for the reports (migration 0014, chosen from EXPLAIN on
PostgreSQL and SQLite). Each one covers every column its query reads, so the figures come
from the index alone (SQLite: "USING COVERING INDEX"; PostgreSQL: an index-only scan once
the visibility map is set by vacuum) instead of fetching each request's wide row.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.common.db import UTCDateTime
from portal.dsr.models import DataRequest
from portal.extensions import db

_OPEN = sa.text("closed_at IS NULL")
_CLOSED = sa.text("closed_at IS NOT NULL")

# Open now: counts per status and assignee, with their due dates (overdue, due today…), pauses and
# receipt confirmations: every column the dashboard's open workload reads, so the index answers it
# alone (with a column missing, PostgreSQL read all million requests instead: 0.3 s).
OPEN_WORKLOAD_COLUMNS = ("status", "assignee_id", "due_at", "paused_at", "acknowledge_due_at", "acknowledged_at")
sa.Index("ix_data_request_open_status_assignee", *(getattr(DataRequest, name) for name in OPEN_WORKLOAD_COLUMNS),
         sqlite_where=_OPEN, postgresql_where=_OPEN)
# Closed in a period (breakdowns, weekly answered, per assignee): counts, days taken, on time.
# Partial (closed requests only): the open ones are the queue's, whose partial indexes serve them;
# a full index here would tempt SQLite's planner away from those for the queue's counts.
sa.Index("ix_data_request_closed_figures", DataRequest.closed_at, DataRequest.status, DataRequest.type,
         DataRequest.jurisdiction, DataRequest.assignee_id, DataRequest.received_at, DataRequest.due_at,
         sqlite_where=_CLOSED, postgresql_where=_CLOSED)
# Received in a period, per type and jurisdiction.
sa.Index("ix_data_request_received_figures", DataRequest.received_at, DataRequest.type, DataRequest.jurisdiction)


class ReportFigures(db.Model):
    """Figures computed for one set of dashboard parameters, shared by every worker.

    Period figures (per type and policy, the weekly trend, answered per assignee) cost a few
    passes over the register; they are kept here for a short while (PORTAL_REPORTS_CACHE_SECONDS)
    and recomputed by the first view after that. What is open right now is never cached.
    Counts only: no personal data.
    """

    __tablename__ = "report_figures"

    key: Mapped[str] = mapped_column(sa.String(120), primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    figures: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
