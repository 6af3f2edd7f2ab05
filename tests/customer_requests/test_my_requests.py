"""My requests: the list, one request with its timeline and messages, replies, withdrawal, and
the mail that follows every staff action; someone else's request is "not found"."""
import re

import sqlalchemy as sa

from portal.audit.services import Actor
from portal.dsr import services as dsr
from portal.dsr.models import DataRequest
from portal.dsr.notifications import notify_requester
from portal.dsr.status import RequestStatus
from portal.extensions import db
from tests.customer.helpers import text_of
from tests.fixtures.pages import in_english
from tests.customer.records import HANAKO_VALUES, JIRO
from tests.fixtures.customer_requests import japanese_date, mail_text

STAFF = Actor("staff", 7)


def _staff(app, reference: str, action) -> None:
    """Do something as staff to the request and mail the requester, as the staff pages will."""
    with app.app_context():
        request = db.session.scalar(sa.select(DataRequest).where(DataRequest.reference == reference))
        notify_requester(action(request))
        db.session.commit()


def _file(submit, requests_of, person_id, kind="erasure", **form):
    submit(f"/my/requests/new/{kind}", {"scope": "all", "ground": "no_longer_needed", **form})
    return requests_of(person_id)[-1]


def test_the_list_shows_each_request_newest_first_with_status_and_due_date(client, hanako, submit, requests_of):
    first = _file(submit, requests_of, hanako)
    second = _file(submit, requests_of, hanako, kind="disclosure", format="post")
    html = client.get("/my/requests").get_data(as_text=True)
    assert html.index(second.reference) < html.index(first.reference)
    text = text_of(html)
    assert "消去" in text and "回答期限" in text and japanese_date(first.due_at) in text


def test_another_persons_request_is_not_found(app, client, hanako, login_customer, submit, requests_of,
                                              person_id_of):
    # 佐藤 次郎 files a request in his own browser.
    jiro_browser = app.test_client()
    login_customer(jiro_browser, "jiro@example.jp", stepped_up=True)
    from tests.fixtures.customer_requests import form_fields

    fields = {k: v[0] for k, v in form_fields(jiro_browser.get("/my/requests/new/erasure").get_data(as_text=True)).items()}
    jiro_browser.post("/my/requests/new/erasure", data={**fields, "scope": "all", "ground": "leak"})
    [his] = requests_of(person_id_of(JIRO))
    for url in (f"/my/requests/{his.reference}", f"/my/requests/{his.reference}/withdraw"):
        assert client.get(url).status_code == 404
    assert submit("/my/consents", {"body": "x"}, url=f"/my/requests/{his.reference}/reply").status_code == 404
    assert his.reference not in client.get("/my/requests").get_data(as_text=True)
    assert client.get("/my/requests/MG-2026-999999").status_code == 404
    assert client.get("/my/requests/not-a-reference").status_code == 404


def test_a_customer_withdraws_an_open_request_after_confirming(app, client, hanako, submit, smtp_server, requests_of):
    request = _file(submit, requests_of, hanako)
    confirm = client.get(f"/my/requests/{request.reference}/withdraw")
    assert "ご請求を取り下げますか？" in text_of(confirm.get_data(as_text=True))
    submit(f"/my/requests/{request.reference}/withdraw", {})
    [request] = requests_of(hanako)
    assert request.status is RequestStatus.WITHDRAWN
    withdrawn_mail = smtp_server.to(HANAKO_VALUES["email"])[-1]
    assert request.reference in withdrawn_mail["Subject"]
    page = text_of(client.get(f"/my/requests/{request.reference}").get_data(as_text=True))
    assert "取下げ" in page and "ご請求は取り下げられました。" in page
    assert "このご請求を取り下げる" not in page and "当社へのメッセージ" not in page
    # Closed: no reply box, no withdraw button, and the withdraw page sends back.
    assert client.get(f"/my/requests/{request.reference}/withdraw").status_code == 302


def test_staff_messages_arrive_by_mail_and_the_reply_resumes_the_request(app, client, hanako, submit, smtp_server,
                                                                         requests_of):
    request = _file(submit, requests_of, hanako, kind="disclosure", format="electronic")
    _staff(app, request.reference, lambda r: dsr.ask_requester(r, body="ご住所の確認のため、郵便番号を教えてください。", actor=STAFF))

    mail = smtp_server.to(HANAKO_VALUES["email"])[-1]
    body = mail_text(mail)
    assert "ご住所の確認のため、郵便番号を教えてください。" in body
    assert f"http://portal.test/my/requests/{request.reference}" in body
    assert len(smtp_server.to(HANAKO_VALUES["email"])) == 2  # receipt + one mail for the question

    page = text_of(client.get(f"/my/requests/{request.reference}").get_data(as_text=True))
    assert "ご住所の確認のため" in page
    submit(f"/my/requests/{request.reference}", {"body": "105-0000 です。"}, url=f"/my/requests/{request.reference}/reply")
    [request] = requests_of(hanako)
    assert request.status is RequestStatus.IN_PROGRESS
    assert "105-0000 です。" in text_of(client.get(f"/my/requests/{request.reference}").get_data(as_text=True))
    assert len(smtp_server.to(HANAKO_VALUES["email"])) == 2  # her own reply sends her nothing


