"""Claiming, assigning and reassigning (one or many), and who may open a colleague's request."""
from __future__ import annotations

import re

import pytest

from tests.fixtures.casework import event_kinds
from tests.fixtures.pages import csrf_from, in_english, text_of


def claim(client, reference: str, version: int, next_url: str | None = None):
    token = csrf_from(client.get("/staff/").get_data(as_text=True))
    data = {"csrf_token": token, "version": str(version)}
    if next_url:
        data["next"] = next_url
    return client.post(f"/staff/requests/{reference}/claim", data=data)


def test_an_agent_claims_an_unassigned_request_from_the_queue(client, login_as, file_case, case_state):
    agent = login_as("agent")
    case = file_case()
    response = claim(client, case.reference, case.version, next_url="/staff/?type=disclosure")
    assert response.status_code == 302 and response.location.endswith("/staff/?type=disclosure")
    request, events = case_state(case.reference)
    assert request.assignee_id == agent.id
    assert event_kinds(events)[-1] == "assigned"
    assert case.reference in client.get("/staff/?assignee=me").get_data(as_text=True)


def test_a_request_someone_took_first_cannot_be_claimed(client, login_as, create_staff, file_case, case_state):
    login_as("agent")
    in_english(client)
    colleague = create_staff("agent", name="Colleague Kato")
    case = file_case(assignee_id=colleague.id)
    request, _events = case_state(case.reference)
    response = claim(client, case.reference, request.version_id)
    assert "Colleague Kato has already taken this request" in text_of(client.get(response.location))
    assert case_state(case.reference)[0].assignee_id == colleague.id


def test_claiming_from_an_outdated_queue_is_refused(client, login_as, create_staff, file_case, app, case_state):
    login_as("agent")
    in_english(client)
    case = file_case()
    colleague = create_staff("agent")
    with app.app_context():
        from portal.audit.services import Actor
        from portal.dsr import services as dsr
        from portal.dsr.queries import get_by_reference
        from portal.extensions import db

        dsr.assign(get_by_reference(case.reference), assignee_id=colleague.id, actor=Actor("staff", colleague.id))
        db.session.commit()
        db.session.remove()
    response = claim(client, case.reference, case.version)  # as the queue showed it
    assert "changed since you opened it" in text_of(client.get(response.location))
    assert case_state(case.reference)[0].assignee_id == colleague.id


def test_a_manager_reassigns_a_request_on_its_page(client, login_as, create_staff, file_case, post_form, case_state):
    login_as("manager")
    agent = create_staff("agent")
    other = create_staff("agent")
    case = file_case(assignee_id=agent.id)
    page = f"/staff/requests/{case.reference}"
    # the select starts at the current assignee and offers the colleagues
    html = client.get(page).get_data(as_text=True)
    options = re.search(r'<select name="assignee" id="assign-assignee">(.*?)</select>', html, re.S).group(1)
    assert f'<option value="{agent.id}" selected>{agent.name}</option>' in options
    assert f'<option value="{other.id}">{other.name}</option>' in options
    version = case_state(case.reference)[0].version_id
    response = post_form(f"{page}/assign", {"assignee": str(other.id), "version": str(version)}, page=page)
    assert response.status_code == 302
    assert case_state(case.reference)[0].assignee_id == other.id
    post_form(f"{page}/assign", {"assignee": "", "version": str(version + 1)}, page=page)
    assert case_state(case.reference)[0].assignee_id is None


def test_agents_cannot_reassign(client, login_as, create_staff, file_case, post_form, case_state):
    login_as("agent")
    other = create_staff("agent")
    case = file_case()
    page = f"/staff/requests/{case.reference}"
    response = post_form(f"{page}/assign", {"assignee": str(other.id), "version": "1"}, page=page)
    assert response.status_code == 403
    assert case_state(case.reference)[0].assignee_id is None
    assert "Assign selected" not in client.get("/staff/").get_data(as_text=True)


