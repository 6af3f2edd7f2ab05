"""The one way a letter of authority leaves the portal: an audited download for staff.

GET /staff/requests/<reference>/authority-document — agents, managers and admins. Always an
attachment, with `nosniff` and a sandboxing CSP, so a crafted file cannot run in the portal's
origin even if a browser is tempted to display it.
"""
from __future__ import annotations

import hashlib
import io
import logging

from flask import Blueprint, abort, render_template, send_file

from portal.agents import uploads
from portal.agents.models import AuthorityDocument
from portal.audit.services import record
from portal.casework.request_views import open_case
from portal.dsr.models import DataRequest
from portal.encryption.files import SealedFileError
from portal.extensions import db
from portal.staff.auth import current_staff, role_required
from portal.staff.login import staff_actor

bp = Blueprint("authority_documents", __name__, url_prefix="/staff/requests")
log = logging.getLogger(__name__)


def document_of(reference: str) -> tuple[DataRequest, AuthorityDocument]:
    """The request and its letter of authority, or 404 (no such request, none uploaded, deleted).

    The letter is as personal as the request itself, so the request page's rule decides who
    may have it: with PORTAL_AGENTS_SEE_OTHERS_ASSIGNED off, a colleague's case is refused.
    """
    request = open_case(reference)
    if request.authority_document_id is None:
        abort(404)
    document = db.session.get(AuthorityDocument, request.authority_document_id)
    if document is None or document.deleted_at is not None:
        abort(404)
    return request, document


@bp.get("/<reference>/authority-document")
@role_required("agent")
def authority_document(reference: str):
    request, document = document_of(reference)
    try:
        data = uploads.read_stored(document.storage_path)
    except FileNotFoundError:
        abort(404)
    except SealedFileError as error:
        return _unreadable(request, document, error)
    if hashlib.sha256(data).hexdigest() != document.sha256:  # also catches a swapped legacy file
        return _unreadable(request, document, SealedFileError("content does not match the recorded SHA-256"))
    record("staff.viewed_authority_document", actor=staff_actor(current_staff()),
           target_type="authority_document", target_id=document.id, person_id=request.person_id,
           details={"reference": request.reference, "sha256": document.sha256})
    db.session.commit()
    response = send_file(io.BytesIO(data), mimetype=document.content_type, as_attachment=True,
                         download_name=document.original_name, max_age=0, conditional=False, etag=False,
                         last_modified=document.uploaded_at)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "no-store"
    return response


def _unreadable(request: DataRequest, document: AuthorityDocument, error: SealedFileError):
    """Say plainly that the stored letter cannot be trusted, instead of sending it or failing."""
    log.error("authority document %s refused: %s", document.id, error)  # identifiers only
    return render_template("agents/authority_document_unreadable.html", req=request), 410
