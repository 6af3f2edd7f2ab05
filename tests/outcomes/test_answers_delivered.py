"""Answers are delivered, or someone knows they were not: every mail is valid RFC 5322 (no
line over 998 octets), held items are said once per kind, a permanent refusal stops the
retries and shows on the request page, in the queue and on the dashboard until staff deal
with it, a temporary one is retried later, and every attempt carries one Message-ID."""
from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from portal.common.time import utcnow
from portal.dsr.models import DataRequest
from portal.extensions import db
from portal.mail import smtp
from portal.mail.models import OutboxMessage, OutboxStatus
from portal.mail.services import deliver_due, queue_mail
from tests.fixtures.casework import SEEN_INPUT, VERSION_INPUT
from tests.fixtures.pages import csrf_from
from tests.customer.records import HANAKO, HANAKO_VALUES, PURPOSES, SOURCES, customer_records
from tests.fixtures.pages import text_of

HOLD_REASON = "法人税法により取引記録を7年間保存する義務があるため"
# A staff answer written as one long paragraph: 1,500 characters, 4,500 octets in UTF-8.
LONG_ANSWER = "ご依頼いただいた消去について、" + "ご説明いたします。" * 165


def _outbox(read, **where):
    return read(lambda: [(m.id, m.status, m.attempts, m.smtp_code, m.message_id, m.request_id, m.next_attempt_at)
                         for m in db.session.scalars(sa.select(OutboxMessage).filter_by(**where)
                                                     .order_by(OutboxMessage.id))])


def _make_due(read, ago: timedelta) -> None:
    def update():
        db.session.execute(sa.update(OutboxMessage).values(next_attempt_at=utcnow() - ago))
        db.session.commit()
    read(update)


def _tick(runner) -> str:
    result = runner.invoke(args=["tick"])
    return next(line for line in result.output.splitlines() if line.startswith("mail: "))


def test_an_erasure_with_fifty_held_lines_arrives_as_valid_mail_that_says_the_hold_once(
        app, client, import_lines, runner, read, file_case, login_as, act, smtp_server):
    import_lines(*SOURCES, *PURPOSES, *customer_records(HANAKO, HANAKO_VALUES, purchases=50))
    held = runner.invoke(args=["legal-hold", "--category", "purchase", "--person", HANAKO, "--until", "2032-03-31",
                               "--reason", HOLD_REASON])
    assert held.exit_code == 0, held.output
    person_id = read(lambda: db.session.scalar(sa.text("select id from person where key = :k"), {"k": HANAKO}))
    case = file_case(type="erasure", person_id=person_id, status="in_progress", email=HANAKO_VALUES["email"],
                     details={"scope": "all", "ground": "no_longer_needed"})
    login_as("agent")

    assert act(case, "complete", scope="all", confirmed="yes", answer=LONG_ANSWER).status_code == 302

    [raw] = smtp_server.raw
    assert max(len(line) for line in raw.split(b"\r\n")) <= smtp.MAX_LINE_OCTETS
    [mail] = smtp_server.to(HANAKO_VALUES["email"])
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert LONG_ANSWER in text  # the long paragraph arrives whole, transfer-encoded
    assert text.count(HOLD_REASON) == 1
    assert "購入履歴 50件（" + HOLD_REASON + "、2032年3月31日まで）" in text
    [row] = _outbox(read)
    assert row[1] is OutboxStatus.SENT and mail["Message-ID"] == row[4]


