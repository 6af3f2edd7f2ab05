"""Reading an import file line by line: bytes in, (line number, record or problem) out.

The file is never held whole: each line is decoded and parsed on its own, so memory does
not grow with the file. The reader also keeps the file's SHA-256 (for the audit entry) and
how many bytes it has read (for the progress line).
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import BinaryIO, Iterator

import orjson

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

    orjson reads the common line about five times faster; anything it refuses (bad JSON, but
    also NaN or lone surrogates, which the standard parser accepts) is read again by the
    standard parser, so what loads and the messages are the standard parser's.
    """
    if _LONG_NUMBER.search(line):
        return _parse_slowly(number, line)
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError:
        return _parse_slowly(number, line)
    if not isinstance(record, dict):
        return Problem(number, "each line must be a JSON object")
    return record


def _parse_slowly(number: int, line: str) -> dict | Problem:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        return Problem(number, f"malformed JSON: {exc.msg} (column {exc.colno})")
    except RecursionError:
        return Problem(number, "malformed JSON: nested too deeply")
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
