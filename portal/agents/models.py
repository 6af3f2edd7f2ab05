"""Letters of authority: the uploaded file lives under instance/uploads/, its facts here."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.common.db import UTCDateTime
from portal.common.time import utcnow
from portal.encryption.types import EncryptedText
from portal.extensions import db


class AuthorityDocument(db.Model):
    """A letter of authority (委任状) or proof of legal representation, uploaded with a request.

    The file is stored outside `static/` under a random name and only ever leaves through the
    audited staff route. `deleted_at` marks a file removed at the end of its retention period
    while the row stays as a record that it existed (and of its checksum).
    """

    __tablename__ = "authority_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The request it was uploaded with; requests filed together share the one document
    # (each names it in `data_request.authority_document_id`).
    request_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("data_request.id", ondelete="SET NULL"), index=True
    )
    # As the uploader named it; shown to staff and offered as the download's name, never a path.
    original_name: Mapped[str] = mapped_column(EncryptedText("authority_document.original_name"))
    # Decided from the content's first bytes, not from the browser's claim.
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    # The random file name inside the upload folder (never an absolute path).
    storage_path: Mapped[str] = mapped_column(sa.String(255), unique=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