def test_a_permanent_refusal_stops_retrying_and_shows_until_staff_answer_another_way(
        app, client, hanako, runner, read, file_case, login_as, act, smtp_server):
    case = file_case(type="erasure", person_id=hanako, status="in_progress", email=HANAKO_VALUES["email"],
                     details={"scope": "chosen", "categories": ["device"], "ground": "no_longer_needed"})
    login_as("manager")
    smtp_server.rejecting = True

    assert act(case, "complete", scope="chosen", category="purchase", confirmed="yes").status_code == 302

    [(mail_id, status, attempts, code, _mid, request_id, _next)] = _outbox(read)
    assert (status, attempts, code, request_id) == (OutboxStatus.FAILED, 1, 550, case.id)
    _make_due(read, timedelta(hours=2))
    assert _tick(runner) == "mail: nothing to send"  # failed for good: no retry, ever
    assert _outbox(read)[0][2] == 1

    page = text_of(client.get(f"/staff/requests/{case.reference}"))
    assert "請求者に当社のメールが届いていません" in page and "コード 550" in page
    assert f"件名：【{case.reference}】" in page  # rendered by the sender before it tried
    queue = client.get("/staff/?status=any&undelivered=1").get_data(as_text=True)
    assert case.reference in queue and "回答未達" in queue
    assert case.reference in client.get("/staff/?risk=1").get_data(as_text=True)  # "at risk", though completed
    assert "未達の回答" in text_of(client.get("/staff/"))  # and a tab of their own beside it
    assert "回答未達" not in client.get("/staff/?status=any&q=MG-0000-000000").get_data(as_text=True)
    dashboard = client.get("/staff/reports").get_data(as_text=True)
    assert re.search(r'id="undelivered".*?status=any&amp;undelivered=1">1</a>', dashboard, re.S)

    html = client.get(f"/staff/requests/{case.reference}").get_data(as_text=True)
    response = client.post(f"/staff/requests/{case.reference}/answered-otherwise", data={
        "csrf_token": csrf_from(html), "version": VERSION_INPUT.search(html).group(1),
        "seen": SEEN_INPUT.search(html).group(1), "mail": str(mail_id), "note": "12月8日に電話で回答しました。"})
    assert response.status_code == 302

    settled = read(lambda: (lambda m: (m.settled_at is not None, m.settlement))(db.session.get(OutboxMessage, mail_id)))
    assert settled == (True, "answered_otherwise")
    assert "請求者に当社のメールが届いていません" not in text_of(client.get(f"/staff/requests/{case.reference}"))
    assert case.reference not in client.get("/staff/?status=any&undelivered=1").get_data(as_text=True)
    assert case.reference not in client.get("/staff/?risk=1").get_data(as_text=True)
    assert re.search(r'id="undelivered".*?undelivered=1">0</a>', client.get("/staff/reports").get_data(as_text=True),
                     re.S)
    assert "12月8日に電話で回答しました。" in text_of(client.get(f"/staff/requests/{case.reference}"))


def test_an_answer_that_could_not_be_written_for_a_day_shows_as_undelivered_without_a_subject(
        app, client, hanako, runner, read, file_case, login_as, smtp_server):
    case = file_case(type="erasure", person_id=hanako, status="in_progress", email=HANAKO_VALUES["email"])

    def queue_broken_mail():  # a release whose template does not render, for a whole day
        message = queue_mail(to=HANAKO_VALUES["email"], template="no_such_template", language="ja",
                             kind="dsr.completed", request_id=case.id, render_when_sent=True)
        message.created_at = utcnow() - timedelta(days=1, minutes=1)
        db.session.commit()
    read(queue_broken_mail)

    assert _tick(runner) == "mail: 1 gave up"
    assert smtp_server.messages == []
    login_as("agent")
    page = text_of(client.get(f"/staff/requests/{case.reference}"))
    assert "請求者に当社のメールが届いていません" in page
    assert "件名" not in page and "None" not in page


