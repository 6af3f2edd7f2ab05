"""Bad input at scale: hypothesis throws arbitrary text, JSON and bytes at the import parser,
the forms and the API. Whatever arrives: no server error, and nothing written when the
input is refused.

Each property is bounded (max_examples, no deadline) so the suite stays quick; the database
is shared between examples, so "nothing written" compares counts before and after each one.
"""
from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings, strategies as st

from portal.agents.models import AuthorityDocument
from portal.audit.services import Actor
from portal.dsr.models import DataRequest, RequestEvent
from portal.extensions import db
from portal.inventory.importer import ImportFailed, import_bytes
from portal.inventory.models import ConsentEvent, Item, Person, Provision, Purpose, Source
from portal.mail.models import OutboxMessage
from tests.fixtures.pages import csrf_from
from tests.inventory.records import VALID_FILE

BOUNDED = settings(max_examples=40, deadline=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
WRITTEN = (Source, Purpose, Person, Item, ConsentEvent, Provision, DataRequest, RequestEvent, OutboxMessage,
           AuthorityDocument)

NASTY = ["", " ", "<script>alert(1)</script>", "=HYPERLINK(\"http://x\")", "\r\nBcc: victim@example.jp", "{{7*7}}",
         "' OR 1=1 --", "../../etc/passwd", "\x00", "\u202e", "😀" * 50, "山田" * 300, "9" * 40, "-1", "1e309",
         "2024-02-30", "null", "[]", "{}", "%00", "\\", "//evil.example", "javascript:alert(1)"]
TEXT = st.one_of(st.sampled_from(NASTY), st.text(st.characters(blacklist_categories=("Cs",)), max_size=300))
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
                    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4),
                    max_leaves=12)


def counts() -> tuple:
    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(model)) for model in WRITTEN)


def counts_now(app) -> tuple:
    with app.app_context():
        value = counts()
        db.session.remove()
    return value


# --- the import parser ---

RECORD_TYPES = ["source", "purpose", "person", "item", "consent", "provision", "erasure", "bogus"]
FIELDS = ["type", "key", "kind", "name", "title", "person", "category", "field", "value", "source", "purposes",
          "collected_at", "retain_until", "email", "birthdate", "purpose", "state", "at", "recipient", "channel"]


@st.composite
def records(draw):
    """Mostly plausible records (real ones with fields changed) and some pure noise."""
    base = dict(draw(st.sampled_from(VALID_FILE)))
    for field in draw(st.lists(st.sampled_from(FIELDS), max_size=4)):
        base[field] = draw(JSON)
    if draw(st.booleans()):
        base["type"] = draw(st.sampled_from(RECORD_TYPES))
    return base


def _import(app, data: bytes) -> None:
    with app.app_context():
        before = counts()
        try:
            import_bytes(data, actor=Actor("test"))
        except ImportFailed:
            db.session.commit()  # even a careless caller that commits writes nothing
            assert counts() == before
        else:
            db.session.commit()
        finally:
            db.session.remove()


@BOUNDED
@given(lines=st.lists(st.one_of(records(), JSON), min_size=1, max_size=6))
def test_import_of_arbitrary_json_lines_fails_only_with_import_failed_and_writes_nothing(app, lines):
    _import(app, "\n".join(json.dumps(line, ensure_ascii=False) for line in lines).encode("utf-8"))


@BOUNDED
@given(data=st.binary(max_size=400))
def test_import_of_arbitrary_bytes_fails_only_with_import_failed(app, data):
    _import(app, data)


# --- the forms ---

NAME = re.compile(r'<(?:input|textarea|select)\b[^>]*\bname="([^"]+)"', re.I)
KEEP = {"csrf_token", "idempotency_key"}


@pytest.fixture
def hanako(app, client, customers, login_customer):
    """山田 花子 logged in (stepped up), with an item and a request of her own for the URLs."""
    from portal.dsr.services import create_request

    login_customer(client, "hanako@example.jp", stepped_up=True)
    basic = app.test_client()
    login_customer(basic, "hanako@example.jp")
    stranger = app.test_client()  # a verified address we hold nothing about (agents, no match)
    login_customer(stranger, "taro.yamada@example.jp")
    with app.app_context():
        person = db.session.scalar(sa.select(Person).where(Person.with_email("hanako@example.jp")))
        change = create_request(type="disclosure", person_id=person.id, requester_email=person.email, channel="web",
                                language="ja", residence="jp", actor=Actor("customer", person.id), verified=True)
        db.session.commit()
        values = {"reference": change.request.reference,
                  "item_id": db.session.scalar(sa.select(Item.id).where(Item.person_id == person.id).limit(1)),
                  "clients": {"full": client, "basic": basic, "anonymous": app.test_client(),
                              "stranger": stranger}}
        db.session.remove()
    return values


