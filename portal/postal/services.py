"""Filing a request from the form for people without email (no verification: staff check by post)."""
from __future__ import annotations

from portal.audit.services import Actor
from portal.dsr import services as dsr
from portal.dsr.models import DataRequest, RequestChannel
from portal.dsr.notifications import notify_requester
from portal.postal.forms import PostalRequestForm


def file_postal_request(form: PostalRequestForm, *, language: str) -> DataRequest:
    """An unverified, unmatched request answered by post; its receipt becomes the first letter.

    The person's details go in `subject` for staff to find them and check their identity; the
    clock runs from receipt as the policy says."""
    subject = {"name": form.name.data, "name_kana": form.name_kana.data or None,
               "postal_code": form.postal_code.data, "address": form.address.data,
               "phone": form.phone.data or None, "birthdate": form.birthdate.data or None}
    change = dsr.create_request(
        type=form.type.data, person_id=None, requester_email=None, requester_name=form.name.data,
        channel=RequestChannel.WEB, language=language, residence="jp",
        details={"message": form.message.data, "answer_by": "post"},
        subject={key: value for key, value in subject.items() if value},
        idempotency_key=f"post:{form.idempotency_key.data}", actor=Actor("customer", None),
    )
    if change.created:
        notify_requester(change)
    return change.request
