"""Errors the request services raise; each carries a message fit to show the user.

Messages are lazy strings so they are translated in the language of whoever sees them.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l


class DsrError(Exception):
    """A refused action on a request; `message` can be flashed as it is."""

    default_message = _l("This action is not possible for this request.")

    def __init__(self, message=None):
        self.message = message if message is not None else self.default_message
        super().__init__(str(self.message))


class StaleRequest(DsrError):
    """Someone else changed the request after this form was opened (optimistic locking)."""

    default_message = _l("This request changed since you opened it. Please reload it and try again.")


class ExtensionRefused(DsrError):
    """The deadline cannot be extended (already extended, beyond the maximum, too late…)."""


class IdempotencyConflict(DsrError):
    """An idempotency key was reused for a different requester; never hand their request over."""

    default_message = _l("This submission key was already used for another request.")
