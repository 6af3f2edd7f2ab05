"""Each kind of request filed from its form, end to end: the register, the receipt over real
SMTP (reference, what happens next, due date, a link to the portal) and the customer's pages."""
import pytest

from portal.dsr.models import RequestType
from portal.dsr.status import RequestStatus
from tests.customer.helpers import text_of
from tests.fixtures.pages import in_english
from tests.customer.records import HANAKO_VALUES
from tests.fixtures.customer_requests import japanese_date, mail_text

CASES = [
    ("disclosure", {"format": "electronic", "note": "全部まとめて見たいです"},
     {"format": "electronic", "note": "全部まとめて見たいです"}),
    ("provision_records", {"format": "post"}, {"format": "post", "note": None}),
    ("suspension", {"scope": "chosen", "targets": ["purchase", "contact"], "ground": "no_longer_needed"},
     {"scope": "chosen", "categories": ["contact", "purchase"], "ground": "no_longer_needed", "note": None}),
    ("erasure", {"scope": "all", "ground": "improperly_obtained", "note": "名簿業者から買ったのでは？"},
     {"scope": "all", "categories": [], "ground": "improperly_obtained", "note": "名簿業者から買ったのでは？"}),
    # Hanako's data went only to a contractor (業務委託), which is no third party: nothing to pick.
    ("stop_provision", {"scope": "all", "ground": "provided_without_consent"},
     {"scope": "all", "recipients": [], "ground": "provided_without_consent", "note": None}),
]


@pytest.mark.parametrize("kind, form, details", CASES, ids=[case[0] for case in CASES])
def test_a_request_is_filed_verified_and_confirmed_by_mail(client, hanako, submit, smtp_server, requests_of,
                                                          kind, form, details):
    response = submit(f"/my/requests/new/{kind}", form)

    [request] = requests_of(hanako)
    assert response.status_code == 302 and response.headers["Location"] == f"/my/requests/{request.reference}"
    assert request.type is RequestType(kind) and request.status is RequestStatus.VERIFIED
    assert request.details == details
    assert request.jurisdiction.value == "appi" and request.due_at is not None

    [mail] = smtp_server.to(HANAKO_VALUES["email"])
    body = mail_text(mail)
    assert request.reference in mail["Subject"] and request.reference in body
    assert japanese_date(request.due_at) in body  # the due date
    assert f"http://portal.test/my/requests/{request.reference}" in body  # PORTAL_BASE_URL, not the request's host

    page = text_of(client.get(response.headers["Location"]).get_data(as_text=True))
    assert request.reference in page and japanese_date(request.due_at) in page
    assert japanese_date(request.due_at) in text_of(client.get("/my/requests").get_data(as_text=True))


def test_the_receipt_says_what_happens_next_in_the_customers_language(client, hanako, submit, smtp_server, requests_of):
    in_english(client)
    submit("/my/requests/new/erasure", {"scope": "all", "ground": "no_longer_needed"})
    [request] = requests_of(hanako)
    assert request.language.value == "en"
    [mail] = smtp_server.to(HANAKO_VALUES["email"])
    body = mail_text(mail)
    assert mail["Subject"] == f"[{request.reference}] We have received your request"
    assert "Our staff will now look at it and answer by" in body
    assert "Erasure" in body and "You no longer need my data for the purposes you told me" in body


def test_the_residence_chooses_the_policy(client, hanako, submit, requests_of):
    submit("/my/requests/new/disclosure", {"residence": "eu"})
    submit("/my/requests/new/disclosure", {"residence": "us-ca"})
    submit("/my/requests/new/disclosure", {"residence": "other"})
    assert [r.jurisdiction.value for r in requests_of(hanako)] == ["gdpr", "ccpa", "appi"]


def test_a_ccpa_receipt_mail_is_the_confirmation_of_receipt(client, hanako, submit, requests_of):
    submit("/my/requests/new/disclosure", {"residence": "us-ca"})
    [request] = requests_of(hanako)
    assert request.acknowledged_at == request.received_at
    assert request.acknowledged_at <= request.acknowledge_due_at


def test_a_double_submit_files_one_request_and_sends_one_mail(client, hanako, submit, smtp_server, requests_of):
    html = client.get("/my/requests/new/erasure").get_data(as_text=True)
    from tests.fixtures.customer_requests import form_fields

    fields = {name: values[0] for name, values in form_fields(html).items()}
    fields.update(scope="all", ground="leak")
    first = client.post("/my/requests/new/erasure", data=fields)
    second = client.post("/my/requests/new/erasure", data=fields)
    [request] = requests_of(hanako)
    assert first.headers["Location"] == second.headers["Location"] == f"/my/requests/{request.reference}"
    assert len(smtp_server.to(HANAKO_VALUES["email"])) == 1
    page = text_of(client.get(second.headers["Location"]).get_data(as_text=True))
    assert f"このご請求は既にお受けしています（{request.reference}）" in page
