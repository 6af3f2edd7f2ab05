"""Every route in the URL map is covered by exactly one access-control check.

- the customer IDOR matrix (tests/customer/test_access.py for GET, tests/security/
  test_customer_posts.py for POST): person A against person B's objects;
- the staff role matrix (tests/staff/access_table.py): every role against every /staff/ URL;
- the API (/api/…), whose tokens and scopes have their own tests in tests/api/;
- PUBLIC_ROUTES below: pages meant for anyone, each with the reason it is safe.

A new route in none of them fails here with a message saying where to add it.
"""
from __future__ import annotations

from tests.customer.test_access import CUSTOMER_RULES
from tests.security.routes import all_rules
from tests.security.test_customer_posts import CUSTOMER_POST_RULES
from tests.staff.access_table import ACCESS

#: endpoint → why anyone may reach it (or what guards it instead of a matrix).
PUBLIC_ROUTES = {
    "site.index": "landing page, no personal data",
    "site.notice": "the public APPI notice",
    "site.set_language": "stores a language choice in the caller's own session",
    "site.healthz": "database up/down, nothing else",
    "static": "CSS and JS",
    "verification.start": "asks for an address; the answer never says whether it is known",
    "verification.code": "bound to the browser that asked for the mail",
    "verification.link": "the mailed token is the credential",
    "email_change.confirm": "the token mailed to the new address is the credential (signed, single use, expiring); "
                            "a button, CSRF (tests/customer_requests/test_email_change.py)",
    "verification.step_up": "the caller's own session only (tests/verification/test_step_up.py)",
    "verification.logout": "ends the caller's own session",
    "agents.index": "what an agent needs to know",
    "agents.new_request": "the agent's own verified session (tests/agents/)",
    "agents.filed": "confirmation of the agent's own filing",
    "agents.unmatched_request": "a verified address with no record files about itself (tests/agents/test_unmatched.py)",
    # Permission campaigns: the signed per-person token is the credential; values stay masked (tests/campaigns)
    "campaign_landing.notice": "signed per-person notice link, masked values, until the answer-by date",
    "campaign_landing.answer": "the same signed link; CSRF; answers only that person's notice",
    "campaign_landing.thanks": "the same signed link; that person's answers only",
    "campaign_landing.erase": "the same signed link; CSRF; files an erasure for that person only",
    "campaign_landing.unsubscribe": "RFC 8058 one-click: a separately signed token, CSRF-exempt by design",
    "opt_out.stop": "the caller's own verified session; stops provision about themselves only",
    "postal.new_request": "files an unverified, unmatched request answered by post; shows nothing held "
                          "(tests/postal/test_requests_by_post.py)",
    "postal.received": "the caller's own reference, from their own session",
    "verification.postal_code": "the reference and one-time code from a letter are the credential; five tries "
                                "(tests/postal/test_requests_by_post.py)",
    "campaign_landing.code": "a letter's random 10-character code (about 49 bits), rate-limited",
    # The verified customer's own opt-out recipients only; CSRF; nothing of anyone else (tests/opt_out)
    "opt_out.stop": "the caller's own verified customer session; stops provision of their own data only",
}


def coverage(endpoint: str, rule: str, methods: frozenset) -> list[str]:
    found = []
    customer_get = {endpoint for endpoint, _ in CUSTOMER_RULES}
    customer_post = {endpoint for endpoint, _ in CUSTOMER_POST_RULES}
    if endpoint.startswith("customer.") and (("GET" in methods and endpoint in customer_get)
                                             or ("GET" not in methods and endpoint in customer_post)):
        found.append("customer IDOR matrix")
    if (rule + "/").startswith("/staff/") and endpoint in ACCESS:
        found.append("staff role matrix")
    if rule.startswith("/api/"):
        found.append("API token tests")
    if endpoint in PUBLIC_ROUTES:
        found.append("PUBLIC_ROUTES")
    return found


def uncovered(rules) -> list[str]:
    problems = []
    for endpoint, rule, methods in rules:
        found = coverage(endpoint, rule, methods)
        if len(found) != 1:
            where = ("tests/staff/access_table.py ACCESS" if rule.startswith("/staff/") else
                     "the customer matrix (tests/customer/test_access.py, tests/security/test_customer_posts.py)"
                     if endpoint.startswith("customer.") else
                     "PUBLIC_ROUTES in tests/security/test_route_coverage.py, with the reason it is safe")
            problems.append(f"{rule} ({endpoint}) is covered by {found or 'nothing'}: add it to {where}")
    return problems


def test_every_route_is_covered_by_exactly_one_access_check():
    problems = uncovered(all_rules())
    assert not problems, "\n".join(problems)


def test_public_routes_that_no_longer_exist_are_noticed():
    endpoints = {endpoint for endpoint, _rule, _methods in all_rules()}
    assert sorted(PUBLIC_ROUTES.keys() - endpoints) == []


def test_a_new_route_in_no_matrix_fails_with_where_to_add_it():
    rules = all_rules() + [("reports.secret", "/reports/secret", frozenset({"GET"})),
                           ("customer.shiny", "/my/shiny", frozenset({"GET"}))]
    problems = uncovered(rules)
    assert len(problems) == 2
    assert "PUBLIC_ROUTES" in problems[0] or "PUBLIC_ROUTES" in problems[1]
    assert any("customer matrix" in problem for problem in problems)
