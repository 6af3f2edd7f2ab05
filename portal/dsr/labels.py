"""Words a customer understands for requests: residences, grounds, formats, the timeline."""
from __future__ import annotations

from datetime import datetime

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.dsr.models import EventKind, RequestEvent, RequestType, Residence
from portal.dsr.status import RequestStatus

RESIDENCE_CHOICES = [
    (Residence.JP.value, _l("Japan")),
    (Residence.EU.value, _l("EU / EEA")),
    (Residence.US_CA.value, _l("California (USA)")),
    (Residence.OTHER.value, _l("Another country or region")),
]
RESIDENCE_WORDS = dict(RESIDENCE_CHOICES)

# How an agent is authorised to act for the person (the agent's form asks; staff pages show it).
RELATIONSHIP_CHOICES = [
    ("minor_guardian", _l("Legal representative of a minor (parent or guardian)")),
    ("adult_guardian", _l("Adult guardian (成年後見人) of the person")),
    ("appointed", _l("Appointed by the person (任意代理人) with a letter of authority")),
]

# The grounds of APPI Art. 35, as a customer would say them. Suspension and erasure may
# rest on Art. 35(1) (use beyond the purpose (Art. 18), improper use (Art. 19), improper
# acquisition (Art. 20)) and 35(5); a stop of provision on Art. 35(3) (provided without consent
# (Art. 27(1)), or abroad without consent (Art. 28)) and 35(5).
GROUND_WORDS = {
    "beyond_purpose": _l("You use my data for purposes other than those you told me"),
    "improper_use": _l("You use my data in a way that may encourage or induce illegal or unjust acts"),
    "improperly_obtained": _l("You obtained my data by deception or other improper means"),
    "provided_abroad_without_consent": _l("You gave my data to a company abroad without my consent"),
    "provided_without_consent": _l("You gave my data to another company without my consent"),
    "no_longer_needed": _l("You no longer need my data for the purposes you told me"),
    "leak": _l("My data was leaked, lost or damaged"),
    "harm": _l("Your handling of my data may harm my rights or legitimate interests"),
}
GROUNDS_BY_TYPE = {
    RequestType.SUSPENSION: ("beyond_purpose", "improper_use", "improperly_obtained", "no_longer_needed", "leak", "harm"),
    RequestType.ERASURE: ("beyond_purpose", "improper_use", "improperly_obtained", "no_longer_needed", "leak", "harm"),
    RequestType.STOP_PROVISION: ("provided_without_consent", "provided_abroad_without_consent", "no_longer_needed",
                                 "leak", "harm"),
}

FORMAT_WORDS = {
    "electronic": _l("Electronically (a file you download from this portal)"),
    "post": _l("In writing, by post to the address we hold for you"),
}

ACTION_WORDS = {
    "change": _l("Change"),
    "add": _l("Add"),
    "delete": _l("Delete"),
}

#: What each kind of request is for, on the menu of new requests.
TYPE_INTROS = {
    RequestType.CORRECTION: _l("A value is wrong, missing or should not be there."),
    RequestType.CONSENT_WITHDRAWAL: _l("Stop (or restart) news and offers you agreed to, at once."),
    RequestType.SUSPENSION: _l("Stop using some or all of your data."),
    RequestType.ERASURE: _l("Delete some or all of your data."),
    RequestType.STOP_PROVISION: _l("Stop giving your data to another company."),
    RequestType.DISCLOSURE: _l("A formal answer listing the data we hold, electronically or in writing."),
    RequestType.PROVISION_RECORDS: _l("A formal copy of our records of giving your data to other companies."),
}

STATUS_BADGES = {
    RequestStatus.RECEIVED: "badge",
    RequestStatus.VERIFIED: "badge",
    RequestStatus.IN_PROGRESS: "badge",
    RequestStatus.AWAITING_REQUESTER: "badge badge-warn",
    RequestStatus.COMPLETED: "badge badge-ok",
    RequestStatus.REJECTED: "badge badge-danger",
    RequestStatus.WITHDRAWN: "badge badge-muted",
}


def request_title(request) -> str:
    """The request's name as the person would call it: a request that only objects to a use
    is an objection (APPI Art. 35 / GDPR Art. 21), not a change of consent."""
    details = request.details or {}
    if request.type is RequestType.CONSENT_WITHDRAWAL and details.get("objections") and not details.get("consents"):
        return _("Objection to a use of your data")
    return str(request.type.label)


def status_words(request) -> str:
    """The status in words that are true for this request: an address confirmed by mail that
    matched nobody is not "identity confirmed"."""
    if request.person_id is None and request.status in (RequestStatus.RECEIVED, RequestStatus.VERIFIED):
        return _("Received: we are looking for your records")
    return str(request.status.label)


def _day(iso_text: str | None) -> str | None:
    return format_date(datetime.fromisoformat(iso_text), "long") if iso_text else None


def event_words(event: RequestEvent) -> str:
    """One line of the timeline, in words for the person who asked."""
    kind, data = event.kind, event.data or {}
    if kind is EventKind.RECEIVED:
        return _("We received your request.")
    if kind is EventKind.VERIFIED:
        due = _day(data.get("due_at"))
        return _("Your request was confirmed. Answer due by %(date)s.", date=due) if due else _("Your request was confirmed.")
    if kind is EventKind.ACKNOWLEDGED:
        return _("We confirmed receipt to you by mail.")
    if kind is EventKind.MESSAGE_TO_REQUESTER:
        return _("Message from us")
    if kind is EventKind.MESSAGE_FROM_REQUESTER:
        return _("Your message")
    if kind is EventKind.EXTENDED:
        return _("We extended the deadline to %(date)s.", date=_day(data.get("due_at")))
    if kind is EventKind.PAUSED:
        return _("The deadline is paused while we wait for your answer.")
    if kind is EventKind.RESUMED:
        return _("The deadline runs again; answer due by %(date)s.", date=_day(data.get("due_at")))
    if kind is EventKind.APPLIED:
        return _("Your request took effect.")
    if kind is EventKind.PACKAGE_WITHDRAWN:
        return _("The download was withdrawn.")
    if kind is EventKind.WITHDRAWN:
        return _("The request was withdrawn.")
    if kind is EventKind.FEE_RECORDED:
        return _("We received the fee.") if data.get("status") == "paid" else _("The fee was waived.")
    if kind is EventKind.DECISION and event.to_status is RequestStatus.REJECTED:
        return _("We could not carry out your request.")
    if kind is EventKind.DECISION:
        return _("Your request is complete.")
    if event.to_status is RequestStatus.IN_PROGRESS:
        return _("We are working on your request.")
    if event.to_status is RequestStatus.AWAITING_REQUESTER:
        return _("We are waiting for information from you.")
    return _("Status: %(status)s", status=event.to_status.label if event.to_status else "")
