"""API fixtures: staff owners and tokens made through the real services, a JSON client.

`make_token(scopes="requests:read", role="admin")` → an `ApiCredentials` (raw token, ids).
`api.get("/requests", token=creds)` / `api.post(path, json=…, token=creds, headers=…)` call
/api/v1 with the bearer header.
"""
from __future__ import annotations

import functools

import itertools
from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.api import tokens
from portal.audit.services import Actor
from portal.extensions import db
from portal.staff import services as staff_services
from tests.staff.conftest import create_staff, login_as, login_staff  # noqa: F401  (staff fixtures, for the admin pages)
from tests.fixtures.audit import audit_entries as read_audit_entries

ALL_SCOPES = ",".join(tokens.SCOPES)


@dataclass
class ApiCredentials:
    raw: str
    token_id: int
    owner_id: int

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.raw}"}


@pytest.fixture
def make_token(app):
    numbers = itertools.count(1)

    def make(scopes: str = ALL_SCOPES, *, role: str = "admin", days: int = 30, owner_id: int | None = None) -> ApiCredentials:
        with app.app_context():
            if owner_id is None:
                n = next(numbers)
                owner = staff_services.create_staff(email=f"api-owner{n}@staff.example.jp", name=f"API owner {n}",
                                                    role=role, password=f"a long pass phrase api {n}", actor=Actor("test"))
            else:
                owner = staff_services.get_staff(owner_id)
            token, raw = tokens.create_token(owner=owner, name="test token", scopes=tokens.parse_scopes(scopes),
                                             days=days, actor=Actor("test"))
            db.session.commit()
            credentials = ApiCredentials(raw, token.id, owner.id)
            db.session.remove()
        return credentials

    return make


class ApiClient:
    def __init__(self, client):
        self.client = client

    def _headers(self, token, headers):
        merged = dict(token.headers if token else {})
        merged.update(headers or {})
        return merged

    def get(self, path: str, *, token: ApiCredentials | None = None, headers: dict | None = None, **kwargs):
        return self.client.get("/api/v1" + path, headers=self._headers(token, headers), **kwargs)

    def post(self, path: str, *, token: ApiCredentials | None = None, headers: dict | None = None, **kwargs):
        return self.client.post("/api/v1" + path, headers=self._headers(token, headers), **kwargs)


@pytest.fixture
def api(client):
    return ApiClient(client)


@pytest.fixture
def token(make_token):
    """An admin-owned token with every scope."""
    return make_token()


@pytest.fixture
def count_rows(app):
    def count(model, *where) -> int:
        with app.app_context():
            value = db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))
            db.session.remove()
        return value

    return count


@pytest.fixture
def audit_entries(app):
    return functools.partial(read_audit_entries, app)


def is_problem(response, status: int, slug: str) -> dict:
    """Assert `response` is the problem document of type `slug` with `status`; return it."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    assert response.mimetype == "application/problem+json", response.mimetype
    body = response.get_json()
    assert body["type"] == f"/api/v1/problems/{slug}", body
    assert body["status"] == status and body["title"]
    return body


def expire(app, credentials: ApiCredentials, *, revoke: bool = False) -> None:
    from portal.api.models import ApiToken
    from portal.common.time import utcnow

    with app.app_context():
        token = db.session.get(ApiToken, credentials.token_id)
        if revoke:
            token.revoked_at = utcnow()
        else:
            token.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        db.session.remove()
