"""Checking and storing an uploaded letter of authority.

What a file is comes from its first bytes, never from its name or the browser's content
type; the name's extension must agree with the content (a JPEG named .png is refused, so
what staff download opens as what it says it is). PDFs that carry JavaScript are refused,
also when the /JS key hides behind #-escapes or inside a compressed object stream.
Files go to the upload folder (instance/uploads/ unless PORTAL_UPLOAD_DIR says otherwise),
outside `static/`, under a random name, readable by the portal's user only, encrypted
(portal/encryption/files.py) so a copied disk or backup does not show them.
"""
from __future__ import annotations

import hashlib
import os
import re
import secrets
import unicodedata
import zlib
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.agents.models import AuthorityDocument
from portal.common.uploads import upload_dir  # noqa: F401  (where the letters are kept)
from portal.dsr.errors import english
from portal.encryption import files

DEFAULT_MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Kind:
    label: str
    content_type: str
    extensions: tuple[str, ...]
    magic: bytes


PDF = Kind("PDF", "application/pdf", (".pdf",), b"%PDF-")
JPEG = Kind("JPEG", "image/jpeg", (".jpg", ".jpeg"), b"\xff\xd8\xff")
PNG = Kind("PNG", "image/png", (".png",), b"\x89PNG\r\n\x1a\n")
KINDS = (PDF, JPEG, PNG)
_BY_EXTENSION = {extension: kind for kind in KINDS for extension in kind.extensions}

# PDF names (/Name) and their #xx escapes; /J#53 is /JS to a PDF reader.
_PDF_NAME = re.compile(rb"/([^\x00\t\n\x0c\r ()<>\[\]{}/%]+)")
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_SCRIPT_NAMES = frozenset({b"JS", b"JavaScript"})
_STREAM_START = re.compile(rb"(?<!end)stream(?:\r\n|\n|\r)")
#: An object stream larger than this once inflated cannot be checked, so it is refused.
_MAX_INFLATED = 32 * 1024 * 1024


class UploadRefused(ValueError):
    """The file cannot be accepted; `message` says why, in the visitor's language."""

    def __init__(self, message) -> None:
        # `message` is translated when shown; the exception's own text stays English for logs.
        super().__init__(english(message))
        self.message = message


@dataclass(frozen=True)
class CheckedUpload:
    data: bytes
    kind: Kind
    original_name: str
    size: int
    sha256: str


def max_bytes() -> int:
    return int(current_app.config.get("PORTAL_UPLOAD_MAX_BYTES") or DEFAULT_MAX_BYTES)


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0") + " MB"


def clean_name(filename: str | None) -> str:
    """The uploader's file name without any path, control characters or excess length."""
    name = unicodedata.normalize("NFC", filename or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    if len(name) > 200:
        stem, extension = os.path.splitext(name)
        name = stem[: 200 - len(extension)] + extension
    return name or "document"


def sniff(data: bytes) -> Kind | None:
    return next((kind for kind in KINDS if data.startswith(kind.magic)), None)


def _names(data: bytes) -> set[bytes]:
    return {_NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), raw) for raw in _PDF_NAME.findall(data)}


def _object_streams(data: bytes):
    """The inflated contents of every object stream (where dictionaries can hide compressed)."""
    for match in _STREAM_START.finditer(data):
        header = data[max(0, data.rfind(b"obj", 0, match.start())): match.start()]
        if b"ObjStm" not in _names(header):
            continue
        inflater = zlib.decompressobj()
        try:
            inflated = inflater.decompress(data[match.end():], _MAX_INFLATED + 1)
        except zlib.error:
            raise UploadRefused(_l("This PDF could not be checked for safety. Please save it again as a plain PDF, or send a scan (JPEG or PNG)."))
        if len(inflated) > _MAX_INFLATED:
            raise UploadRefused(_l("This PDF could not be checked for safety. Please save it again as a plain PDF, or send a scan (JPEG or PNG)."))
        yield inflated


def pdf_has_javascript(data: bytes) -> bool:
    if _names(data) & _SCRIPT_NAMES:
        return True
    return any(_names(inflated) & _SCRIPT_NAMES for inflated in _object_streams(data))


def inspect_upload(file) -> CheckedUpload:
    """Read an uploaded file (werkzeug FileStorage) and accept it, or raise UploadRefused."""
    if file is None or not getattr(file, "filename", ""):
        raise UploadRefused(_l("Please attach the letter of authority (PDF, JPEG or PNG)."))
    limit = max_bytes()
    data = file.stream.read(limit + 1)
    if len(data) > limit:
        raise UploadRefused(_l("The file is too large. Files up to %(limit)s are accepted; please send a smaller scan or photo.",
                               limit=megabytes(limit)))
    if not data:
        raise UploadRefused(_l("The file is empty. Please choose the file again."))
    name = clean_name(file.filename)
    kind = sniff(data)
    if kind is None:
        raise UploadRefused(_l("Only PDF, JPEG or PNG files are accepted, and this file is none of them."))
    extension = os.path.splitext(name)[1].lower()
    named_as = _BY_EXTENSION.get(extension)
    if named_as is None:
        raise UploadRefused(_l("The file name must end in .pdf, .jpg, .jpeg or .png (this one is a %(kind)s file).",
                               kind=kind.label))
    if named_as is not kind:
        raise UploadRefused(_l("The file is named as a %(named)s file but its content is %(kind)s. Please send the original file, or rename it to end in %(extension)s.",
                               named=named_as.label, kind=kind.label, extension=kind.extensions[0]))
    if kind is PDF and pdf_has_javascript(data):
        raise UploadRefused(_l("This PDF contains JavaScript, which we do not accept for security reasons. Please print it to a new PDF, or send a scan (JPEG or PNG)."))
    return CheckedUpload(data, kind, name, len(data), hashlib.sha256(data).hexdigest())


# --- storage -----------------------------------------------------------------------------------

_STORED_NAME = re.compile(r"[0-9a-f]{32}")


def store(upload: CheckedUpload) -> str:
    """Encrypt the file under a new random name (0600) and return that name."""
    folder = upload_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = secrets.token_hex(16)
    files.write_file(folder / name, upload.data, files.AUTHORITY_DOCUMENT)
    return name


def read_stored(name: str) -> bytes:
    """The original content of a stored file (FileNotFoundError, or SealedFileError if altered)."""
    return files.read_file(stored_path(name), files.AUTHORITY_DOCUMENT)


def stored_path(name: str) -> Path:
    """The path of a stored file; only names this module made are accepted (no traversal)."""
    if not _STORED_NAME.fullmatch(name or ""):
        raise ValueError("not a stored upload name")
    return upload_dir() / name


def discard(name: str | None) -> None:
    """Remove a stored file (its transaction failed, or its retention ended)."""
    if name:
        stored_path(name).unlink(missing_ok=True)


files.register_kind(files.StoredFileKind(files.AUTHORITY_DOCUMENT, key=AuthorityDocument.id,
                                         name=AuthorityDocument.storage_path, deleted=AuthorityDocument.deleted_at,
                                         path_of=stored_path))
