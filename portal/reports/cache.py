"""A short-lived cache of computed figures in the database, so every gunicorn worker (and
every machine) shares it: the first view after the figures are older than the allowed age
computes them once and the others read one row.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Callable

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from portal.extensions import db
from portal.reports.models import ReportFigures

DEFAULT_SECONDS = 60
#: Rows for other parameters (another period, an earlier day) are dropped after this long.
KEEP = timedelta(days=1)


def max_age() -> timedelta:
    return timedelta(seconds=int(current_app.config.get("PORTAL_REPORTS_CACHE_SECONDS", DEFAULT_SECONDS)))


def figures(key: str, compute: Callable[[], dict[str, Any]], *, now: datetime) -> tuple[dict[str, Any], datetime]:
    """(figures, when they were computed): the stored ones if fresh enough, else `compute()`d
    and stored (in the caller's transaction). Two workers refreshing at once both compute; the
    later write wins, which is harmless."""
    age = max_age()
    if age > timedelta(0):
        row = db.session.execute(sa.select(ReportFigures.figures, ReportFigures.computed_at)
                                 .where(ReportFigures.key == key)).first()
        if row is not None and now - age <= row.computed_at <= now:
            return row.figures, row.computed_at
    computed = compute()
    if age > timedelta(0):
        _store(key, computed, now)
    return computed, now


def _store(key: str, computed: dict[str, Any], now: datetime) -> None:
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    statement = insert(ReportFigures).values(key=key, computed_at=now, figures=computed)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=[ReportFigures.key],
        set_={"computed_at": statement.excluded.computed_at, "figures": statement.excluded.figures}))
    db.session.execute(sa.delete(ReportFigures).where(ReportFigures.computed_at < now - KEEP))
