"""The customer stops opt-out provision of their data: no reason asked, effective at once.

Filed as a stop-of-provision request (`details.opt_out`) carried out by the portal at once —
received → verified → in progress → applied → completed — with a confirmation mail, like a
consent withdrawal.
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.customer.request_services import Requester, file_request, notify
from portal.dsr.applied import complete_at_once
from portal.dsr.errors import DsrError
from portal.dsr.models import RequestType
from portal.dsr.queries import find_by_idempotency_key
from portal.dsr.workflow import Change
from portal.inventory.opt_out import opt_out_recipients, stop_opt_out_provision


class NothingToStop(DsrError):
    """No opt-out recipient is left to stop (a second tab, an old page)."""


def stop_opt_out(requester: Requester, *, residence: str, idempotency_key: str) -> Change:
    """File and carry out the stop of every opt-out provision of the person's data."""
    replay = find_by_idempotency_key(requester.key(idempotency_key))
    recipients = opt_out_recipients(requester.person_id)
    if replay is None and not recipients:
        raise NothingToStop(_l("Your data is not provided to anyone by opt-out any more. Nothing was changed."))
    change = file_request(requester, type=RequestType.STOP_PROVISION, residence=residence,
                          details={"opt_out": True, "scope": "chosen", "recipients": recipients},
                          idempotency_key=idempotency_key, send_receipt=False)
    if not change.created:
        return change
    stopped = stop_opt_out_provision(requester.person_id, actor=requester.actor, request_id=change.request.id)
    lines = [_("%(recipient)s: provision stopped") % {"recipient": name} for name in stopped]
    change = complete_at_once(change, applied={"provision_stops": stopped, "opt_out": True},
                              body="\n".join(lines), now=change.request.received_at)
    notify(change)
    return change
