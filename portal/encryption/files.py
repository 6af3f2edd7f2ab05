"""AES-256-GCM for whole files: letters of authority and disclosure packages on disk.

A sealed file is `MAGIC ‖ version ‖ len(key id) ‖ key id ‖ nonce ‖ ciphertext ‖ tag`. The
key id travels in the header so rotation can tell which key a file uses without reading
the rest. The associated data is the file's kind (a context label) and the header, so a
package cannot be passed off as a letter of authority and the key id cannot be edited.

Files are small (uploads are capped by PORTAL_UPLOAD_MAX_BYTES, packages are a few MB), so
they are sealed and opened whole, in memory. A file without the marker was written before
files were encrypted: it is read as it is (no stored upload or package begins with the
marker's first byte) and `rotate_files` encrypts it.
"""
from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag

from portal.common.db import keyset_batches
from portal.encryption.cipher import NONCE_BYTES, keyring
from portal.encryption.keys import Keyring, UnknownKey
from portal.extensions import db

#: Not a byte any PDF, JPEG, PNG, ZIP or JSON Lines file starts with.
MAGIC = b"\x93MDGF"
VERSION = 1
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
    if len(blob) < start + 2 or blob[start] != VERSION:
        raise SealedFileError("the file's encryption header is damaged or of an unknown version")
    length = blob[start + 1]
    end = start + 2 + length
    if length == 0 or len(blob) < end:
        raise SealedFileError("the file's encryption header is damaged")
    try:
        return blob[start + 2:end].decode("ascii"), end
    except UnicodeDecodeError:
        raise SealedFileError("the file's encryption header is damaged") from None


def open_sealed(blob: bytes, context: str, ring: Keyring | None = None) -> bytes:
    """The original bytes of a sealed blob; a blob without the marker is legacy plaintext."""
    if not is_sealed(blob):
        return blob
    ring = ring or keyring()
    key_id, end = _header(blob)
    nonce, sealed = blob[end:end + NONCE_BYTES], blob[end + NONCE_BYTES:]
    try:
        cipher = ring.cipher(key_id)
    except UnknownKey as error:
        raise SealedFileError(str(error)) from None
    try:
        return cipher.decrypt(nonce, sealed, _associated(context, blob[:end]))
    except (InvalidTag, ValueError):
        raise SealedFileError("the file was altered, truncated, or is not of this kind") from None


def write_file(path: Path, data: bytes, context: str, ring: Keyring | None = None) -> None:
    """Seal `data` into `path` atomically: a 0600 temporary file beside it, fsync, os.replace."""
    blob = seal(data, context, ring)
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}{TEMP_SUFFIX}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        try:
            os.fchmod(descriptor, 0o600)  # whatever the umask
            with os.fdopen(descriptor, "wb", closefd=False) as out:
                out.write(blob)
                out.flush()
                os.fsync(out.fileno())
        finally:
            os.close(descriptor)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def read_file(path: Path, context: str, ring: Keyring | None = None) -> bytes:
    """The original bytes of a stored file (FileNotFoundError if gone, SealedFileError if refused)."""
    return open_sealed(Path(path).read_bytes(), context, ring)


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
        data = read_file(path, context, ring)
    except FileNotFoundError:
        return 0
    except SealedFileError as error:
        # An altered file stays as it is (downloads refuse it); the others are still rotated.
        log.warning("stored file %s not rotated: %s", path.name, error)  # random names, no personal data
        return 0
    if not path.exists():  # deleted while we read it: do not bring it back
        return 0
    write_file(path, data, context, ring)
    return 1
