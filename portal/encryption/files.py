"""AES-256-GCM for whole files: letters of authority and disclosure packages on disk.

A sealed file is `MAGIC ‖ version ‖ len(key id) ‖ key id ‖ …`. The key id travels in the
header so rotation can tell which key a file uses without reading the rest. The associated
data is the file's kind (a context label) and the header, so a package cannot be passed off as
a letter of authority and the key id cannot be edited.

- Version 1 (`write_file`, uploads: capped by PORTAL_UPLOAD_MAX_BYTES) is `nonce ‖ ciphertext ‖
  tag`, sealed and opened whole, in memory.
- Version 2 (`write_stream`, disclosure packages, which grow with the person's history) is a
  nonce prefix and then segments of 64 KiB, each sealed on its own under nonce = prefix ‖ its
  number, the last one marked in its associated data (the STREAM construction): written and
  read segment by segment in bounded memory, and a file cut short, reordered or spliced is
  refused like an altered one.

A file without the marker was written before files were encrypted: it is read as it is (no
stored upload or package begins with the marker's first byte) and `rotate_files` encrypts it.
"""
from __future__ import annotations

import hashlib
import logging
import os
import secrets
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterable, Iterator

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag

from portal.common.db import keyset_batches
from portal.encryption.cipher import NONCE_BYTES, keyring
from portal.encryption.keys import Keyring, UnknownKey
from portal.extensions import db

#: Not a byte any PDF, JPEG, PNG, ZIP or JSON Lines file starts with.
MAGIC = b"\x93MDGF"
VERSION = 1
STREAM_VERSION = 2
SEGMENT_BYTES = 64 * 1024
TAG_BYTES = 16
STREAM_PREFIX_BYTES = 8  # + a 4-byte segment number = the 12-byte GCM nonce
AUTHORITY_DOCUMENT = "authority_document"
DISCLOSURE_PACKAGE = "disclosure_package"
DEFAULT_BATCH = 500
#: Suffix of the temporary file a write goes through before it replaces the real name.
TEMP_SUFFIX = ".tmp"

log = logging.getLogger(__name__)


class SealedFileError(ValueError):
    """A sealed file cannot be opened: altered, truncated, of another kind, or its key is gone."""


def seal(data: bytes, context: str, ring: Keyring | None = None) -> bytes:
    ring = ring or keyring()
    key_id = ring.active_id.encode()
    header = MAGIC + bytes([VERSION, len(key_id)]) + key_id
    nonce = os.urandom(NONCE_BYTES)
    return header + nonce + ring.cipher(ring.active_id).encrypt(nonce, data, _associated(context, header))


def _associated(context: str, header: bytes) -> bytes:
    return context.encode() + b"\x00" + header


def is_sealed(blob: bytes) -> bool:
    return blob.startswith(MAGIC)


def _header(blob: bytes) -> tuple[str, int]:
    """The key id of a sealed blob (or its first bytes) and where the nonce starts."""
    start = len(MAGIC)
    if len(blob) < start + 2 or blob[start] not in (VERSION, STREAM_VERSION):
        raise SealedFileError("the file's encryption header is damaged or of an unknown version")
    length = blob[start + 1]
    end = start + 2 + length
    if length == 0 or len(blob) < end:
        raise SealedFileError("the file's encryption header is damaged")
    try:
        return blob[start + 2:end].decode("ascii"), end
    except UnicodeDecodeError:
        raise SealedFileError("the file's encryption header is damaged") from None


def _cipher(ring: Keyring, key_id: str):
    try:
        return ring.cipher(key_id)
    except UnknownKey as error:
        raise SealedFileError(str(error)) from None


def _refused() -> SealedFileError:
    return SealedFileError("the file was altered, truncated, or is not of this kind")


def open_sealed(blob: bytes, context: str, ring: Keyring | None = None) -> bytes:
    """The original bytes of a sealed blob; a blob without the marker is legacy plaintext."""
    if not is_sealed(blob):
        return blob
    ring = ring or keyring()
    key_id, end = _header(blob)
    if blob[len(MAGIC)] == STREAM_VERSION:
        return b"".join(_open_segments(blob[:end], memoryview(blob)[end:], context, ring))
    nonce, sealed = blob[end:end + NONCE_BYTES], blob[end + NONCE_BYTES:]
    cipher = _cipher(ring, key_id)
    try:
        return cipher.decrypt(nonce, sealed, _associated(context, blob[:end]))
    except (InvalidTag, ValueError):
        raise _refused() from None


