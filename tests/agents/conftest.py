"""Agent fixtures: the real mail check for the agent's own address, the form posted as a
browser posts it (multipart, with the page's CSRF token), and the upload folder emptied."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.agents.models import AuthorityDocument
from portal.dsr.models import DataRequest
from portal.extensions import db
from tests.conftest import csrf_from
from tests.verification.conftest import post, read_mail
from tests.agents.files import pdf

AGENT_EMAIL = "taro.yamada@example.jp"


@pytest.fixture
def upload_dir(app) -> Path:
    folder = Path(app.config["PORTAL_UPLOAD_DIR"])
    yield folder
    for stored in folder.glob("*"):
        stored.unlink()


@pytest.fixture
def verify_address(client, smtp_server):
    """`verify_address(email, next=…)`: the mail check as a person does it (mail, code)."""

    def verify(email: str = AGENT_EMAIL, *, next: str = "/agents/request", browser=None):
        browser = browser or client
        before = len(smtp_server.messages)
        response = post(browser, "/verify", {"email": email, "next": next}, page=f"/verify?next={next}")
        assert response.status_code == 302, response.status_code
        assert len(smtp_server.messages) == before + 1, "no verification mail arrived"
        mail = read_mail(smtp_server.messages[-1])
        response = post(browser, "/verify/code", {"code": mail.code})
        assert response.status_code == 302
        return response

    return verify


def agent_form(**overrides) -> dict:
    """What an agent types: a parent filing a disclosure for their child."""
    data = {
        "agent_name": "山田 太郎", "relationship": "minor_guardian", "agent_phone": "090-1111-2222",
        "agent_address": "東京都港区サンプル1-1",
        "subject_name": "山田 一郎", "subject_kana": "ヤマダ イチロウ", "subject_emails": "ichiro@example.jp",
        "subject_phone": "", "subject_birthdate": "2012-04-01", "subject_address": "", "subject_customer_number": "",
        "request_types": ["disclosure"], "description": "子の保有個人データの開示をお願いします。",
        "residence": "jp", "confirm": "y",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def submit_agent_form(client):
    """Post the agent form like a browser: read the page (CSRF token, idempotency key), then
    send it as multipart with the file. Returns (response, the fields sent)."""

    def submit(data: dict | None = None, *, file: tuple[bytes, str] | None = (None, "委任状.pdf"),
               content_type: str = "application/pdf", fields: dict | None = None, browser=None):
        browser = browser or client
        html = browser.get("/agents/request").get_data(as_text=True)
        sent = {"csrf_token": csrf_from(html), "idempotency_key": idempotency_key_from(html),
                **(data if data is not None else agent_form())}
        if fields:
            sent.update(fields)
        payload = dict(sent)
        if file is not None:
            content, name = file
            payload["document"] = (io.BytesIO(pdf() if content is None else content), name, content_type)
        response = browser.post("/agents/request", data=payload, content_type="multipart/form-data")
        return response, sent

    return submit


def idempotency_key_from(html: str) -> str:
    import re

    match = re.search(r'name="idempotency_key"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="idempotency_key"', html)
    assert match, "the form has no idempotency key"
    return match.group(1)


@pytest.fixture
def stored(app):
    """`stored()` → (requests, documents) as the database holds them now."""

    def read():
        with app.app_context():
            requests = db.session.scalars(sa.select(DataRequest).order_by(DataRequest.id)).all()
            documents = db.session.scalars(sa.select(AuthorityDocument).order_by(AuthorityDocument.id)).all()
            db.session.expunge_all()
            db.session.remove()
        return requests, documents

    return read


# Staff fixtures, for the staff side of agents' requests (the letter of authority download).
from tests.staff.conftest import audit_actions, create_staff, login_as, login_staff  # noqa: E402,F401
