"""Reading JSON that came from outside (API bodies, import lines) without surprises later.

`json.loads` happily returns what would break the code after it: a lone surrogate such as
"\\ud800" is a Python string that cannot be encoded to UTF-8 (so the database, the cipher
or the answer fails with a 500), and a deeply nested document exhausts the recursion limit
in whatever walks it next. Both are refused here, with a message that says where.
"""
from __future__ import annotations

import json
import re
from typing import Any

# Our formats nest a few levels (an item's value is a small object); 32 leaves ample room.
MAX_DEPTH = 32


class BadJson(ValueError):
    """The text is not JSON we accept; `message` says why in plain words, `column` where."""

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


def _reject_constant(name: str):
    raise ValueError(f"{name} is not allowed in JSON")


def loads_untrusted(text: str, *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse `text` as strict JSON; raise BadJson for malformed JSON, NaN/Infinity, nesting
    deeper than `max_depth`, or a string holding a lone surrogate."""
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise BadJson(error.msg, line=error.lineno, column=error.colno) from None
    except RecursionError:  # the C parser stops itself near the interpreter's limit
        raise BadJson(f"nested more than {max_depth} levels deep") from None
    except ValueError as error:
        raise BadJson(str(error)) from None
    # The walks below cost nothing on ordinary input: both have a cheap test on the text first.
    if text.count("[") + text.count("{") > max_depth:
        _check_depth(value, max_depth)
    if _SURROGATE_ESCAPE.search(text) or not text.isascii() and _has_surrogate(text):
        _check_strings(value)
    return value


# A surrogate can only come in as an escape (a UTF-8 decoded text holds none); pairs are
# fine, so the parsed strings are checked only when such an escape appears.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _check_depth(value: Any, max_depth: int) -> None:
    pending = [(value, 1)]
    while pending:
        current, depth = pending.pop()
        if isinstance(current, dict):
            current = list(current.values())
        elif not isinstance(current, list):
            continue
        if depth > max_depth:
            raise BadJson(f"nested more than {max_depth} levels deep")
        pending.extend((inner, depth + 1) for inner in current)


def _check_strings(value: Any) -> None:
    """Walk the parsed value without recursion; every key and string must be valid Unicode."""
    pending = [value]
    while pending:
        current = pending.pop()
        if isinstance(current, str):
            _check_text(current)
        elif isinstance(current, dict):
            for key, inner in current.items():
                _check_text(key)
                pending.append(inner)
        elif isinstance(current, list):
            pending.extend(current)


def _check_text(text: str) -> None:
    if _has_surrogate(text):
        raise BadJson("a string holds a lone surrogate (\\ud800–\\udfff), which is not valid Unicode")
