"""The URL map as the security tests see it: every rule, and sample values for its arguments."""
from __future__ import annotations

from portal import create_app
from tests.fixtures.app import TEST_SECRET_KEY

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def url_map_app():
    """An app that never touches a database: enough to read the URL map at collection time."""
    return create_app({"PORTAL_ENV": "testing", "SECRET_KEY": TEST_SECRET_KEY, "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def all_rules():
    """(endpoint, rule, methods) for every rule, HEAD and OPTIONS left out."""
    return sorted((r.endpoint, r.rule, frozenset(r.methods - {"HEAD", "OPTIONS"}))
                  for r in url_map_app().url_map.iter_rules())


def build(app, rule: str, values: dict) -> str:
    url_rule = next(r for r in app.url_map.iter_rules() if r.rule == rule)
    # Any `…_id` names a row: a number no table reaches answers 404, which still must carry the headers.
    values = {**{name: 999999 for name in url_rule.arguments if name.endswith("_id")}, **values}
    missing = sorted(set(url_rule.arguments) - values.keys())
    assert not missing, f"add sample values for {missing} (route {rule}) to tests/security/routes.py"
    return url_rule.build({name: _fitting(url_rule, name, values[name]) for name in url_rule.arguments},
                          append_unknown=False)[1]


def _fitting(url_rule, name: str, value):
    """`<any(preliminary, final):kind>` accepts only its own words: take the first when the shared
    sample (`kind=disclosure`, for the customer's request forms) is not one of them."""
    choices = getattr(url_rule._converters.get(name), "items", None)
    return sorted(choices)[0] if choices and value not in choices else value


#: Sample values for every URL argument in the map; objects that do not exist answer 404,
#: which still must carry the headers.
SAMPLE_VALUES = {
    "category": "purchase", "kind": "disclosure", "item_id": 1, "user_id": 1, "token": "no-such-token",
    "jurisdiction": "appi", "scope": "default", "token_id": 999999, "webhook_id": 999999,
    "delivery_id": 999999, "subject_request_id": "no-such-request", "key": "C-NONE", "slug": "validation",
    "filename": "css/portal.css", "document_id": 999999,
    "report": "preliminary",
}
