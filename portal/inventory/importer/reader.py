"""Reading an import file line by line: bytes in, (line number, record or problem) out.

The file is never held whole: each line is decoded and parsed on its own, so memory does
not grow with the file. The reader also keeps the file's SHA-256 (for the audit entry) and
how many bytes it has read (for the progress line).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import BinaryIO, Iterator

import orjson

from portal.common.json_input import MAX_DEPTH, BadJson, loads_untrusted

BOM = b"\xef\xbb\xbf"
# orjson turns integers beyond 64 bits into floats; such lines go to the standard parser.
_LONG_NUMBER = re.compile(r"\d{19}")


@dataclass(frozen=True)
class Problem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.line}: {self.message}"


def parse_line(number: int, line: str) -> dict | Problem:
    """One JSON Lines record, or the problem with it.

    orjson reads the common line about four times faster. Whatever it refuses (bad JSON, NaN,
    lone surrogates), and lines it would read differently (integers beyond 64 bits become
    floats there) or that may nest too deeply, go to the shared strict reader
    (`loads_untrusted`), so what loads and the messages are that reader's.
    """
    if line.count("[") + line.count("{") > MAX_DEPTH:
        return _parse_strictly(number, line)
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError:
        return _parse_strictly(number, line)
    if not isinstance(record, dict):
        return Problem(number, "each line must be a JSON object")
    if _holds_float(record) and _LONG_NUMBER.search(line):  # most lines hold no float at all
        return _parse_strictly(number, line)
    return record


def _holds_float(container: dict | list) -> bool:
    """Whether a parsed object or list holds a float anywhere (cheaper than searching the text)."""
    for inner in container.values() if type(container) is dict else container:
        kind = type(inner)
        if kind is float or ((kind is dict or kind is list) and _holds_float(inner)):
            return True
    return False


def _parse_strictly(number: int, line: str) -> dict | Problem:
    try:
        record = loads_untrusted(line)
    except BadJson as exc:
        where = f" (column {exc.column})" if exc.column else ""
        return Problem(number, f"malformed JSON: {exc.message}{where}")
    if not isinstance(record, dict):
        return Problem(number, "each line must be a JSON object")
    return record


class LineReader:
    """Iterates a binary stream's records; stops at the first byte that is not UTF-8.

    Splits on b"\\n" only: JSON strings may hold U+2028 and friends, which str.splitlines()
    would cut. A BOM at the start is tolerated.
    """

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.sha256 = hashlib.sha256()
        self.bytes_read = 0

    def __iter__(self) -> Iterator[tuple[int, dict | Problem]]:
        offset = 0
        for number, raw in enumerate(self.stream, start=1):
            self.sha256.update(raw)
            self.bytes_read += len(raw)
            if number == 1 and raw.startswith(BOM):
                raw, offset = raw[len(BOM):], len(BOM)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield number, Problem(number, f"file is not UTF-8 (invalid byte at position {offset + exc.start})")
                return
            offset += len(raw)
            line = text.strip()
            if not line or line[0] == "#":
                continue
            yield number, parse_line(number, line)