def form_urls(objects: dict) -> list[tuple]:
    """(browser, page with the form, URL it posts to) for every customer-facing form: the
    mail check anonymously, the step-up before it is done, the rest fully verified."""
    kinds = ["disclosure", "provision_records", "suspension", "erasure", "stop_provision"]
    anonymous, basic = objects["clients"]["anonymous"], objects["clients"]["basic"]
    stranger = objects["clients"]["stranger"]
    return ([(anonymous, "/verify", "/verify"), (basic, "/verify/step-up", "/verify/step-up"),
             (stranger, "/agents/request", "/agents/request"),
             (stranger, "/my/requests/new/without-match", "/my/requests/new/without-match")]
            + [(objects["clients"]["full"], page, target) for page, target in [("/", "/language"),
             ("/my/requests/new/correction", "/my/requests/new/correction"), ("/my/consents", "/my/consents"),
             (f"/my/items/{objects['item_id']}/correct", f"/my/items/{objects['item_id']}/correct"),
             (f"/my/requests/{objects['reference']}", f"/my/requests/{objects['reference']}/reply"),
             (f"/my/requests/{objects['reference']}/withdraw", f"/my/requests/{objects['reference']}/withdraw"),
             ]
            + [(f"/my/requests/new/{kind}", f"/my/requests/new/{kind}") for kind in kinds]])


def test_the_forms_under_test_all_have_fields(app, client, hanako):
    for browser, page, _target in form_urls(hanako):
        html = browser.get(page).get_data(as_text=True)
        assert set(NAME.findall(html)) - KEEP, f"{page} shows no form fields"


@settings(BOUNDED, max_examples=90)  # 15 forms
@given(choice=st.integers(min_value=0, max_value=14), texts=st.lists(TEXT, min_size=12, max_size=12),
       extra=st.dictionaries(st.sampled_from(["next", "lang", "check", "answer", "email", "kind", "changes-0-item_id"]),
                             TEXT, max_size=3))
def test_arbitrary_text_in_any_form_never_causes_a_server_error(app, client, hanako, choice, texts, extra):
    browser, page, target = form_urls(hanako)[choice]
    html = browser.get(page).get_data(as_text=True)
    if 'name="csrf_token"' not in html:
        return  # an earlier example closed this form (a withdrawn request, a finished step-up)
    names = sorted(set(NAME.findall(html)))
    data = {name: texts[i % len(texts)] for i, name in enumerate(names) if name not in KEEP}
    data.update(extra)
    data.update({name: value for name, value in re.findall(r'name="(csrf_token|idempotency_key)"[^>]*value="([^"]*)"', html)})
    data.setdefault("csrf_token", csrf_from(html))
    before = counts_now(app)
    response = browser.post(target, data=data)
    response.close()
    assert response.status_code < 500, f"POST {target} → {response.status_code}"
    if response.status_code in (200, 400, 404, 409, 413, 422, 429):  # refused or re-shown with errors
        assert counts_now(app) == before, f"POST {target} → {response.status_code} but wrote rows"
    if response.status_code == 302:
        assert not re.match(r"^(https?:)?//|^\\", response.location), response.location


# --- the API ---

@pytest.fixture
def api_token(app):
    from portal.api import tokens
    from portal.staff import services as staff_services

    with app.app_context():
        owner = staff_services.create_staff(email="fuzz@staff.example.jp", name="Fuzz", role="admin",
                                            password="a long pass phrase for fuzz", actor=Actor("test"))
        _token, raw = tokens.create_token(owner=owner, name="fuzz", scopes=tokens.parse_scopes(",".join(tokens.SCOPES)),
                                          days=1, actor=Actor("test"))
        db.session.commit()
        db.session.remove()
    return {"Authorization": f"Bearer {raw}"}


API_WRITES = ["/api/v1/requests", "/api/v1/requests/{reference}/messages", "/api/v1/requests/{reference}/transitions",
              "/api/v1/opendsr/requests", "/api/v1/import"]