@contextmanager
def _atomic_file(path: Path) -> Iterator[BinaryIO]:
    """A 0600 temporary file beside `path` to write; fsync'd and moved onto `path` on success."""
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}{TEMP_SUFFIX}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        try:
            os.fchmod(descriptor, 0o600)  # whatever the umask
            with os.fdopen(descriptor, "wb", closefd=False) as out:
                yield out
                out.flush()
                os.fsync(out.fileno())
        finally:
            os.close(descriptor)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_file(path: Path, data: bytes, context: str, ring: Keyring | None = None) -> None:
    """Seal `data` into `path` atomically: a 0600 temporary file beside it, fsync, os.replace."""
    blob = seal(data, context, ring)
    with _atomic_file(path) as out:
        out.write(blob)


@dataclass(frozen=True)
class Written:
    """What `write_stream` wrote: the plain content's SHA-256 and size."""
    sha256: str
    size: int


def _segment_data(context: str, header: bytes, final: bool) -> bytes:
    return _associated(context, header) + (b"\x01" if final else b"\x00")


def write_stream(path: Path, chunks: Iterable[bytes], context: str, ring: Keyring | None = None) -> Written:
    """Seal the bytes `chunks` yield into `path` (version 2), 64 KiB at a time, atomically;
    memory stays at a segment whatever the content's size."""
    ring = ring or keyring()
    key_id = ring.active_id.encode()
    header = MAGIC + bytes([STREAM_VERSION, len(key_id)]) + key_id
    prefix = os.urandom(STREAM_PREFIX_BYTES)
    cipher = ring.cipher(ring.active_id)
    digest, size, number = hashlib.sha256(), 0, 0
    pending = bytearray()
    with _atomic_file(path) as out:
        out.write(header + prefix)

        def seal_segment(plain: bytes, final: bool) -> None:
            nonlocal number
            out.write(cipher.encrypt(prefix + number.to_bytes(4, "big"), plain, _segment_data(context, header, final)))
            number += 1

        for chunk in chunks:
            digest.update(chunk)
            size += len(chunk)
            pending += chunk
            while len(pending) > SEGMENT_BYTES:  # keep the last segment back: it is sealed as final
                seal_segment(bytes(pending[:SEGMENT_BYTES]), False)
                del pending[:SEGMENT_BYTES]
        seal_segment(bytes(pending), True)
    return Written(digest.hexdigest(), size)


def _open_segments(header: bytes, body, context: str, ring: Keyring) -> Iterator[bytes]:
    """The plain segments of a version-2 body (bytes-like, or a file's reader of sized reads)."""
    read = body.read if hasattr(body, "read") else _reader(body)
    cipher = _cipher(ring, _header(header)[0])
    prefix = bytes(read(STREAM_PREFIX_BYTES))
    if len(prefix) != STREAM_PREFIX_BYTES:
        raise _refused()
    sealed_size = SEGMENT_BYTES + TAG_BYTES
    current, number = bytes(read(sealed_size)), 0
    while True:
        following = bytes(read(sealed_size))
        final = not following
        try:
            yield cipher.decrypt(prefix + number.to_bytes(4, "big"), current, _segment_data(context, header, final))
        except (InvalidTag, ValueError):
            raise _refused() from None
        if final:
            return
        current, number = following, number + 1


def _reader(view) -> Callable[[int], bytes]:
    position = 0

    def read(count: int):
        nonlocal position
        part = view[position:position + count]
        position += len(part)
        return part
    return read


def read_stream(path: Path, context: str, ring: Keyring | None = None) -> Iterator[bytes]:
    """The original bytes of a stored file, a segment at a time for version 2 (whole for
    version 1 and legacy plaintext). Raises FileNotFoundError at once; SealedFileError when
    the segment that was altered is reached."""
    file = open(path, "rb")  # noqa: SIM115 (closed by the generator)
    return _stream_file(file, context, ring or keyring())


