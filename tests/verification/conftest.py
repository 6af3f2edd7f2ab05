"""Verification fixtures: ask for a mail through the real page, read it from the SMTP server."""
from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from portal.extensions import db
from tests.conftest import csrf_from
from tests.inventory.records import PERSON

LINK = re.compile(r"https?://[^/\s]+(/verify/link/\S+)")
CODE = re.compile(r"^(\d{6})\r?$", re.MULTILINE)


@dataclass
class Mail:
    link: str  # the link's path on the portal
    code: str
    text: str


def read_mail(message) -> Mail:
    text = message.get_body(preferencelist=("plain",)).get_content()
    return Mail(LINK.search(text).group(1), CODE.search(text).group(1), text)


def post(client, url: str, data: dict | None = None, *, page: str | None = None, **kwargs):
    """POST like a browser: read the page first (for its CSRF token), then submit."""
    html = client.get(page or url).get_data(as_text=True)
    return client.post(url, data={"csrf_token": csrf_from(html), **(data or {})}, **kwargs)


@pytest.fixture
def ask_for_mail(client, smtp_server):
    """`ask_for_mail(email, client=…, next=…)` → the Mail that arrived for that request."""

    def ask(email: str = "hanako@example.jp", *, browser=None, next: str | None = None) -> Mail:
        browser = browser or client
        before = len(smtp_server.messages)
        page = "/verify" + (f"?next={next}" if next else "")
        response = post(browser, "/verify", {"email": email, **({"next": next} if next else {})}, page=page)
        assert response.status_code == 302 and response.headers["Location"] == "/verify/code"
        assert len(smtp_server.messages) == before + 1, "no mail arrived"
        return read_mail(smtp_server.messages[-1])

    return ask


@pytest.fixture
def hanako(import_lines):
    """A known person: customer number M-55501234, born 1985-04-01, phone 090-1234-5678."""
    import_lines(PERSON)


@pytest.fixture
def sql(app):
    """Run one statement (time travel, inspection) in its own committed transaction."""

    def run(statement):
        with app.app_context():
            result = db.session.execute(statement)
            rows = result.all() if isinstance(statement, sa.Select) else None
            db.session.commit()
            return rows

    return run


@pytest.fixture
def audit_actions(sql):
    from portal.audit.models import AuditEntry

    def actions() -> list[tuple]:
        return sql(sa.select(AuditEntry.action, AuditEntry.person_id, AuditEntry.actor_id, AuditEntry.details)
                   .order_by(AuditEntry.id))

    return actions