def _check_api(app, client, api_token, reference, method, path, **body):
    before = counts_now(app)
    response = client.open(path.format(reference=reference), method=method, headers=api_token, **body)
    assert response.status_code < 500, f"{method} {path} → {response.status_code}: {response.get_data(as_text=True)[:300]}"
    if response.status_code >= 400:
        assert response.mimetype == "application/problem+json", f"{path} → {response.mimetype}"
        assert counts_now(app) == before, f"{path} refused the body but wrote rows"


@BOUNDED
@given(target=st.sampled_from(API_WRITES), body=JSON)
def test_arbitrary_json_bodies_to_the_api_are_problems_never_server_errors(app, client, hanako, api_token, target, body):
    _check_api(app, client, api_token, hanako["reference"], "POST", target,
               data=json.dumps(body, ensure_ascii=False), content_type="application/json")


@BOUNDED
@given(target=st.sampled_from(API_WRITES), raw=st.binary(max_size=300),
       content_type=st.sampled_from(["application/json", "text/plain", "application/x-ndjson", ""]))
def test_arbitrary_bytes_to_the_api_are_problems_never_server_errors(app, client, hanako, api_token, target, raw,
                                                                     content_type):
    _check_api(app, client, api_token, hanako["reference"], "POST", target, data=raw, content_type=content_type)


@BOUNDED
@given(path=st.sampled_from(["/api/v1/requests", "/api/v1/suppressions", "/api/v1/reports/summary",
                             "/api/v1/requests/{reference}", "/api/v1/persons/{reference}"]),
       params=st.dictionaries(st.sampled_from(["status", "type", "cursor", "limit", "since", "until", "purpose",
                                               "person_key", "q", "order"]), TEXT, max_size=4))
def test_arbitrary_query_parameters_to_the_api_never_cause_a_server_error(app, client, hanako, api_token, path, params):
    response = client.get(path.format(reference=hanako["reference"]), query_string=params, headers=api_token)
    assert response.status_code < 500, f"GET {path} {params} → {response.status_code}"
    if response.status_code >= 400:
        assert response.mimetype == "application/problem+json"


# --- the staff forms ---

STAFF_ACTIONS = ["note", "message", "reply", "reject", "extend", "ask", "match", "complete", "verify", "assign"]


@pytest.fixture
def staff_forms(app, hanako, create_staff, login_staff):
    """(browser, page, target) for the staff forms: the log-in anonymously, the rest as an admin."""
    admin = app.test_client()
    login_staff(admin, create_staff("admin"))
    page = f"/staff/requests/{hanako['reference']}"
    return ([(app.test_client(), "/staff/login", "/staff/login")]
            + [(admin, url, url) for url in ("/staff/users/new", "/staff/api-tokens/new", "/staff/webhooks/new",
                                              "/staff/policies/appi/default")]
            + [(admin, "/staff/account", "/staff/account/password")]
            + [(admin, page, f"{page}/{action}") for action in STAFF_ACTIONS])


@settings(BOUNDED, max_examples=60)
@given(choice=st.integers(min_value=0, max_value=15), texts=st.lists(TEXT, min_size=12, max_size=12),
       keep_hidden=st.booleans())
def test_arbitrary_text_in_any_staff_form_never_causes_a_server_error(app, staff_forms, choice, texts, keep_hidden):
    browser, page, target = staff_forms[choice]
    html = browser.get(page).get_data(as_text=True)
    if 'name="csrf_token"' not in html:
        return  # an earlier example closed this form
    hidden = dict(re.findall(r'name="(csrf_token|idempotency_key|version|seen)"[^>]*value="([^"]*)"', html))
    data = {name: texts[i % len(texts)] for i, name in enumerate(sorted(set(NAME.findall(html))))}
    data.update(hidden if keep_hidden else {"csrf_token": hidden["csrf_token"]})
    before = counts_now(app)
    response = browser.post(target, data=data)
    assert response.status_code < 500, f"POST {target} → {response.status_code}"
    if response.status_code in (200, 400, 404, 409, 422, 429):
        assert counts_now(app) == before, f"POST {target} → {response.status_code} but wrote rows"


def test_a_tampered_version_on_the_withdraw_form_is_refused_not_a_server_error(app, client, hanako):
    """Found by the form property: a non-numeric version reached int() in the service."""
    page = f"/my/requests/{hanako['reference']}/withdraw"
    html = client.get(page).get_data(as_text=True)
    before = counts_now(app)
    response = client.post(page, data={"csrf_token": csrf_from(html), "version": "<script>alert(1)</script>"})
    assert response.status_code == 200
    assert counts_now(app) == before
