"""Global Privacy Control: a browser's `Sec-GPC: 1` as a request to opt out of sale and sharing.

The CCPA Regulations (§ 7025) make the signal a valid request to opt out of the sale or sharing
of personal information. Here "sale or sharing" is provision to third parties (第三者提供: on
consent or by opt-out); contractors (業務委託, service providers in the CCPA's words) and
provision required by law are not sale or sharing and go on.

When a verified customer who lives in California (their latest request says so: residence
California, or the CCPA's rules) opens a page with the signal, and the CCPA rule for a stop of
provision says to honour it (`Policy.honour_gpc`), the opt-out is recorded once — exactly as if
they had filed it: a stop-of-provision request (`details.gpc`) carried out at once, the stop of
provision to every third party (`provision_stops.stop_provision`: the audit entry, the
`provision.stopped` webhook, the stops feed of the CLI and the API), the withdrawal of consent to
every use the company marked as a sale or sharing (`Purpose.sale_or_sharing`: consent events,
the `consent.withdrawn` webhook, the suppression list of that purpose), and the confirmation mail.
Later visits with the signal find that request by its idempotency key and record nothing more.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.customer.request_services import Requester, file_request, notify
from portal.dsr.applied import complete_at_once
from portal.dsr.models import DataRequest, Jurisdiction, RequestType, Residence
from portal.dsr.policies import choose_policy
from portal.dsr.queries import find_by_idempotency_key
from portal.extensions import db
from portal.i18n import localized
from portal.inventory.consents import current_states, record_consent
from portal.inventory.models import ConsentState, Purpose
from portal.inventory.provision_stops import stop_provision

#: The idempotency key of the one request a person's GPC signal files (scoped to the person).
GPC_KEY = "global-privacy-control"
#: How the consent events it records say they came about.
METHOD = "global-privacy-control"


def sends_gpc(headers) -> bool:
    """The header as the GPC specification defines it: exactly `1` (whitespace aside)."""
    return (headers.get("Sec-GPC") or "").strip() == "1"


def lives_in_california(person_id: int) -> bool:
    """The person's latest request says they live in California (or was handled under the CCPA)."""
    latest = db.session.execute(
        sa.select(DataRequest.residence, DataRequest.jurisdiction)
        .where(DataRequest.person_id == person_id)
        .order_by(DataRequest.received_at.desc(), DataRequest.id.desc()).limit(1)).first()
    return latest is not None and (latest.residence is Residence.US_CA or latest.jurisdiction is Jurisdiction.CCPA)


def honour_gpc(requester: Requester) -> bool:
    """Record the opt-out the signal asks for, once; True when it applies (say so on the page).

    The caller has seen the header and commits."""
    person_id = requester.person_id
    if person_id is None or not lives_in_california(person_id):
        return False
    if not choose_policy(Residence.US_CA, RequestType.STOP_PROVISION).honour_gpc:
        return False
    if find_by_idempotency_key(requester.key(GPC_KEY)) is not None:
        return True  # recorded on an earlier visit
    states = current_states(person_id)
    sharing = [purpose for purpose in db.session.scalars(
        sa.select(Purpose).where(Purpose.sale_or_sharing.is_(True)).order_by(Purpose.id))
        if states.get(purpose.id) is ConsentState.GRANTED]
    consents = [{"purpose": purpose.key, "state": ConsentState.WITHDRAWN.value} for purpose in sharing]
    change = file_request(requester, type=RequestType.STOP_PROVISION, residence=Residence.US_CA.value,
                          details={"gpc": True, "scope": "all", "recipients": [], "consents": consents},
                          idempotency_key=GPC_KEY, send_receipt=False)
    if not change.created:
        return True
    request = change.request
    stop_provision(person_id, [], actor=requester.actor, request_id=request.id)
    for purpose in sharing:
        record_consent(person_id, purpose, ConsentState.WITHDRAWN, actor=requester.actor, method=METHOD,
                       at=request.received_at, request_reference=request.reference)
    lines = [_("Your browser's Global Privacy Control signal: we no longer sell or share your personal "
               "information. Provision to third parties is stopped.")]
    lines += [_("%(purpose)s: consent withdrawn") % {"purpose": localized(purpose, "title")} for purpose in sharing]
    change = complete_at_once(change, applied={"provision_stops": [], "everything": True, "gpc": True,
                                               "consents": consents},
                              body="\n".join(lines), now=request.received_at)
    notify(change)
    return True
