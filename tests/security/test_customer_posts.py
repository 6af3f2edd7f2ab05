"""The customer IDOR matrix, for the forms: person A posting to person B's objects.

tests/customer/test_access.py opens every customer GET URL with another person's objects;
here every customer route that accepts POST and names an object (an item, a request) is
posted to with 佐藤 次郎's objects by 山田 花子 — with a valid CSRF token and full step-up,
so nothing but ownership stands in the way. Each answers 404 and changes nothing.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEntry
from portal.dsr.models import DataRequest, RequestEvent
from portal.extensions import db
from portal.mail.models import OutboxMessage
from tests.fixtures.pages import csrf_from
from tests.fixtures.customers import OBJECT_ARGUMENTS, PLAIN_ARGUMENTS
from tests.security.routes import all_rules, build


def _customer_post_rules():
    return sorted((endpoint, rule) for endpoint, rule, methods in all_rules()
                  if endpoint.startswith("customer.") and "POST" in methods
                  and ("GET" not in methods or set(_arguments(rule)) & OBJECT_ARGUMENTS))


def _arguments(rule: str) -> list[str]:
    import re

    return re.findall(r"<(?:[^:<>]+:)?([a-z_]+)>", rule.replace("any(", "").replace(")", ""))


CUSTOMER_POST_RULES = _customer_post_rules()


def _snapshot(app) -> tuple:
    with app.app_context():
        counts = tuple(db.session.scalar(sa.select(sa.func.count()).select_from(model))
                       for model in (DataRequest, RequestEvent, OutboxMessage, AuditEntry))
        statuses = tuple(db.session.scalars(sa.select(DataRequest.status).order_by(DataRequest.id)))
        db.session.remove()
    return counts, statuses


def test_the_post_matrix_has_the_forms_that_name_a_request():
    assert {"customer.reply", "customer.withdraw"} <= {endpoint for endpoint, _ in CUSTOMER_POST_RULES}


@pytest.mark.parametrize("endpoint, rule", CUSTOMER_POST_RULES, ids=[e for e, _ in CUSTOMER_POST_RULES])
def test_posting_to_another_persons_object_is_not_found_and_changes_nothing(
        app, client, login_customer, jiro_objects, endpoint, rule):  # noqa: F811
    login_customer(client, "hanako@example.jp", stepped_up=True)
    token = csrf_from(client.get("/my/requests/new/correction").get_data(as_text=True))
    before = _snapshot(app)
    url = build(app, rule, {**PLAIN_ARGUMENTS, **jiro_objects})
    response = client.post(url, data={"csrf_token": token, "body": "見せて", "message": "見せて",
                                      "value": "x", "reason": "x", "confirm": "y"})
    assert response.status_code == 404, f"{url} → {response.status_code}"
    assert _snapshot(app) == before