def _stream_file(file: BinaryIO, context: str, ring: Keyring) -> Iterator[bytes]:
    with file:
        start = file.read(len(MAGIC) + 2 + 255)
        if not is_sealed(start) or start[len(MAGIC)] != STREAM_VERSION:
            yield open_sealed(start + file.read(), context, ring)
            return
        _, end = _header(start)
        file.seek(end)
        yield from _open_segments(start[:end], file, context, ring)


def read_file(path: Path, context: str, ring: Keyring | None = None) -> bytes:
    """The original bytes of a stored file (FileNotFoundError if gone, SealedFileError if refused)."""
    return open_sealed(Path(path).read_bytes(), context, ring)


def _version_of_file(path: Path) -> int | None:
    with open(path, "rb") as file:
        start = file.read(len(MAGIC) + 1)
    return start[len(MAGIC)] if is_sealed(start) and len(start) > len(MAGIC) else None


def key_id_of_file(path: Path) -> str | None:
    """The id of the key a file is sealed under, or None for a legacy plaintext file."""
    with open(path, "rb") as file:
        start = file.read(len(MAGIC) + 2 + 255)
    return _header(start)[0] if is_sealed(start) else None


# --- rotation -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class StoredFileKind:
    """A kind of sealed file and where its files are listed, so rotation can find every one."""

    context: str  # bound into each file's ciphertext (AUTHORITY_DOCUMENT, DISCLOSURE_PACKAGE)
    key: Any  # the listing table's primary key column
    name: Any  # the column holding the file's name
    deleted: Any  # set once the file is gone
    path_of: Callable[[str], Path]


_KINDS: dict[str, StoredFileKind] = {}


def register_kind(kind: StoredFileKind) -> StoredFileKind:
    """Called by the package that stores files of this kind (agents, dsr.decisions), when it loads."""
    _KINDS[kind.context] = kind
    return kind


def rotate_files(batch_size: int = DEFAULT_BATCH) -> int:
    """Re-encrypt every stored file of a registered kind (letters of authority, disclosure
    packages) not under the active key.

    Legacy plaintext files are encrypted too. Rows are locked batch by batch (SKIP LOCKED), so
    retention or `tick` deleting a file cannot have it brought back by a rewrite; a file that
    vanished is skipped. Returns how many files were rewritten; safe to run again.
    """
    return sum(_rotate_kind(kind.key, kind.name, kind.deleted, kind.path_of, kind.context, batch_size)
               for kind in _KINDS.values())


def _rotate_kind(key, name_column, deleted_column, path_of, context: str, batch_size: int) -> int:
    ring = keyring()
    # Only identifiers and file names are read: no encrypted column needs decrypting here.
    stmt = sa.select(key, name_column).where(deleted_column.is_(None)).with_for_update(skip_locked=True)
    done = 0
    for rows in keyset_batches(stmt, key, batch_size):
        for _, name in rows:
            done += _rotate_one(path_of(name), context, ring)
        db.session.commit()
    return done


def _rotate_one(path: Path, context: str, ring: Keyring) -> int:
    try:
        key_id = key_id_of_file(path)
        if key_id == ring.active_id:
            return 0
        if key_id is not None and key_id not in ring.data_keys:
            raise UnknownKey(key_id)  # an old key dropped too soon: stop loudly, as the columns do
        if _version_of_file(path) == STREAM_VERSION:
            for _ in read_stream(path, context, ring):  # refuse an altered file before rewriting it
                pass
            data = None
        else:
            data = read_file(path, context, ring)
    except FileNotFoundError:
        return 0
    except SealedFileError as error:
        # An altered file stays as it is (downloads refuse it); the others are still rotated.
        log.warning("stored file %s not rotated: %s", path.name, error)  # random names, no personal data
        return 0
    if not path.exists():  # deleted while we read it: do not bring it back
        return 0
    if data is None:  # a streamed file stays streamed, rewritten a segment at a time
        write_stream(path, read_stream(path, context, ring), context, ring)
    else:
        write_file(path, data, context, ring)
    return 1
