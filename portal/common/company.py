"""The company's public profile (Art. 32 notice items), read from a JSON file.

`PORTAL_COMPANY_FILE` points at the operator's own file; without it the fictional
demo company shipped in the package is used.
"""
from __future__ import annotations

import json
from datetime import date
from functools import lru_cache
from pathlib import Path

from flask import current_app

from portal.i18n import current_language

DEMO_COMPANY_FILE = Path(__file__).resolve().parent.parent / "demo" / "company.json"


@lru_cache(maxsize=8)
def _load(path: str) -> dict:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def company_profile() -> dict:
    return _load(current_app.config.get("PORTAL_COMPANY_FILE") or str(DEMO_COMPANY_FILE))


def text(value):
    """A `{"ja": …, "en": …}` text in the current language (plain strings pass through)."""
    if isinstance(value, dict):
        return value.get(current_language()) or value.get("ja")
    return value


def day(value):
    """A `YYYY-MM-DD` of the profile as a date (shown in the reader's format); None stays None."""
    return date.fromisoformat(value) if isinstance(value, str) else value
