"""An agent files for a person: their own mail check, the form, the letter of authority, the
receipt mail — and the request waits in `received` for staff, with nobody attached."""
from __future__ import annotations

import stat
from pathlib import Path

import pytest

from portal.agents import uploads
from portal.dsr.status import RequestStatus
from portal.encryption.files import key_id_of_file
from tests.fixtures.agents import AGENT_EMAIL, agent_form
from tests.agents.files import pdf
from tests.customer.helpers import text_of
from tests.fixtures.pages import in_english
from tests.inventory.records import PERSON, PURPOSE


@pytest.fixture
def ichiro(import_lines):
    """The child the parent files for; the company knows him by ichiro@example.jp."""
    import_lines(PURPOSE, {**PERSON, "key": "C-777", "email": "ichiro@example.jp", "name": "山田 一郎",
                           "name_kana": "ヤマダ イチロウ", "birthdate": "2012-04-01", "customer_number": "M-777"})


def test_the_landing_and_verification_pages_lead_agents_to_their_page(client):
    assert 'href="/agents"' in client.get("/").get_data(as_text=True)
    assert 'href="/agents"' in client.get("/verify").get_data(as_text=True)
    page = client.get("/agents").get_data(as_text=True)
    assert "法定代理人" in page and "任意代理人" in page
    assert 'href="/verify?next=/agents/request"' in page


def test_the_form_asks_for_the_agents_own_mail_check_first(client):
    response = client.get("/agents/request")
    assert response.status_code == 302 and response.location.startswith("/verify?next=/agents/request")


def test_an_agent_files_a_request_end_to_end(app, client, smtp_server, verify_address, submit_agent_form,
                                              stored, upload_dir, ichiro):
    # 1. The agent proves their own address and lands on the form.
    response = verify_address(AGENT_EMAIL)
    assert response.location == "/agents/request"
    page = client.get("/agents/request").get_data(as_text=True)
    assert AGENT_EMAIL in page and 'enctype="multipart/form-data"' in page

    # 2. They fill it in and attach the letter of authority.
    mails_before = len(smtp_server.messages)
    response, _sent = submit_agent_form(file=(pdf(), "委任状（山田一郎）.pdf"))
    assert response.status_code == 302 and response.location == "/agents/request/filed"
    [request], [document] = stored()
    confirmation = text_of(client.get("/agents/request/filed").get_data(as_text=True))
    assert request.reference in confirmation

    # 3. The request waits for staff: received, an agent's, no person attached.
    assert request.status is RequestStatus.RECEIVED and request.verified_at is None
    assert request.due_at is not None  # APPI's two weeks run from receipt, the authority checked or not
    assert request.is_agent and request.person_id is None
    assert request.requester_email == AGENT_EMAIL and request.requester_name == "山田 太郎"
    assert request.agent == {"name": "山田 太郎", "relationship": "minor_guardian", "email": AGENT_EMAIL,
                             "phone": "090-1111-2222", "address": "東京都港区サンプル1-1"}
    assert request.subject["name"] == "山田 一郎" and request.subject["emails"] == ["ichiro@example.jp"]
    assert request.subject["birthdate"] == "2012-04-01"
    # The person the details point to is only a suggestion for staff.
    [candidate] = request.details["person_candidates"]
    assert candidate["matched_on"] == ["email"] and set(candidate["agrees"]) >= {"name", "name_kana", "birthdate"}

    # 4. The letter is stored outside static/, under a random name, readable by the portal only.
    assert request.authority_document_id == document.id and document.request_id == request.id
    assert document.original_name == "委任状（山田一郎）.pdf" and document.content_type == "application/pdf"
    assert document.size == len(pdf()) and len(document.sha256) == 64
    path = upload_dir / document.storage_path
    # Encrypted at rest: the disk holds no byte run of the letter; the portal reads it back whole.
    assert pdf()[:64] not in path.read_bytes() and key_id_of_file(path) == "dev"
    with app.app_context():
        assert uploads.read_stored(document.storage_path) == pdf()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    static = Path(app.static_folder).resolve()
    assert static not in path.resolve().parents
    assert "委任状" not in document.storage_path and not document.storage_path.endswith(".pdf")

    # 5. The agent receives a receipt with the reference, over real SMTP.
    [receipt] = smtp_server.messages[mails_before:]
    assert receipt["To"] == AGENT_EMAIL and request.reference in receipt["Subject"]
    assert request.reference in receipt.get_body(preferencelist=("plain",)).get_content()


