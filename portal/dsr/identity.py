"""The identity documents staff may see to verify a requester who is not verified by mail.

APPI lets the company ask for proof of identity suited to how the request arrived; the
documents seen are recorded with the verification (which, and by whom: the event's actor),
never a copy or a number from them.
"""
from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l


class IdentityDocument(enum.StrEnum):
    DRIVING_LICENCE = "driving_licence"
    MY_NUMBER_CARD = "my_number_card"  # the front only: the individual number must not be taken
    PASSPORT = "passport"
    RESIDENCE_CARD = "residence_card"
    HEALTH_INSURANCE_CARD = "health_insurance_card"
    PENSION_BOOK = "pension_book"
    OTHER = "other"

    @property
    def label(self):
        return IDENTITY_DOCUMENT_LABELS[self]


IDENTITY_DOCUMENT_LABELS = {
    IdentityDocument.DRIVING_LICENCE: _l("Driving licence"),
    IdentityDocument.MY_NUMBER_CARD: _l("My Number card (front side only)"),
    IdentityDocument.PASSPORT: _l("Passport"),
    IdentityDocument.RESIDENCE_CARD: _l("Residence card"),
    IdentityDocument.HEALTH_INSURANCE_CARD: _l("Health insurance card"),
    IdentityDocument.PENSION_BOOK: _l("Pension book"),
    IdentityDocument.OTHER: _l("Another official document (see the note)"),
}
