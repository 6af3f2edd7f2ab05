"""Normalising what people type, the same way everywhere it is compared."""
from __future__ import annotations

import unicodedata


def normalise_email(text: str | None) -> str:
    """One spelling per address: full-width input from a Japanese keyboard becomes ASCII
    (NFKC), surrounding spaces go, case does not matter."""
    return unicodedata.normalize("NFKC", text or "").strip().lower()