def test_staff_resend_an_undelivered_answer_and_it_arrives(
        app, client, hanako, read, file_case, login_as, act, smtp_server):
    case = file_case(type="erasure", person_id=hanako, status="in_progress", email=HANAKO_VALUES["email"],
                     details={"scope": "chosen", "categories": ["purchase"], "ground": "no_longer_needed"})
    login_as("agent")
    smtp_server.rejecting = True
    act(case, "complete", scope="chosen", category="purchase", confirmed="yes")
    [failed] = _outbox(read)
    smtp_server.rejecting = False  # the address was fixed on the receiving side

    html = client.get(f"/staff/requests/{case.reference}").get_data(as_text=True)
    response = client.post(f"/staff/requests/{case.reference}/resend", data={
        "csrf_token": csrf_from(html), "version": VERSION_INPUT.search(html).group(1),
        "seen": SEEN_INPUT.search(html).group(1), "mail": str(failed[0])})
    assert response.status_code == 302

    [mail] = smtp_server.to(HANAKO_VALUES["email"])
    assert case.reference in mail["Subject"]
    first, again = _outbox(read)
    assert again[1] is OutboxStatus.SENT and mail["Message-ID"] == again[4] != first[4]
    assert "請求者に当社のメールが届いていません" not in text_of(client.get(f"/staff/requests/{case.reference}"))


def test_a_temporary_refusal_is_retried_later_with_the_same_message_id(
        app, hanako, runner, read, file_case, login_as, act, smtp_server):
    case = file_case(type="erasure", person_id=hanako, status="in_progress", email=HANAKO_VALUES["email"],
                     details={"scope": "chosen", "categories": ["purchase"], "ground": "no_longer_needed"})
    login_as("agent")
    smtp_server.refusing = True

    act(case, "complete", scope="chosen", category="purchase", confirmed="yes")

    [(mail_id, status, attempts, code, message_id, _req, next_at)] = _outbox(read)
    assert (status, attempts, code) == (OutboxStatus.PENDING, 1, 451) and next_at > utcnow()
    assert message_id and message_id.startswith("<") and message_id.endswith("@example.jp>")
    smtp_server.refusing = False
    _make_due(read, timedelta(seconds=1))
    assert _tick(runner) == "mail: 1 sent"
    # A worker that died after the server's "250" sends the row again: the copy is recognisable.
    read(lambda: smtp.send(db.session.get(OutboxMessage, mail_id)))
    first, second = smtp_server.to(HANAKO_VALUES["email"])
    assert first["Message-ID"] == second["Message-ID"] == message_id



def test_only_the_assignee_or_a_manager_settles_an_undelivered_answer(
        app, hanako, read, file_case, create_staff, login_staff, smtp_server):
    kato, sato = create_staff("agent", name="Colleague Kato"), create_staff("agent", name="Other Sato")
    case = file_case(type="erasure", person_id=hanako, status="in_progress", email=HANAKO_VALUES["email"],
                     assignee_id=kato.id,
                     details={"scope": "chosen", "categories": ["purchase"], "ground": "no_longer_needed"})
    smtp_server.rejecting = True
    owner = app.test_client()
    login_staff(owner, kato)
    html = owner.get(f"/staff/requests/{case.reference}").get_data(as_text=True)
    owner.post(f"/staff/requests/{case.reference}/complete", data={
        "csrf_token": csrf_from(html), "version": VERSION_INPUT.search(html).group(1),
        "seen": SEEN_INPUT.search(html).group(1), "scope": "chosen", "category": "purchase", "confirmed": "yes"})
    [failed] = _outbox(read)

    other = app.test_client()
    login_staff(other, sato)
    page = other.get(f"/staff/requests/{case.reference}").get_data(as_text=True)
    assert "請求者に当社のメールが届いていません" in page and "/answered-otherwise" not in page
    refused = other.post(f"/staff/requests/{case.reference}/answered-otherwise", data={
        "csrf_token": csrf_from(page), "version": VERSION_INPUT.search(page).group(1) if VERSION_INPUT.search(page)
        else str(case.version + 2), "mail": str(failed[0]), "note": "電話で回答"})
    assert refused.status_code in (409, 422)
    assert read(lambda: db.session.get(OutboxMessage, failed[0]).settled_at) is None
