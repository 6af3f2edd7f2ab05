"""Errors the request services raise; each carries a message fit to show the user.

Messages are lazy strings so they are translated in the language of whoever sees them.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString


def english(text) -> str:
    """The English msgid of a lazy string, filled in; works without a request (logs, CLI)."""
    if not isinstance(text, LazyString):
        return str(text)
    variables = {key: english(value) for key, value in text._kwargs.items()}
    if len(text._args) == 3 and isinstance(text._args[2], int):  # lazy_ngettext(singular, plural, num)
        singular, plural, num = text._args
        msgid = singular if num == 1 else plural
        variables.setdefault("num", num)
    else:
        msgid = text._args[0]
    return msgid % variables if variables else msgid


class DsrError(Exception):
    """A refused action on a request; `message` can be flashed as it is."""

    default_message = _l("This action is not possible for this request.")

    def __init__(self, message=None):
        self.message = message if message is not None else self.default_message
        # `message` is translated when shown; the exception's own text stays English for logs.
        super().__init__(english(self.message))


class StaleRequest(DsrError):
    """Someone else changed the request after this form was opened (optimistic locking)."""

    default_message = _l("This request changed since you opened it. Please reload it and try again.")


class ExtensionRefused(DsrError):
    """The deadline cannot be extended (already extended, beyond the maximum, too late…)."""


class IdempotencyConflict(DsrError):
    """An idempotency key was reused for a different requester; never hand their request over."""

    default_message = _l("This submission key was already used for another request.")
