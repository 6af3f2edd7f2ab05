"""Fixtures for the customer's requests: 山田 花子 and 佐藤 次郎 (tests/customer/records.py),
Hanako logged in, and helpers to read requests and mail back."""
from __future__ import annotations

import html as html_lib
import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from portal.dsr.models import DataRequest
from portal.extensions import db
from tests.customer.conftest import customers, login_customer  # noqa: F401  (fixtures)
from tests.customer.records import HANAKO

REFERENCE = re.compile(r"MG-\d{4}-\d{6,}")
NEWSLETTER_AGAIN = {"type": "consent", "person": HANAKO, "purpose": "newsletter-email", "state": "granted",
                    "at": "2025-06-01T09:00:00+09:00", "method": "web-form", "source": "web-signup"}


@pytest.fixture
def hanako(client, login_customer, customers, import_lines):  # noqa: F811
    """Hanako, verified and stepped up; she gave newsletter consent again in June 2025."""
    import_lines(NEWSLETTER_AGAIN)
    return login_customer(client, "hanako@example.jp", stepped_up=True)


class _FormReader(HTMLParser):
    """What a browser would send for the first POST form of a page, before the user types."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._in_form = self._done = False
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("method") == "post" and not self._done and "logout" not in (a.get("action") or "") \
                and "lang" not in (a.get("action") or ""):
            self._in_form = True
        if not self._in_form:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("radio", "checkbox"):
                if "checked" in a:
                    self.fields.append((name, a.get("value", "on")))
            elif kind not in ("submit", "button"):
                self.fields.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self._select = name
            self.fields.append((name, ""))
        elif tag == "option" and self._select and "selected" in a:
            self.fields[-1] = (self._select, a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields.append((name, ""))

    def handle_data(self, data):
        if self._textarea:
            self.fields[-1] = (self._textarea, self.fields[-1][1] + data)

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form" and self._in_form:
            self._in_form, self._done = False, True


def form_fields(html: str) -> dict[str, list[str]]:
    reader = _FormReader()
    reader.feed(html)
    fields: dict[str, list[str]] = {}
    for name, value in reader.fields:
        fields.setdefault(name, []).append(html_lib.unescape(value) if "&" in value else value)
    return fields


@pytest.fixture
def submit(client):
    """`submit(page, data, url=None)`: open the form page and send the form back the way a
    browser would — every field as shown (CSRF token, idempotency key, defaults) — with `data`
    typed over it (a list value for several checkboxes)."""

    def send(page: str, data: dict | None = None, *, url: str | None = None, follow: bool = False):
        html = client.get(page).get_data(as_text=True)
        fields = form_fields(html)
        assert "csrf_token" in fields, f"{page} has no form with a CSRF token"
        for name, value in (data or {}).items():
            fields[name] = value if isinstance(value, list) else [value]
        return client.post(url or page, data=MultiDict([(k, v) for k, vs in fields.items() for v in vs]),
                           follow_redirects=follow)

    return send


@pytest.fixture
def requests_of(app):
    """`requests_of(person_id)` → that person's requests, oldest first, read fresh."""

    def read(person_id: int) -> list[DataRequest]:
        with app.app_context():
            rows = list(db.session.scalars(
                sa.select(DataRequest).where(DataRequest.person_id == person_id).order_by(DataRequest.id)))
            db.session.expunge_all()
            return rows

    return read


def mail_text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def japanese_date(moment) -> str:
    """A due date as the Japanese pages and mails write it (Japan time), e.g. 2026年4月15日."""
    from babel.dates import format_date

    from portal.common.time import JST

    return format_date(moment.astimezone(JST).date(), "long", locale="ja")


@pytest.fixture
def person_id_of(app):
    def find(key: str) -> int:
        from portal.inventory.models import Person

        with app.app_context():
            return db.session.scalar(sa.select(Person.id).where(Person.key == key))

    return find
