"""Small helpers for reading customer pages the way a person would."""
from __future__ import annotations

import html
import re


def text_of(page: str) -> str:
    """The visible text of a page, tags removed and whitespace collapsed."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def section(page: str, section_id: str) -> str:
    """The text of one `<section id=…>` of a page."""
    match = re.search(rf'<section id="{section_id}".*?</section>', page, flags=re.S)
    assert match, f"page has no section {section_id!r}"
    return text_of(match.group(0))
