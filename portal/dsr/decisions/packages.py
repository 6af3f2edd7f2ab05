"""Disclosure packages: the customer's data, built when staff decide, offered for 7 days.

A disclosure answers with the data as it stood at the decision, so the package is written
once, at decision time, to a file under the instance folder (never under `static/`): a
random name, mode 0600, encrypted (portal/encryption/files.py), the SHA-256 of its
content kept with it. The customer downloads it from their
request's page for `VALID_FOR`; then `tick` deletes the file and the row records when.

A file written by a decision whose transaction then rolls back has no row; `tick` removes
such strays too, once they are old enough not to belong to a transaction still running.
"""
from __future__ import annotations

import enum
import hashlib
import secrets
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterator

import sqlalchemy as sa
from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, mapped_column

from portal.audit.services import Actor, record
from portal.common.db import UTCDateTime, str_enum
from portal.common.time import utcnow
from portal.inventory.downloads import jsonl_chunks, zip_chunks
from portal.encryption import files
from portal.extensions import db
from portal.inventory.models import Item

VALID_FOR = timedelta(days=7)
# A stray file older than this cannot belong to a decision still being saved.
STRAY_AFTER = timedelta(hours=1)


class PackageFormat(enum.StrEnum):
    JSON = "json"  # JSON Lines in the import vocabulary
    ZIP = "zip"  # CSV files (UTF-8 with BOM, for Excel) in one ZIP

    @property
    def extension(self) -> str:
        return "jsonl" if self is PackageFormat.JSON else "zip"

    @property
    def mimetype(self) -> str:
        return "application/x-ndjson" if self is PackageFormat.JSON else "application/zip"