def test_every_status_change_is_mailed_with_reasons(app, client, hanako, submit, smtp_server, requests_of):
    in_english(client)
    request = _file(submit, requests_of, hanako, residence="eu")
    _staff(app, request.reference, lambda r: dsr.transition(r, "in_progress", actor=STAFF))
    _staff(app, request.reference, lambda r: dsr.extend_deadline(r, reason="Many systems to search", amount=1, actor=STAFF))
    _staff(app, request.reference, lambda r: dsr.transition(r, "rejected", reason="We must keep invoices for 7 years", actor=STAFF))
    subjects = [m["Subject"] for m in smtp_server.to(HANAKO_VALUES["email"])]
    assert subjects == [f"[{request.reference}] We have received your request",
                        f"[{request.reference}] We are working on your request",
                        f"[{request.reference}] We need more time for your request",
                        f"[{request.reference}] Our answer to your request"]
    extension, rejection = (mail_text(m) for m in smtp_server.to(HANAKO_VALUES["email"])[2:])
    [request] = requests_of(hanako)
    assert "Many systems to search" in extension and request.due_at.astimezone().year >= 2026
    assert "We must keep invoices for 7 years" in rejection
    page = text_of(client.get(f"/my/requests/{request.reference}").get_data(as_text=True))
    assert "We must keep invoices for 7 years" in page and "Rejected" in page


def test_a_reply_needs_text(client, hanako, submit, requests_of):
    in_english(client)
    request = _file(submit, requests_of, hanako)
    response = submit(f"/my/requests/{request.reference}", {"body": "   "}, url=f"/my/requests/{request.reference}/reply")
    assert response.status_code == 400 and "Please write your reply." in text_of(response.get_data(as_text=True))


def test_every_post_needs_the_csrf_token(client, hanako, submit, requests_of):
    for url in ("/my/requests/new/erasure", "/my/requests/new/correction", "/my/consents"):
        assert client.post(url, data={"scope": "all", "ground": "leak", "change": "stop_all"}).status_code == 400
    assert requests_of(hanako) == []
    request = _file(submit, requests_of, hanako)
    for url in (f"/my/requests/{request.reference}/reply", f"/my/requests/{request.reference}/withdraw"):
        assert client.post(url, data={"body": "こんにちは"}).status_code == 400
    [after] = requests_of(hanako)
    assert after.status is RequestStatus.VERIFIED and after.version_id == request.version_id  # untouched


def test_form_errors_in_japanese_and_english(client, hanako, submit, requests_of):
    page = text_of(submit("/my/requests/new/erasure", {"ground": "", "scope": "chosen"}).get_data(as_text=True))
    assert "いちばん近い理由を選んでください。" in page and "1つ以上選ぶか、「すべて」を選んでください。" in page
    in_english(client)
    page = text_of(submit("/my/requests/new/erasure", {"ground": "", "scope": "chosen"}).get_data(as_text=True))
    assert "Please choose the reason that fits best." in page
    assert "Please tick at least one, or choose “everything”." in page
    assert requests_of(hanako) == []


def test_a_download_is_a_completed_disclosure_listed_apart_from_the_requests(client, hanako, requests_of):
    in_english(client)
    for _ in range(3):
        assert client.get("/my/download.json").status_code == 200
    downloads = requests_of(hanako)
    assert len(downloads) == 3
    for request in downloads:
        assert request.type.value == "disclosure" and request.status is RequestStatus.COMPLETED
        assert request.details == {"self_service": True, "format": "json"}
    page = client.get("/my/requests").get_data(as_text=True)
    assert 'class="card request"' not in page  # no request filed: the list stays empty
    assert "You have not made any requests yet." in text_of(page)
    downloads_section = text_of(page.split('id="downloads"')[1])
    assert "3 downloads, the latest on" in downloads_section
    assert all(request.reference in downloads_section for request in downloads)


def test_a_tampered_withdraw_form_changes_nothing_and_never_fails(app, client, hanako, submit, requests_of):
    """A version field of blanks (found by the property tests) is a page opened elsewhere, not a 500."""
    request = _file(submit, requests_of, hanako)
    response = submit(f"/my/requests/{request.reference}/withdraw", {"version": " "}, follow=True)
    assert response.status_code == 200
    [request] = requests_of(hanako)
    assert request.status is not RequestStatus.WITHDRAWN


def test_an_answered_request_shows_where_it_stands_and_where_to_complain(app, client, hanako, requests_of):
    in_english(client)
    assert client.get("/my/download.json").status_code == 200
    [request] = requests_of(hanako)
    page = client.get(f"/my/requests/{request.reference}").get_data(as_text=True)
    tracker = page.split('class="steps-tracker"')[1].split("</ol>")[0]
    assert tracker.count('class="done"') == 3 and 'aria-current="step"' in tracker  # answered is the step now
    complaints = text_of(page.split('id="complaints"')[1])
    assert "0120-000-000" in complaints and "privacy@example.jp" in complaints  # every channel of the desk
    assert "Sample Personal Information Protection Association" in complaints
    assert "Personal Information Protection Commission" in complaints


def test_a_form_with_errors_lists_them_first_with_links_to_the_fields(client, hanako, submit, requests_of):
    in_english(client)
    page = submit("/my/requests/new/erasure", {"ground": "", "scope": "chosen"}).get_data(as_text=True)
    summary = page.split('id="error-summary"')[1].split("</div>")[0]
    assert page.index('id="error-summary"') < page.index("<form method=\"post\"")  # above the form
    assert "autofocus" in page.split('id="error-summary"')[0].rsplit("<div", 1)[1] + summary.split(">")[0]
    links = re.findall(r'<a href="#([\w-]+)">([^<]+)</a>', summary)
    assert ("ground-0", "Please choose the reason that fits best.") in links  # its first choice
    ids = set(re.findall(r'id="([\w-]+)"', page))
    assert all(field_id in ids for field_id, _ in links)  # every link lands on a field
    assert requests_of(hanako) == []
