"""Where a link or form may send someone next."""
from __future__ import annotations


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths are followed, so `next=` cannot send anyone elsewhere.

    Browsers read `//host`, `/\\host` and (after dropping tabs and newlines) `/\t/host` as
    another site, so a path must start with one slash and hold no backslash, control
    character or whitespace.
    """
    if (not target or not target.startswith("/") or target.startswith("//") or "\\" in target
            or any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target)):
        return default
    return target
