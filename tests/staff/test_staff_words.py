"""Staff pages speak to staff, in English and Japanese: about "the person", never "your data";
no raw key (`name`, `contact`, `relationship`, any snake_case code) is left unlabelled; a
refusal's hint cites the request's own law.

Every staff page without parameters (read from the URL map, as the screenshots are), the
disposal confirmation and the request page of each kind of request are rendered over the demo
company's data and read as a person would: the text outside code samples.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from portal.casework.display import DETAIL_LABELS, PARTY_LABELS
from portal.dsr.models import RequestType
from portal.dsr.status import RequestStatus
from portal.extensions import db
from portal.inventory.labels import FIELD_NAMES
from portal.inventory.models import Category, Person
from tests.browser.test_staff_screens import SKIPPED

#: Keys and codes that must never reach a staff page as they are stored.
KNOWN_KEYS = (set(PARTY_LABELS) | set(DETAIL_LABELS) | set(FIELD_NAMES) | {c.value for c in Category}
              | {t.value for t in RequestType} | {s.value for s in RequestStatus} | {"relationship", "contact", "name"})
SNAKE_CASE = re.compile(r"(?<![\w.@/-])[a-z]+(?:_[a-z0-9]+)+(?![\w.@/-])")
#: Words a customer reads that staff pages must not use about the person.
CUSTOMER_WORDING = ("your data", "Who you are", "How to reach you", "Your preferences", "your records")


class VisibleText(HTMLParser):
    """The text a reader sees: not scripts, styles, code samples or the SVG charts' data."""

    HIDDEN = {"script", "style", "code", "pre", "svg", "textarea"}

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.nodes: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.depth += 1

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if not self.depth and data.strip():
            self.nodes.append(data.strip())


def visible_text(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return parser.nodes


def staff_paths(app) -> list[str]:
    rules = [rule.rule for rule in app.url_map.iter_rules()
             if rule.rule.startswith("/staff/") and "GET" in rule.methods and not rule.arguments
             and "." not in rule.rule.rsplit("/", 1)[-1]]
    return sorted(set(rules) - SKIPPED)


@pytest.fixture
def demo_cases(app, runner, file_case):
    """The demo company, and one request of each kind about its people (one filed by an agent)."""
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        people = list(db.session.scalars(sa.select(Person.id).order_by(Person.id).limit(4)))
        db.session.remove()
    references = []
    for n, (type_, residence) in enumerate((("disclosure", "jp"), ("erasure", "eu"), ("correction", "us-ca"),
                                            ("suspension", "jp"), ("stop_provision", "eu"),
                                            ("consent_withdrawal", "jp"), ("provision_records", "us-ca"))):
        details = {"scope": "chosen", "categories": ["identity", "contact"], "ground": "leak",
                   "note": "電話で受付"} if type_ in ("erasure", "suspension") else {"format": "zip"}
        references.append(file_case(type=type_, residence=residence, person_id=people[n % len(people)],
                                    details=details, status="in_progress").reference)
    references.append(file_case(type="disclosure", person_id=people[0], is_agent=True, status="received",
                                agent={"name": "代理 太郎", "relationship": "minor_guardian",
                                       "contact": "agent@example.jp"},
                                subject={"name": "見本 花子", "email": "hanako@example.jp"}).reference)
    return references


@pytest.mark.parametrize("english", [True, False], ids=["en", "ja"])
def test_no_staff_page_shows_a_raw_key_or_speaks_to_the_customer(app, client, login_as, demo_cases, english):
    from tests.fixtures.pages import in_english
    if english:
        in_english(client)
    login_as("admin")
    paths = staff_paths(app) + ["/staff/retention/dispose"] + [f"/staff/requests/{r}" for r in demo_cases]
    found = []
    for path in paths:
        response = client.get(path)
        if response.status_code in (302, 404) or not response.content_type.startswith("text/html"):
            continue  # a page that needs its query or sends elsewhere (2FA set-up when done), or a file
        assert response.status_code == 200, path
        for node in visible_text(response.get_data(as_text=True)):
            if node in KNOWN_KEYS:
                found.append(f"{path}: raw key {node!r}")
            for token in SNAKE_CASE.findall(node):
                found.append(f"{path}: snake_case {token!r} in {node[:80]!r}")
            for words in CUSTOMER_WORDING:
                if words in node:
                    found.append(f"{path}: customer wording {words!r} in {node[:80]!r}")
    assert not found, "\n".join(sorted(set(found)))


@pytest.mark.parametrize(("residence", "cited", "not_cited"), [
    ("jp", "APPI Art. 36", "GDPR"),
    ("eu", "GDPR Art. 12(4)", "APPI"),
    ("us-ca", "§ 7022(f)", "APPI"),
])
def test_a_refusal_cites_the_requests_own_law(client, login_as, file_case, residence, cited, not_cited):
    from tests.fixtures.pages import in_english
    in_english(client)
    login_as("manager")
    case = file_case(type="erasure", residence=residence, status="in_progress")
    page = client.get(f"/staff/requests/{case.reference}").get_data(as_text=True)
    reject = page[page.index(f'action="/staff/requests/{case.reference}/reject"'):]
    reject = reject[:reject.index("</form>")]
    assert cited in reject and not_cited not in reject

