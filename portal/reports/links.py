"""Drill-down links: every number on the dashboard opens the queue filtered to exactly the
requests it counts (tests/reports/test_drilldown.py follows each one)."""
from __future__ import annotations

from functools import lru_cache
from urllib.parse import quote_plus

from markupsafe import Markup, escape


@lru_cache(maxsize=2048)
def _quoted(text: str) -> str:
    # The same few filter names, dates and statuses recur on every dashboard.
    return quote_plus(text)


def drill_link(queue_url: str, count: int | None, filters: dict) -> Markup:
    """`<a href="/staff/?filters">count</a>`. Built here rather than in a Jinja macro with
    `|urlencode`: a dashboard has about 140 of them, and as macros they were a fifth of the
    page's CPU (bench/profile_pages.py)."""
    query = "&".join(f"{_quoted(str(name))}={_quoted(str(value))}" for name, value in filters.items())
    href = f"{queue_url}?{query}" if query else queue_url
    return Markup(f'<a href="{escape(href)}">{escape(count or 0)}</a>')  # escape(): Markup.format is 10× slower
