"""SQL pieces that read the same on SQLite and PostgreSQL: Japan dates and percentiles.

Timestamps are stored as naive UTC on both. Japan has no daylight saving time, so a Japan
date is the date of the UTC time plus nine hours, on either database.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement


class jst_days_between(FunctionElement):
    """Calendar days in Japan time from the first timestamp to the second (an integer)."""

    type = sa.Integer()
    inherit_cache = True
    name = "jst_days_between"


@compiles(jst_days_between, "sqlite")
def _days_sqlite(element, compiler, **kw):
    start, end = [compiler.process(arg, **kw) for arg in element.clauses]
    return (f"CAST(julianday(date({end}, '+9 hours')) - julianday(date({start}, '+9 hours')) AS INTEGER)")


@compiles(jst_days_between, "postgresql")
def _days_postgresql(element, compiler, **kw):
    start, end = [compiler.process(arg, **kw) for arg in element.clauses]
    return f"(CAST({end} + INTERVAL '9 hours' AS DATE) - CAST({start} + INTERVAL '9 hours' AS DATE))"


def percentiles(select_days, fractions: tuple[tuple[int, int], ...]) -> sa.Select:
    """Per group: the count, and for each fraction num/den the two ranked values around it.

    `select_days` must select columns named `grp` and `days`. Neither database shares a
    percentile function (SQLite has none), but both number rows with window functions, so
    the neighbours of the 0-based position (n-1)·num/den are picked here and interpolated
    by `interpolate` exactly as PostgreSQL's percentile_cont would.
    """
    source = select_days.subquery("days_source")
    ranked = sa.select(
        source.c.grp, source.c.days,
        sa.func.row_number().over(partition_by=source.c.grp, order_by=source.c.days).label("rn"),
        sa.func.count().over(partition_by=source.c.grp).label("n"),
    ).subquery("ranked")
    columns = [ranked.c.grp, sa.func.max(ranked.c.n).label("n"), sa.func.avg(ranked.c.days).label("mean")]
    for num, den in fractions:
        low = ((ranked.c.n - 1) * num) // den  # integer (floor) division on both databases
        high = ((ranked.c.n - 1) * num + den - 1) // den
        columns.append(sa.func.max(sa.case((ranked.c.rn - 1 == low, ranked.c.days))).label(f"lo_{num}_{den}"))
        columns.append(sa.func.max(sa.case((ranked.c.rn - 1 == high, ranked.c.days))).label(f"hi_{num}_{den}"))
    return sa.select(*columns).group_by(ranked.c.grp)


def interpolate(row, num: int, den: int) -> float | None:
    """percentile_cont(num/den) from a row of `percentiles`."""
    n = row.n or 0
    if not n:
        return None
    low, high = getattr(row, f"lo_{num}_{den}"), getattr(row, f"hi_{num}_{den}")
    position = (n - 1) * num
    fraction = (position - (position // den) * den) / den
    return round(float(low) + fraction * (float(high) - float(low)), 2)
