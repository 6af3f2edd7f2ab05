"""OpenDSR: vendors' tooling files access, portability and erasure requests and reads their status."""
from __future__ import annotations

import base64
import json
import uuid

from portal.dsr.models import DataRequest
from tests.fixtures.api import is_problem
from tests.inventory.records import PERSON


def opendsr_request(**more) -> dict:
    return {"subject_request_id": str(uuid.uuid4()), "subject_request_type": "erasure", "regulation": "gdpr",
            "submitted_time": "2026-01-05T10:00:00Z", "api_version": "0.2",
            "identities": [{"identity_type": "email", "identity_format": "raw", "identity_value": "john@example.com"}],
            "status_callback_urls": ["https://controller.example.com/opendsr/callbacks"], **more}


def test_an_erasure_request_is_filed_and_answered_in_opendsr_terms(app, api, token):
    sent = opendsr_request()
    response = api.post("/opendsr/requests", token=token, json=sent)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["subject_request_id"] == sent["subject_request_id"]
    assert json.loads(base64.b64decode(body["encoded_request"])) == sent
    assert body["expected_completion_time"] and body["received_time"] and body["controller_id"]

    status = api.get(f"/opendsr/requests/{sent['subject_request_id']}", token=token).get_json()
    assert status["request_status"] == "pending"
    detail = api.get(f"/requests/{status['reference']}", token=token).get_json()
    assert (detail["type"], detail["policy"], detail["channel"]) == ("erasure", "gdpr", "api")
    assert detail["received_at"].startswith("2026-01-05T10:00:00")


def test_status_follows_the_register(api, token):
    sent = opendsr_request(subject_request_type="access", regulation="ccpa")
    api.post("/opendsr/requests", token=token, json=sent)
    reference = api.get(f"/opendsr/requests/{sent['subject_request_id']}", token=token).get_json()["reference"]
    for to, expected in (("verified", "pending"), ("in_progress", "in_progress"), ("completed", "completed")):
        api.post(f"/requests/{reference}/transitions", token=token, json={"to": to})
        assert api.get(f"/opendsr/requests/{sent['subject_request_id']}",
                       token=token).get_json()["request_status"] == expected


def test_portability_is_a_disclosure_in_a_portable_format(api, token):
    sent = opendsr_request(subject_request_type="portability")
    api.post("/opendsr/requests", token=token, json=sent)
    reference = api.get(f"/opendsr/requests/{sent['subject_request_id']}", token=token).get_json()["reference"]
    detail = api.get(f"/requests/{reference}", token=token).get_json()
    assert detail["type"] == "disclosure" and detail["details"]["format"] == "portable"


def test_a_controller_customer_id_finds_the_person(api, token, import_lines):
    import_lines(PERSON)
    sent = opendsr_request(identities=[{"identity_type": "controller_customer_id", "identity_format": "raw",
                                        "identity_value": "C-000123"}])
    api.post("/opendsr/requests", token=token, json=sent)
    reference = api.get(f"/opendsr/requests/{sent['subject_request_id']}", token=token).get_json()["reference"]
    assert api.get(f"/requests/{reference}", token=token).get_json()["person_key"] == "C-000123"


def test_sending_the_same_request_again_files_it_once(api, token, count_rows):
    sent = opendsr_request()
    assert api.post("/opendsr/requests", token=token, json=sent).status_code == 201
    assert api.post("/opendsr/requests", token=token, json=sent).status_code == 201
    assert count_rows(DataRequest) == 1


def test_bad_requests_are_400_problems_with_the_opendsr_error_object(api, token, count_rows):
    body = is_problem(api.post("/opendsr/requests", token=token, json=opendsr_request(subject_request_type="delete")),
                      400, "validation-failed")
    assert body["error"]["code"] == 400
    assert "/subject_request_type" in body["error"]["errors"][0]["message"]
    hashed = opendsr_request(identities=[{"identity_type": "email", "identity_format": "sha256",
                                          "identity_value": "ab" * 32}])
    is_problem(api.post("/opendsr/requests", token=token, json=hashed), 400, "validation-failed")
    assert count_rows(DataRequest) == 0


def test_an_unknown_id_is_404(api, token):
    is_problem(api.get(f"/opendsr/requests/{uuid.uuid4()}", token=token), 404, "not-found")


def test_a_pending_request_can_be_cancelled_and_then_reads_cancelled(api, token):
    sent = opendsr_request()
    api.post("/opendsr/requests", token=token, json=sent)
    url = f"/api/v1/opendsr/requests/{sent['subject_request_id']}"
    response = api.client.delete(url, headers=token.headers)
    assert response.status_code == 202 and response.get_json()["subject_request_id"] == sent["subject_request_id"]
    assert api.client.delete(url, headers=token.headers).status_code == 202  # the same answer again
    assert api.get(f"/opendsr/requests/{sent['subject_request_id']}", token=token).get_json()["request_status"] \
        == "cancelled"


def test_a_request_in_progress_cannot_be_cancelled(api, token):
    sent = opendsr_request()
    api.post("/opendsr/requests", token=token, json=sent)
    reference = api.get(f"/opendsr/requests/{sent['subject_request_id']}", token=token).get_json()["reference"]
    for to in ("verified", "in_progress"):
        api.post(f"/requests/{reference}/transitions", token=token, json={"to": to})
    response = api.client.delete(f"/api/v1/opendsr/requests/{sent['subject_request_id']}", headers=token.headers)
    is_problem(response, 409, "conflict")