def test_the_stored_letter_is_not_reachable_by_any_public_url(app, client, verify_address, submit_agent_form,
                                                               stored, upload_dir):
    verify_address()
    submit_agent_form()
    [request], [document] = stored()
    name = document.storage_path
    visitor = app.test_client()
    for url in (f"/static/{name}", f"/static/uploads/{name}", f"/uploads/{name}", f"/instance/uploads/{name}",
                f"/static/../instance/uploads/{name}"):
        assert visitor.get(url).status_code == 404, url
    # The agent's own session sees the request, never the letter.
    page = client.get(f"/my/requests/{request.reference}").get_data(as_text=True)
    assert name not in page and "authority-document" not in page


def test_several_requests_at_once_become_one_request_each_sharing_the_letter(client, verify_address,
                                                                            submit_agent_form, stored, upload_dir):
    verify_address()
    response, _sent = submit_agent_form(agent_form(request_types=["disclosure", "erasure"]))
    assert response.status_code == 302
    requests, [document] = stored()
    assert [r.type.value for r in requests] == ["disclosure", "erasure"]
    assert {r.authority_document_id for r in requests} == {document.id}
    assert requests[0].details["filed_together"] == [r.reference for r in requests]
    assert len(list(upload_dir.iterdir())) == 1


def test_a_double_submit_files_one_request_and_stores_one_file(client, smtp_server, verify_address,
                                                                submit_agent_form, stored, upload_dir):
    verify_address()
    response, sent = submit_agent_form()
    mails = len(smtp_server.messages)
    # The same form again (a double tap, a reload that re-posts): same key, same token.
    import io
    again = client.post("/agents/request", data={**sent, "document": (io.BytesIO(pdf()), "委任状.pdf", "application/pdf")},
                        content_type="multipart/form-data")
    assert again.status_code == 302 and again.location == response.location
    requests, documents = stored()
    assert len(requests) == 1 and len(documents) == 1
    assert len(list(upload_dir.iterdir())) == 1
    assert len(smtp_server.messages) == mails, "no second receipt"


def test_the_form_needs_a_csrf_token(client, verify_address, stored):
    verify_address()
    import io
    response = client.post("/agents/request", data={**agent_form(), "idempotency_key": "k" * 32,
                                                    "document": (io.BytesIO(pdf()), "a.pdf", "application/pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert stored() == ([], [])


def test_validation_messages_are_in_japanese_by_default(client, verify_address, submit_agent_form, stored):
    verify_address()
    response, _sent = submit_agent_form(agent_form(agent_name="", relationship=None, request_types=[],
                                                   subject_kana="yamada", agent_phone="12"), file=None)
    page = text_of(response.get_data(as_text=True))
    assert response.status_code == 400
    assert "お名前を入力してください" in page
    assert "委任状" in page  # the missing letter of authority
    assert "カタカナ" in page
    assert stored() == ([], [])


def test_validation_messages_follow_the_english_switch(client, verify_address, submit_agent_form, stored):
    verify_address()
    in_english(client)
    response, _sent = submit_agent_form(agent_form(agent_name="", relationship=None, request_types=[],
                                                   subject_emails="not-an-address", agent_phone="12"), file=None)
    page = text_of(response.get_data(as_text=True))
    assert response.status_code == 400
    for message in ("Please enter your full name.", "Please choose how you are authorised.",
                    "Please choose at least one request.", "This does not look like an email address: not-an-address",
                    "Please enter a phone number with its area code", "Please attach the letter of authority"):
        assert message in page, message


def test_a_name_alone_is_not_enough_to_find_the_person(client, verify_address, submit_agent_form, stored):
    verify_address()
    in_english(client)
    response, _sent = submit_agent_form(agent_form(subject_emails="", subject_birthdate=""))
    assert response.status_code == 400
    assert "Please give at least one of: an email address, a phone number" in text_of(response.get_data(as_text=True))
    assert stored() == ([], [])
