"""Filing a request taken by staff: the shared intake of `portal.dsr.intake`, plus the record of
how the requester's identity was checked (an internal note and an audit entry)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.audit.services import Actor, record
from portal.common.time import JST, utcnow
from portal.dsr import services as dsr
from portal.dsr.calendar import japan_date
from portal.dsr.errors import DsrError
from portal.dsr.intake import file_received_request
from portal.dsr.workflow import Change
from portal.extensions import db
from portal.inventory.models import Person

#: An earlier day's request is filed at noon Japan time that day: the day is what counts.
EARLIER_DAY_TIME = time(12, 0)


class IntakeRefused(DsrError):
    """The form cannot be filed as it stands; `field` names the input to fix."""

    def __init__(self, message, field: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class IdentityCheck:
    method: str  # documents | not_needed | not_yet
    documents: tuple[str, ...] = ()
    note: str | None = None

    @property
    def verified(self) -> bool:
        return self.method != "not_yet"


def received_moment(received_on: date, now: datetime) -> datetime:
    """When the request counts as received: now for today, noon (Japan) for an earlier day."""
    today = japan_date(now)
    if received_on > today:
        raise IntakeRefused(_l("The date received cannot be in the future."), "received_on")
    if received_on == today:
        return now
    return datetime.combine(received_on, EARLIER_DAY_TIME, JST)


def file_staff_request(*, type: str, policy: str, channel: str, received_on: date, person_id: int | None,
                       requester_email: str | None, requester_name: str | None, language: str,
                       description: str | None, identity: IdentityCheck, document_words: dict[str, str],
                       token: str, actor: Actor, now: datetime | None = None) -> Change:
    """File it with the same rules and audit as the API; the identity check goes on the timeline."""
    now = now or utcnow()
    received_at = received_moment(received_on, now)
    person = db.session.get(Person, person_id) if person_id else None
    if person_id and person is None:
        raise IntakeRefused(_l("Choose a person from the register, or leave the request unmatched."), "person_q")
    email = requester_email or (person.email if person else None)
    if not email:
        raise IntakeRefused(_l("Enter the requester's e-mail address: the person found has none."), "requester_email")
    if identity.method == "documents" and not identity.documents:
        raise IntakeRefused(_l("Tick the documents you saw."), "documents")
    if identity.method == "not_needed" and not identity.note:
        raise IntakeRefused(_l("Say why no identity documents were needed."), "identity_note")
    change = file_received_request(
        type=type, policy=policy, channel=channel, person_id=person.id if person else None,
        requester_email=email, requester_name=requester_name or (person.name if person else None),
        language=language, details={"description": description} if description else {},
        received_at=received_at, verified=identity.verified, idempotency_key=f"staff:{actor.id}:{token}", actor=actor,
    )
    if not change.created:
        return change  # the same form sent twice: already filed, with its note
    with force_locale("ja"):  # the timeline's notes are the company's record, written in Japanese
        note = _identity_note(identity, document_words)
    change = Change(change.request, change.events + dsr.add_internal_note(change.request, body=note, actor=actor,
                                                                          now=now).events, created=True)
    record("staff.filed_request", actor=actor, target_type="data_request", target_id=change.request.reference,
           person_id=change.request.person_id,
           details={"reference": change.request.reference, "channel": channel, "identity": identity.method,
                    "documents": list(identity.documents), "received_earlier": received_at != now})
    return change


def _identity_note(identity: IdentityCheck, document_words: dict[str, str]) -> str:
    if identity.method == "documents":
        seen = "、".join(str(document_words.get(d, d)) for d in identity.documents)
        text = _("Identity checked at intake with: %(documents)s.", documents=seen)
    elif identity.method == "not_needed":
        text = _("No identity documents were needed at intake.")
    else:
        text = _("Identity not checked at intake: the request waits for verification.")
    return f"{text} {identity.note}" if identity.note else text
