"""GET /staff/requests/<reference>/authority-document: the one way out for a letter of
authority — staff only, audited, always a download, never sniffed into a page."""
from __future__ import annotations

import pytest

from tests.agents import files
from tests.agents.factories import agent_request_with_document


@pytest.mark.parametrize("role", ["agent", "manager", "admin"])
def test_staff_download_the_letter_as_an_attachment(app, client, login_as, upload_dir, role):
    reference = agent_request_with_document(app, filename="委任状 山田.pdf")
    login_as(role)
    response = client.get(f"/staff/requests/{reference}/authority-document")
    assert response.status_code == 200
    assert response.get_data() == files.pdf()
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''" in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"


def test_the_stored_type_comes_from_the_content(app, client, login_as, upload_dir):
    reference = agent_request_with_document(app, data=files.png(), filename="scan.png")
    login_as("agent")
    response = client.get(f"/staff/requests/{reference}/authority-document")
    assert response.mimetype == "image/png" and response.headers["Content-Disposition"].startswith("attachment;")


def test_each_download_is_audited(app, client, login_as, audit_actions, upload_dir):
    reference = agent_request_with_document(app)
    account = login_as("agent")
    client.get(f"/staff/requests/{reference}/authority-document")
    client.get(f"/staff/requests/{reference}/authority-document")
    viewed = [a for a in audit_actions() if a[0] == "staff.viewed_authority_document"]
    assert len(viewed) == 2
    action, actor_type, actor_id, details = viewed[0]
    assert (actor_type, actor_id) == ("staff", str(account.id)) and details["reference"] == reference
    assert "委任状" not in str(details)


def test_unknown_requests_and_requests_without_a_letter_are_404(app, client, login_as, upload_dir):
    login_as("agent")
    assert client.get("/staff/requests/MG-2026-999999/authority-document").status_code == 404
    assert client.get("/staff/requests/not-a-reference/authority-document").status_code == 404


def test_a_missing_file_is_404_not_an_error(app, client, login_as, upload_dir):
    reference = agent_request_with_document(app)
    for stored in upload_dir.iterdir():
        stored.unlink()
    login_as("agent")
    assert client.get(f"/staff/requests/{reference}/authority-document").status_code == 404


def test_visitors_and_customers_are_sent_to_the_staff_log_in(app, client, verify_address, upload_dir):
    reference = agent_request_with_document(app)
    response = client.get(f"/staff/requests/{reference}/authority-document")
    assert response.status_code == 302 and "/staff/login" in response.location


def test_the_agents_own_session_is_no_staff_log_in(app, client, verify_address, submit_agent_form, stored, upload_dir):
    verify_address()
    submit_agent_form()
    [request], _documents = stored()
    response = client.get(f"/staff/requests/{request.reference}/authority-document")
    assert response.status_code == 302 and "/staff/login" in response.location


def _assign_to_colleague(app, reference: str, colleague_id: int) -> None:
    from portal.audit.services import Actor
    from portal.dsr import services as dsr
    from portal.dsr.queries import get_by_reference
    from portal.extensions import db

    with app.app_context():
        dsr.assign(get_by_reference(reference), assignee_id=colleague_id, actor=Actor.system())
        db.session.commit()
        db.session.remove()


def test_an_agent_is_refused_a_colleagues_letter_when_agents_see_only_their_own(
        app, client, login_as, create_staff, audit_actions, upload_dir):
    reference = agent_request_with_document(app)
    _assign_to_colleague(app, reference, create_staff("agent").id)
    app.config["PORTAL_AGENTS_SEE_OTHERS_ASSIGNED"] = False
    login_as("agent")
    response = client.get(f"/staff/requests/{reference}/authority-document")
    assert response.status_code == 403
    assert response.get_data() != files.pdf()
    assert "Content-Disposition" not in response.headers
    assert not [a for a in audit_actions() if a[0] == "staff.viewed_authority_document"]


def test_with_the_setting_off_the_assignee_and_managers_still_get_the_letter(
        app, client, create_staff, login_staff, upload_dir):
    reference = agent_request_with_document(app)
    assignee = create_staff("agent")
    _assign_to_colleague(app, reference, assignee.id)
    app.config["PORTAL_AGENTS_SEE_OTHERS_ASSIGNED"] = False
    login_staff(client, assignee)
    assert client.get(f"/staff/requests/{reference}/authority-document").get_data() == files.pdf()
    manager = app.test_client()
    login_staff(manager, create_staff("manager"))
    assert manager.get(f"/staff/requests/{reference}/authority-document").get_data() == files.pdf()


def test_with_the_setting_on_an_agent_gets_a_colleagues_letter(app, client, login_as, create_staff, upload_dir):
    reference = agent_request_with_document(app)
    _assign_to_colleague(app, reference, create_staff("agent").id)
    app.config["PORTAL_AGENTS_SEE_OTHERS_ASSIGNED"] = True
    login_as("agent")
    assert client.get(f"/staff/requests/{reference}/authority-document").get_data() == files.pdf()
