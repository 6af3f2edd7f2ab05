"""Customer fixtures: a logged-in customer without going through the mail check (built elsewhere)."""
from __future__ import annotations

import hashlib
import secrets

import pytest
import sqlalchemy as sa

from portal.common.time import utcnow
from portal.extensions import db
from portal.inventory.models import Person
from portal.verification.models import CustomerSession
from portal.verification.session import TOKEN_KEY
from tests.customer.records import two_customers


@pytest.fixture
def login_customer(app):
    """`login_customer(client, email, stepped_up=False)`: a verified session, as the mail check leaves it.

    Returns the person id the address matched (None when it matches nobody).
    """

    def login(client, email: str, *, stepped_up: bool = False) -> int | None:
        token = secrets.token_urlsafe(32)
        address = email.strip().lower()
        with app.app_context():
            person_id = db.session.scalar(sa.select(Person.id).where(Person.with_email(address)))
            db.session.add(CustomerSession(
                token_hash=hashlib.sha256(token.encode()).hexdigest(), email=address, person_id=person_id,
                stepped_up_at=utcnow() if stepped_up else None,
            ))
            db.session.commit()
            db.session.remove()
        with client.session_transaction() as session:
            session[TOKEN_KEY] = token
        return person_id

    return login


@pytest.fixture
def customers(import_lines):
    """山田 花子 and 佐藤 次郎, each with a register entry, items, consents and a provision."""
    import_lines(*two_customers())
