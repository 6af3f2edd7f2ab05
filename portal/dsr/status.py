"""The status machine of a request, as data.

`received → verified → in_progress ⇄ awaiting_requester → completed | rejected`, and
`withdrawn` by the person at any open step. A request that cannot be verified (an agent
without authority, an identity that does not check out) may be rejected before work starts,
and one whose requester never answers may be rejected while waiting.
"""
from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l

from portal.dsr.errors import DsrError


class RequestStatus(enum.StrEnum):
    RECEIVED = "received"
    VERIFIED = "verified"
    IN_PROGRESS = "in_progress"
    AWAITING_REQUESTER = "awaiting_requester"
    COMPLETED = "completed"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"

    @property
    def is_open(self) -> bool:
        return self in OPEN_STATUSES

    @property
    def label(self):
        return STATUS_LABELS[self]


S = RequestStatus
OPEN_STATUSES = frozenset({S.RECEIVED, S.VERIFIED, S.IN_PROGRESS, S.AWAITING_REQUESTER})
CLOSED_STATUSES = frozenset({S.COMPLETED, S.REJECTED, S.WITHDRAWN})

#: Every allowed move; anything not listed is refused.
TRANSITIONS: dict[RequestStatus, frozenset[RequestStatus]] = {
    S.RECEIVED: frozenset({S.VERIFIED, S.REJECTED, S.WITHDRAWN}),
    S.VERIFIED: frozenset({S.IN_PROGRESS, S.REJECTED, S.WITHDRAWN}),
    S.IN_PROGRESS: frozenset({S.AWAITING_REQUESTER, S.COMPLETED, S.REJECTED, S.WITHDRAWN}),
    S.AWAITING_REQUESTER: frozenset({S.IN_PROGRESS, S.REJECTED, S.WITHDRAWN}),
    S.COMPLETED: frozenset(),
    S.REJECTED: frozenset(),
    S.WITHDRAWN: frozenset(),
}

STATUS_LABELS = {
    S.RECEIVED: _l("Received"),
    S.VERIFIED: _l("Verified"),
    S.IN_PROGRESS: _l("In progress"),
    S.AWAITING_REQUESTER: _l("Waiting for information"),
    S.COMPLETED: _l("Completed"),
    S.REJECTED: _l("Rejected"),
    S.WITHDRAWN: _l("Withdrawn"),
}


def can_transition(from_status: RequestStatus | str, to_status: RequestStatus | str) -> bool:
    return RequestStatus(to_status) in TRANSITIONS[RequestStatus(from_status)]


class InvalidTransition(DsrError):
    """A move the status machine (or its rules: reasons, who may withdraw) does not allow."""

    @classmethod
    def between(cls, from_status: RequestStatus, to_status: RequestStatus) -> "InvalidTransition":
        return cls(
            _l(
                "A request that is “%(current)s” cannot become “%(target)s”.",
                current=RequestStatus(from_status).label,
                target=RequestStatus(to_status).label,
            )
        )