class DisclosurePackage(db.Model):
    """One generated package: where its file is, until when it is offered, what became of it."""

    __tablename__ = "disclosure_package"
    __table_args__ = (sa.Index("ix_disclosure_package_expiry", "deleted_at", "expires_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("data_request.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"), index=True)
    # The file's name inside the packages folder (not an absolute path: the folder may move).
    path: Mapped[str] = mapped_column(sa.String(100), unique=True)
    format: Mapped[PackageFormat] = mapped_column(str_enum(PackageFormat, length=8))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The last download, and how many there were (each is also audited).
    downloaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    download_count: Mapped[int] = mapped_column(default=0)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The item categories the file holds (None: not recorded, so any); the register entry is in every package
    # that holds the person record, i.e. all but a provision-records-only one (`holds_register`).
    categories: Mapped[list[str] | None] = mapped_column(sa.JSON)
    holds_register: Mapped[bool] = mapped_column(default=True)
    # An erasure withdrew the package before its time, because it held what was erased.
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawal_reference: Mapped[str | None] = mapped_column(sa.String(40))

    def is_available(self, now: datetime | None = None) -> bool:
        return self.deleted_at is None and (now or utcnow()) < self.expires_at


def package_folder() -> Path:
    """`PORTAL_DISCLOSURE_DIR`, or `instance/disclosures`; created readable by the owner only."""
    folder = Path(current_app.config.get("PORTAL_DISCLOSURE_DIR") or Path(current_app.instance_path) / "disclosures")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def file_of(package: DisclosurePackage) -> Path:
    return package_folder() / package.path


def _chunks(person_id: int, format: PackageFormat, only: frozenset[str] | None):
    return jsonl_chunks(person_id, only=only) if format is PackageFormat.JSON else zip_chunks(person_id, only=only)


def create_package(*, request_id: int, person_id: int, format: PackageFormat | str,
                   only: frozenset[str] | None = None, now: datetime | None = None) -> DisclosurePackage:
    """Write the person's export (or only the record types in `only`) and add its row.

    The caller audits and commits; if it rolls back, the file becomes a stray `tick` removes.
    """
    format = PackageFormat(format)
    now = now or utcnow()
    name = f"{secrets.token_urlsafe(24)}.{format.extension}"
    path = package_folder() / name
    # Streamed from the item batches into sealed segments: memory does not grow with the person.
    written = files.write_stream(path, _chunks(person_id, format, only), files.DISCLOSURE_PACKAGE)
    holds_items = only is None or "item" in only
    categories = sorted(db.session.scalars(sa.select(Item.category).where(Item.person_id == person_id).distinct())
                        ) if holds_items else []
    package = DisclosurePackage(
        request_id=request_id, person_id=person_id, path=name, format=format, size=written.size,
        sha256=written.sha256, created_at=now, expires_at=now + VALID_FOR,
        categories=[str(category) for category in categories], holds_register=only is None or "person" in only,
    )
    db.session.add(package)
    db.session.flush()
    return package


def read_package(package: DisclosurePackage) -> bytes:
    """The package's original bytes: FileNotFoundError when deleted, SealedFileError when the
    file was altered (including a legacy plain file whose content no longer matches its hash)."""
    return b"".join(package_chunks(package))


def package_chunks(package: DisclosurePackage) -> Iterator[bytes]:
    """The package's bytes a segment at a time, for a download in bounded memory.

    The whole file is checked first (every segment and the recorded SHA-256, which also
    refuses another sealed package put in its place), so a download never starts on content
    that turns out wrong half way; errors as `read_package`'s, raised here."""
    path = file_of(package)
    digest = hashlib.sha256()
    for chunk in files.read_stream(path, files.DISCLOSURE_PACKAGE):
        digest.update(chunk)
    if digest.hexdigest() != package.sha256:
        raise files.SealedFileError("the package's content does not match its recorded SHA-256")
    return files.read_stream(path, files.DISCLOSURE_PACKAGE)


def discard_file(package: DisclosurePackage) -> None:
    """Remove a package's file (used when its decision is not saved after all)."""
    file_of(package).unlink(missing_ok=True)


def package_of_request(request_id: int) -> DisclosurePackage | None:
    """The newest package made for a request."""
    return db.session.scalar(
        sa.select(DisclosurePackage).where(DisclosurePackage.request_id == request_id)
        .order_by(DisclosurePackage.created_at.desc(), DisclosurePackage.id.desc()).limit(1)
    )


def withdraw_packages_holding(person_id: int, *, erased_since: dict, register: bool, reference: str,
                              now: datetime) -> list[DisclosurePackage]:
    """Withdraw the person's live packages that hold what an erasure just erased; `tick` deletes the files.

    `erased_since` maps each erased category to when its oldest erased item came in: a package
    written before that holds none of it. `register`: the register entry was erased too. Each
    withdrawal is said on the package's own request, in the words its page shows.
    """
    live = db.session.scalars(sa.select(DisclosurePackage).where(
        DisclosurePackage.person_id == person_id, DisclosurePackage.deleted_at.is_(None),
        DisclosurePackage.expires_at > now).order_by(DisclosurePackage.id))
    withdrawn = []
    for package in live:
        held = set(package.categories) if package.categories is not None else None
        holds_erased = (register and package.holds_register) or any(
            (held is None or str(category) in held) and package.created_at >= since
            for category, since in erased_since.items())
        if holds_erased:
            package.expires_at = package.withdrawn_at = now
            package.withdrawal_reference = reference
            withdrawn.append(package)
    db.session.flush()
    return withdrawn


def withdrawal_words(package: DisclosurePackage) -> str:
    """The one sentence both the customer's page and the timelines say about a withdrawn package."""
    return _("We withdrew this download on %(date)s, because the data in it was erased at your request "
             "%(reference)s.", date=format_date(package.withdrawn_at, "long"), reference=package.withdrawal_reference)


def record_package_download(package: DisclosurePackage, *, actor: Actor, now: datetime | None = None) -> None:
    """Note a download on the package and in the audit log (identifiers only); the caller commits."""
    package.downloaded_at = now or utcnow()
    package.download_count = (package.download_count or 0) + 1
    record("customer.package_downloaded", actor=actor, target_type="disclosure_package", target_id=package.id,
           person_id=package.person_id,
           details={"request_id": package.request_id, "format": package.format.value, "count": package.download_count})


files.register_kind(files.StoredFileKind(files.DISCLOSURE_PACKAGE, key=DisclosurePackage.id, name=DisclosurePackage.path,
                                         deleted=DisclosurePackage.deleted_at,
                                         path_of=lambda name: package_folder() / name))
