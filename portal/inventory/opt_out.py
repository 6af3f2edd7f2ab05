"""Opt-out provision (オプトアウトによる第三者提供, APPI Art. 27(2)–(4)): who received a person's
data that way, and stopping it.

Art. 27(2) lets a company provide data to third parties without consent only while it stops
doing so as soon as the person asks: a stop of opt-out provision needs no ground (unlike the
Art. 35 requests) and takes effect at once. It uses the same block as any stop of provision
(`provision_stops.stop_provision`), so the provision-stop feed and the checks before a new
provision see it.
"""
from __future__ import annotations

import sqlalchemy as sa

from portal.audit.services import Actor
from portal.extensions import db
from portal.inventory.models import Provision, ProvisionBasis
from portal.inventory.provision_stops import blocked_recipients, same_recipient, stop_provision


def opt_out_recipients(person_id: int) -> list[str]:
    """Recipients of the person's data by opt-out that are not blocked yet, by name."""
    names = db.session.scalars(
        sa.select(Provision.recipient_name).where(Provision.person_id == person_id,
                                                  Provision.basis == ProvisionBasis.OPT_OUT)
        .distinct().order_by(Provision.recipient_name))
    blocked = blocked_recipients(person_id)
    if None in blocked:
        return []
    stopped = {same_recipient(name) for name in blocked}
    return [name for name in names if same_recipient(name) not in stopped]


def stop_opt_out_provision(person_id: int, *, actor: Actor, request_id: int | None = None) -> list[str]:
    """Block every opt-out recipient of the person's data, now; returns their names."""
    recipients = opt_out_recipients(person_id)
    if recipients:
        stop_provision(person_id, recipients, actor=actor, request_id=request_id)
    return recipients
