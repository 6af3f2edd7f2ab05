"""Stored text is inert wherever it is shown or exported.

A person whose name, data, request detail and messages hold HTML, script, a spreadsheet
formula, a mail-header injection and a template expression: every page shows it escaped,
the CSV exports neutralise the formula, the JSON export keeps it literally, and no mail
header carries a line break.
"""
from __future__ import annotations

import csv
import io
import json
import re
import zipfile

import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from portal.dsr.models import DataRequest
from portal.extensions import db
from portal.mail.models import OutboxMessage
from tests.fixtures.pages import csrf_from
from tests.customer.records import HANAKO, two_customers
from tests.fixtures.customer_requests import form_fields

SCRIPT = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://x")'
HEADER = "\r\nBcc: victim@example.jp"
TEMPLATE = "{{7*7}}"
PAYLOAD = f"{SCRIPT} {TEMPLATE}"
VERSION = re.compile(r'name="version" value="(\d+)"')
SEEN = re.compile(r'name="seen" value="(\d+)"')


def hostile_records() -> list[dict]:
    """The two sample customers, with 山田 花子's name and a value of hers made hostile."""
    records = []
    for record in two_customers():
        record = dict(record)
        if record.get("type") == "person" and record.get("email") == "hanako@example.jp":
            record["name"] = f"{SCRIPT}{HEADER}"
        if record.get("type") == "item" and record.get("person") == HANAKO and record.get("field") == "address":
            record["value"] = FORMULA
        if record.get("type") == "item" and record.get("person") == HANAKO and record.get("field") == "name":
            record["value"] = f"{SCRIPT} {TEMPLATE}"
        records.append(record)
    return records


def strings(value):
    """Every string inside a parsed JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for inner in value.values():
            yield from strings(inner)
    elif isinstance(value, (list, tuple)) or hasattr(value, "__next__"):
        for inner in value:
            yield from strings(inner)


def submit(client, page: str, data: dict, url: str | None = None):
    fields = form_fields(client.get(page).get_data(as_text=True))
    for name, value in data.items():
        fields[name] = [value]
    return client.post(url or page, data=MultiDict([(k, v) for k, vs in fields.items() for v in vs]))


def assert_escaped(html: str, where: str) -> None:
    assert SCRIPT not in html, f"{where} shows the script unescaped"
    assert "<script>alert" not in html, where


def test_hostile_text_is_harmless_on_every_page_export_and_mail(app, client, login_customer, import_lines,
                                                                 create_staff, login_staff):
    import_lines(*hostile_records())
    login_customer(client, "hanako@example.jp", stepped_up=True)

    # A request whose detail and reply carry the payloads, filed through the customer's own forms.
    response = submit(client, "/my/requests/new/disclosure", {"note": f"{PAYLOAD} {FORMULA}{HEADER}"})
    assert response.status_code == 302, response.status_code
    with app.app_context():
        reference = db.session.scalar(sa.select(DataRequest.reference))
        db.session.remove()
    reply = submit(client, f"/my/requests/{reference}", {"body": f"{PAYLOAD}{HEADER}"}, url=f"/my/requests/{reference}/reply")
    assert reply.status_code in (302, 200)

    # The customer's pages
    for page in ("/my/data", "/my/data/category/contact", "/my/data/category/identity", "/my/requests", f"/my/requests/{reference}"):
        html = client.get(page).get_data(as_text=True)
        assert_escaped(html, page)
    assert "&lt;script&gt;" in client.get(f"/my/requests/{reference}").get_data(as_text=True)
    assert TEMPLATE in client.get(f"/my/requests/{reference}").get_data(as_text=True)  # shown, never evaluated

    # The JSON export keeps the text literally; the CSV files in the archive neutralise formulas.
    exported = client.get("/my/download.json").get_data(as_text=True)
    values = set(strings(json.loads(line) for line in exported.splitlines() if line.strip()))
    assert FORMULA in values, "the JSON export keeps the value exactly as stored"
    assert any(value.startswith(SCRIPT) for value in values), "…and the name too"
    archive = zipfile.ZipFile(io.BytesIO(client.get("/my/download.zip").data))
    cells = [cell for name in archive.namelist() if name.endswith(".csv")
             for row in csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig"))) for cell in row]
    assert any(FORMULA in cell for cell in cells), "the hostile value should be in the CSV"
    assert [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")] == []

    # Staff: the queue and the request page show it escaped; a message to the requester is mailed.
    staff = app.test_client()
    login_staff(staff, create_staff("admin"))
    for page in ("/staff/", f"/staff/?q={reference}", f"/staff/requests/{reference}"):
        html = staff.get(page).get_data(as_text=True)
        assert_escaped(html, page)
    page = staff.get(f"/staff/requests/{reference}").get_data(as_text=True)
    assert "&lt;script&gt;" in page and TEMPLATE in page
    message = staff.post(f"/staff/requests/{reference}/message", data={
        "csrf_token": csrf_from(page), "version": VERSION.search(page).group(1),
        "seen": SEEN.search(page).group(1), "body": f"{PAYLOAD}{HEADER}"})
    assert message.status_code == 302, message.status_code

    # No mail header can carry a line break, whatever the stored text.
    with app.app_context():
        mails = db.session.scalars(sa.select(OutboxMessage)).all()
        assert mails, "the filing and the message should have queued mail"
        for mail in mails:
            assert "\r" not in mail.subject and "\n" not in mail.subject, mail.subject
            assert "\r" not in mail.to_address and "\n" not in mail.to_address
            assert "Bcc" not in mail.subject
            assert SCRIPT not in (mail.body_html or ""), "the HTML mail must escape stored text"
        db.session.remove()


def test_queue_mail_folds_a_subject_to_one_line(app_ctx):
    """The outbox never stores a subject with a line break, even from a template that makes one."""
    from portal.mail.services import queue_mail

    mail = queue_mail(to="hanako@example.jp", template="verify_email", language="ja", kind="test",
                      code="123456", link="http://portal.test/verify/link/x", minutes=15)
    assert "\n" not in mail.subject and "\r" not in mail.subject
    db.session.rollback()
