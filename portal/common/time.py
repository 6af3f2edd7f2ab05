"""Time helpers: store UTC, read Japan time when a time comes without an offset."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

JST = ZoneInfo("Asia/Tokyo")


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (use as a callable default)."""
    return datetime.now(timezone.utc)


def parse_datetime(text: str) -> datetime:
    """Parse ISO 8601; a time without an offset is Japan time (import contract)."""
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=JST)
    return value.astimezone(timezone.utc)


def parse_date(text: str) -> date:
    """Parse `YYYY-MM-DD` strictly (no times, no other forms)."""
    if len(text) != 10:
        raise ValueError(f"not a YYYY-MM-DD date: {text!r}")
    return date.fromisoformat(text)