def test_a_manager_assigns_several_requests_at_once(client, login_as, create_staff, file_case, post_form, case_state):
    login_as("manager")
    in_english(client)
    agent = create_staff("agent")
    cases = [file_case() for _ in range(3)]
    left = file_case()
    page = client.get("/staff/").get_data(as_text=True)
    # the list offers every active colleague and the shared queue
    bulk_select = re.search(r'<select id="bulk-assignee" name="assignee">(.*?)</select>', page, re.S).group(1)
    assert f'<option value="{agent.id}">{agent.name}</option>' in bulk_select
    assert '<option value="">Nobody (shared queue)</option>' in bulk_select
    response = post_form("/staff/queue/assign", {
        "selected": [f"{c.reference}:{c.version}" for c in cases], "assignee": str(agent.id), "next": "/staff/?status=verified",
    }, page="/staff/")
    assert response.status_code == 302 and response.location.endswith("/staff/?status=verified")
    assert all(case_state(c.reference)[0].assignee_id == agent.id for c in cases)
    assert case_state(left.reference)[0].assignee_id is None
    assert "3 requests assigned." in text_of(client.get(response.location))


def test_bulk_assignment_leaves_requests_that_changed_since_the_list_was_shown(
        client, login_as, create_staff, file_case, post_form, case_state):
    login_as("manager")
    in_english(client)
    agent, colleague = create_staff("agent"), create_staff("agent")
    fresh = file_case()
    changed = file_case(assignee_id=colleague.id)  # the list showed it before this assignment
    response = post_form("/staff/queue/assign", {
        "selected": [f"{fresh.reference}:{fresh.version}", f"{changed.reference}:{changed.version - 1}"],
        "assignee": str(agent.id),
    }, page="/staff/")
    assert case_state(fresh.reference)[0].assignee_id == agent.id
    assert case_state(changed.reference)[0].assignee_id == colleague.id
    page = text_of(client.get(response.location))
    assert "1 request assigned." in page
    assert f"changed since you opened the list and were left as they are: {changed.reference}" in page


def test_bulk_assignment_is_for_managers_only(client, login_as, create_staff, file_case, post_form, case_state):
    login_as("agent")
    case = file_case()
    response = post_form("/staff/queue/assign", {"selected": [f"{case.reference}:1"], "assignee": "1"}, page="/staff/")
    assert response.status_code == 403
    assert case_state(case.reference)[0].assignee_id is None


def test_bulk_assignment_without_a_selection_says_so(client, login_as, create_staff, post_form):
    login_as("manager")
    in_english(client)
    response = post_form("/staff/queue/assign", {"assignee": ""}, page="/staff/")
    assert "Select at least one request." in text_of(client.get(response.location))


@pytest.fixture
def agents_see_only_their_own(app):
    app.config["PORTAL_AGENTS_SEE_OTHERS_ASSIGNED"] = False
    yield
    app.config["PORTAL_AGENTS_SEE_OTHERS_ASSIGNED"] = True


def test_when_configured_an_agent_cannot_open_a_colleagues_request(
        client, login_as, create_staff, file_case, agents_see_only_their_own):
    agent = login_as("agent")
    in_english(client)
    colleague = create_staff("agent", name="Colleague Mori")
    theirs = file_case(assignee_id=colleague.id)
    mine = file_case(assignee_id=agent.id)
    free = file_case()

    refused = client.get(f"/staff/requests/{theirs.reference}")
    assert refused.status_code == 403
    assert "This request is assigned to a colleague" in text_of(refused)
    assert "Colleague Mori" in text_of(refused)
    assert client.post(f"/staff/requests/{theirs.reference}/note", data={"body": "x"}).status_code in (400, 403)
    assert client.get(f"/staff/requests/{mine.reference}").status_code == 200
    assert client.get(f"/staff/requests/{free.reference}").status_code == 200

    queue = client.get("/staff/").get_data(as_text=True)
    assert theirs.reference not in queue and mine.reference in queue and free.reference in queue


def test_by_default_agents_open_colleagues_requests_and_managers_always_do(
        client, login_as, create_staff, file_case, login_staff, app):
    colleague = create_staff("agent")
    theirs = file_case(assignee_id=colleague.id)
    login_as("agent")
    assert client.get(f"/staff/requests/{theirs.reference}").status_code == 200
    app.config["PORTAL_AGENTS_SEE_OTHERS_ASSIGNED"] = False
    try:
        manager_browser = app.test_client()
        login_staff(manager_browser, create_staff("manager"))
        assert manager_browser.get(f"/staff/requests/{theirs.reference}").status_code == 200
    finally:
        app.config["PORTAL_AGENTS_SEE_OTHERS_ASSIGNED"] = True
