"""Consent requests filed by staff (by phone, by post) are recorded when decided."""
from __future__ import annotations

import sqlalchemy as sa

from portal.dsr.decisions import Decision
from portal.extensions import db
from portal.inventory.consents import current_states
from portal.inventory.models import ConsentState, Purpose
from tests.fixtures.decisions import applied_event


def test_a_staff_filed_consent_request_records_what_was_asked(people, file_about, decide):
    hanako = people["hanako"]
    request = file_about(hanako, "consent_withdrawal", {"consents": [{"purpose": "dm-post", "state": "withdrawn"},
                                                                     {"purpose": "newsletter-email", "state": "withdrawn"}]})

    decide(request, Decision())

    dm_post = db.session.scalar(sa.select(Purpose).where(Purpose.key == "dm-post"))
    assert current_states(hanako)[dm_post.id] is ConsentState.WITHDRAWN
    # The newsletter consent was already withdrawn: only the real change is announced.
    assert applied_event(request).body == "次の利用目的への同意の撤回を記録しました: カタログを郵便でお送りするため"
    assert applied_event(request).data["consents"] == [{"purpose": "dm-post", "state": "withdrawn"}]
