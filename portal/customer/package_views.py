"""The customer's disclosure package: /my/requests/<reference>/package. Routes on `customer`.

The package holds every value we hold about the person, so it needs the extra check, and
only the person the request is about gets it: anyone else's reference answers 404, exactly
like one that does not exist. After its 7 days the page says so plainly.
"""
from __future__ import annotations

import logging

from flask import Response, abort, render_template, request

from portal.audit.services import Actor
from portal.customer.request_services import Requester, own_request
from portal.customer.views import bp
from portal.dsr.decisions.packages import (DisclosurePackage, file_of, package_of_request, package_chunks,
                                           record_package_download, withdrawal_words)
from portal.dsr.models import DataRequest
from portal.encryption.files import SealedFileError
from portal.extensions import db
from portal.verification.session import stepped_up_required

log = logging.getLogger(__name__)


@bp.app_template_global()
def disclosure_package(req: DataRequest) -> DisclosurePackage | None:
    """The package made for a request, for its page to link to (None when there is none)."""
    return package_of_request(req.id) if req.person_id is not None else None


@bp.app_template_global()
def package_withdrawal(package: DisclosurePackage) -> str:
    """What the page says of a package an erasure withdrew (the timeline says the same)."""
    return withdrawal_words(package)


@bp.get("/requests/<reference>/package")
@stepped_up_required
def request_package(reference: str):
    """Download the package while it is offered; afterwards, a page saying it has expired."""
    requester = Requester.current()
    req = own_request(requester, reference)
    package = package_of_request(req.id) if req is not None else None
    if package is None or package.person_id != requester.person_id:
        abort(404)
    path = file_of(package)
    if not package.is_available() or not path.is_file():
        return render_template("customer/requests/package_expired.html", req=req, package=package), 410
    try:
        chunks = package_chunks(package)
    except FileNotFoundError:
        return render_template("customer/requests/package_expired.html", req=req, package=package), 410
    except SealedFileError as error:
        log.error("disclosure package %s refused: %s", package.id, error)  # identifiers only
        return render_template("customer/requests/package_unavailable.html", req=req), 410
    record_package_download(package, actor=Actor("customer", requester.person_id))
    db.session.commit()
    # Streamed a segment at a time. ETag and date describe the content, not the ciphertext file
    # (rewritten by each key rotation).
    response = Response(chunks, mimetype=package.format.mimetype, direct_passthrough=True)
    response.content_length = package.size
    response.headers.set("Content-Disposition", "attachment", filename=f"{req.reference}.{package.format.extension}")
    response.set_etag(package.sha256)
    response.last_modified = package.created_at
    response.cache_control.no_cache = True
    return response.make_conditional(request)
