"""Proving the address: a mailed link or code, over a real SMTP server, with every way it can fail."""
from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from portal.common.time import utcnow
from portal.mail.models import OutboxMessage, OutboxStatus
from portal.verification.models import CustomerSession, EmailChallenge
from tests.fixtures.pages import post_page_form
from tests.fixtures.verification import read_mail


def _logged_in(client) -> bool:
    response = client.get("/verify/step-up")  # any customer-only page
    return response.status_code == 200 or response.headers.get("Location", "").startswith("/my/")


def _expire_all_challenges(sql) -> None:
    sql(sa.update(EmailChallenge).values(expires_at=utcnow() - timedelta(seconds=1)))


def _page_text(response) -> str:
    # The page without its per-session CSRF token, for comparing two answers.
    return re.sub(r'name="csrf_token"[^>]*value="[^"]+"', "", response.get_data(as_text=True))


# --- success ---

def test_following_the_mailed_link_logs_the_customer_in(client, hanako_on_record, ask_for_mail, verification_audit):
    mail = ask_for_mail("Hanako@Example.jp")
    assert "http://portal.test/verify/link/" in mail.text  # PORTAL_BASE_URL, not the request's host
    page = client.get(mail.link)
    assert page.status_code == 200 and "続ける" in page.get_data(as_text=True)
    response = post_page_form(client, mail.link)
    assert response.status_code == 302 and response.headers["Location"] == "/my/data"
    assert _logged_in(client)
    succeeded = [a for a in verification_audit() if a[0] == "verification.succeeded"]
    assert len(succeeded) == 1
    action, person_id, actor_id, details = succeeded[0]
    assert person_id is not None and actor_id == str(person_id)
    assert details == {"method": "link"}  # no address in the audit log


def test_the_link_works_from_another_device(app, client, hanako_on_record, ask_for_mail):
    mail = ask_for_mail()
    phone = app.test_client()
    assert post_page_form(phone, mail.link).headers["Location"] == "/my/data"
    assert _logged_in(phone) and not _logged_in(client)


def test_typing_the_code_logs_the_customer_in_and_returns_to_where_they_were(client, hanako_on_record, ask_for_mail):
    mail = ask_for_mail(next="/my/data?tab=consents")
    response = post_page_form(client, "/verify/code", {"code": mail.code})
    assert response.status_code == 302 and response.headers["Location"] == "/my/data?tab=consents"
    assert _logged_in(client)


def test_a_code_typed_with_full_width_digits_and_spaces_works(client, hanako_on_record, ask_for_mail):
    mail = ask_for_mail()
    typed = " ".join(mail.code[:3]) + "　" + mail.code[3:].translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert post_page_form(client, "/verify/code", {"code": typed}).status_code == 302
    assert _logged_in(client)


def test_next_pointing_off_site_is_ignored(client, hanako_on_record, ask_for_mail):
    mail = ask_for_mail(next="//evil.example/steal")
    assert post_page_form(client, mail.link).headers["Location"] == "/my/data"


def test_unknown_address_gets_the_same_answer_and_a_mail_that_works(app, client, hanako_on_record, ask_for_mail, verification_audit):
    other = app.test_client()
    known = post_page_form(client, "/verify", {"email": "hanako@example.jp"}, page="/verify", follow_redirects=True)
    unknown = post_page_form(other, "/verify", {"email": "nobody@example.jp"}, page="/verify", follow_redirects=True)
    assert known.status_code == unknown.status_code == 200
    assert _page_text(known) == _page_text(unknown)
    mail = ask_for_mail("stranger@example.jp")
    assert post_page_form(client, "/verify/code", {"code": mail.code}).status_code == 302
    assert _logged_in(client)
    succeeded = [a for a in verification_audit() if a[0] == "verification.succeeded"]
    assert succeeded[-1][1] is None  # logged in, matched to nobody


def test_the_mail_is_in_the_language_of_the_page(client, hanako_on_record, ask_for_mail, smtp_server):
    post_page_form(client, "/language", {"lang": "en", "next": "/verify"}, page="/")
    mail = ask_for_mail()
    assert smtp_server.messages[-1]["Subject"].startswith("Your link and code")
    assert "Open this link to continue" in mail.text


def test_asking_for_a_mail_succeeds_during_an_smtp_outage_and_tick_sends_it_later(
        client, runner, hanako_on_record, smtp_server, sql):
    with smtp_server.down():
        response = post_page_form(client, "/verify", {"email": "hanako@example.jp"}, page="/verify")
        assert response.status_code == 302 and response.headers["Location"] == "/verify/code"
        assert client.get("/verify/code").status_code == 200
        [(status, attempts)] = sql(sa.select(OutboxMessage.status, OutboxMessage.attempts))
        assert status == OutboxStatus.PENDING and attempts == 1
    sql(sa.update(OutboxMessage).values(next_attempt_at=utcnow()))
    assert runner.invoke(args=["tick"]).output.splitlines()[-1] == "mail: 1 sent"
    assert runner.invoke(args=["tick"]).output.splitlines()[-1] == "mail: nothing to send"
    [message] = smtp_server.messages
    assert post_page_form(client, "/verify/code", {"code": read_mail(message).code}).status_code == 302
    assert _logged_in(client)


# --- failures ---

def test_malformed_email_gets_a_clear_message_in_japanese_and_sends_nothing(client, smtp_server):
    response = post_page_form(client, "/verify", {"email": "taro@example"})
    assert response.status_code == 200
    assert "メールアドレスの形式になっていないようです" in response.get_data(as_text=True)
    assert smtp_server.messages == []


def test_malformed_email_gets_a_clear_message_in_english(client, smtp_server):
    post_page_form(client, "/language", {"lang": "en", "next": "/verify"}, page="/")
    response = post_page_form(client, "/verify", {"email": "taro at example.jp"})
    assert "This does not look like an email address" in response.get_data(as_text=True)
    assert smtp_server.messages == []


def test_tampered_link_says_it_is_no_longer_valid_in_japanese_and_english(client, hanako_on_record, ask_for_mail):
    mail = ask_for_mail()
    tampered = mail.link[:-3] + ("aaa" if not mail.link.endswith("aaa") else "bbb")
    page = client.get(tampered)
    assert page.status_code == 400
    assert "このリンクは無効になっています" in page.get_data(as_text=True)
    assert 'href="/verify"' in page.get_data(as_text=True)
    post_page_form(client, "/language", {"lang": "en", "next": "/"}, page="/")
    assert "This link is no longer valid" in client.get(tampered).get_data(as_text=True)
    assert not _logged_in(client)


def test_expired_link_and_code_no_longer_work(client, hanako_on_record, ask_for_mail, sql):
    mail = ask_for_mail()
    _expire_all_challenges(sql)
    assert client.get(mail.link).status_code == 400
    response = post_page_form(client, "/verify/code", {"code": mail.code})
    assert response.status_code == 400
    assert "このコードは無効になっています" in response.get_data(as_text=True)
    assert not _logged_in(client)


def test_a_link_works_only_once(app, client, hanako_on_record, ask_for_mail):
    mail = ask_for_mail()
    assert post_page_form(client, mail.link).status_code == 302
    again = app.test_client()
    assert again.get(mail.link).status_code == 400
    assert not _logged_in(again)


def test_a_code_works_only_once_and_not_after_its_link_was_used(app, client, hanako_on_record, ask_for_mail):
    mail = ask_for_mail()
    assert post_page_form(app.test_client(), mail.link).status_code == 302
    assert post_page_form(client, "/verify/code", {"code": mail.code}).status_code == 400
    assert not _logged_in(client)


def test_a_newer_mail_kills_the_older_link_and_code(client, hanako_on_record, ask_for_mail):
    first = ask_for_mail()
    second = ask_for_mail()
    assert client.get(first.link).status_code == 400
    if first.code != second.code:
        response = post_page_form(client, "/verify/code", {"code": first.code})
        assert response.status_code == 200 and not _logged_in(client)
    assert post_page_form(client, "/verify/code", {"code": second.code}).status_code == 302


def test_a_code_from_another_browser_session_fails_with_a_clear_message(app, hanako_on_record, ask_for_mail):
    mail = ask_for_mail()
    other = app.test_client()
    response = post_page_form(other, "/verify/code", {"code": mail.code})
    assert response.status_code == 400
    assert "メールをお申し込みいただいたブラウザ" in response.get_data(as_text=True)
    assert not _logged_in(other)


def test_five_wrong_codes_kill_the_challenge(client, hanako_on_record, ask_for_mail):
    mail = ask_for_mail()
    wrong = f"{(int(mail.code) + 1) % 1000000:06d}"
    for tries_left in (4, 3, 2, 1):
        page = post_page_form(client, "/verify/code", {"code": wrong})
        assert page.status_code == 200
        assert f"残り回数：{tries_left}回" in page.get_data(as_text=True)
    last = post_page_form(client, "/verify/code", {"code": wrong})
    assert last.status_code == 400 and "新しいメール" in last.get_data(as_text=True)
    assert post_page_form(client, "/verify/code", {"code": mail.code}).status_code == 400
    assert client.get(mail.link).status_code == 400
    assert not _logged_in(client)


def test_too_many_mails_for_one_address_get_a_429_page(client, hanako_on_record, ask_for_mail, smtp_server):
    for spelling in ("hanako@example.jp", "HANAKO@example.jp", "ｈａｎａｋｏ@example.jp", " hanako@example.jp", "Hanako@Example.JP"):
        ask_for_mail(spelling)
    response = post_page_form(client, "/verify", {"email": "hanako@example.jp"})
    assert response.status_code == 429
    assert "試行回数が上限に達しました" in response.get_data(as_text=True)
    assert len(smtp_server.messages) == 5
    # Another address from the same browser is not affected.
    assert post_page_form(client, "/verify", {"email": "taro@example.jp"}).status_code == 302


def test_too_many_mails_from_one_ip_get_a_429_page(client, smtp_server):
    for n in range(20):
        assert post_page_form(client, "/verify", {"email": f"person{n}@example.jp"}).status_code == 302
    response = post_page_form(client, "/verify", {"email": "person20@example.jp"})
    assert response.status_code == 429
    assert len(smtp_server.messages) == 20


# --- the session ---

def test_success_renews_the_session(app, client, hanako_on_record, ask_for_mail):
    mail = ask_for_mail()
    before = client.get_cookie("session").value
    post_page_form(client, "/verify/code", {"code": mail.code})
    after = client.get_cookie("session").value
    assert before != after
    replay = app.test_client()
    replay.set_cookie("session", before)
    assert not _logged_in(replay)
    assert _logged_in(client)


def test_fifteen_idle_minutes_log_the_customer_out(client, hanako_on_record, ask_for_mail, sql):
    mail = ask_for_mail()
    post_page_form(client, "/verify/code", {"code": mail.code})
    sql(sa.update(CustomerSession).values(last_seen_at=utcnow() - timedelta(minutes=16)))
    response = client.get("/my/data")
    assert response.status_code == 302 and response.headers["Location"].startswith("/verify")
    assert "15分" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert not _logged_in(client)


def test_log_out_needs_the_csrf_token_and_ends_the_session_for_good(app, client, hanako_on_record, ask_for_mail):
    mail = ask_for_mail()
    post_page_form(client, "/verify/code", {"code": mail.code})
    cookie = client.get_cookie("session").value
    assert client.post("/logout").status_code == 400
    assert _logged_in(client)
    page = client.get("/").get_data(as_text=True)
    assert 'action="/logout"' in page
    response = post_page_form(client, "/logout", page="/")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert not _logged_in(client)
    assert 'action="/logout"' not in client.get("/").get_data(as_text=True)
    replay = app.test_client()
    replay.set_cookie("session", cookie)
    assert not _logged_in(replay)


def test_landing_page_starts_at_the_mail_check(client):
    page = client.get("/").get_data(as_text=True)
    assert 'href="/verify"' in page
    assert 'action="/logout"' not in page


def test_tick_forgets_day_old_challenges_and_sessions(client, runner, hanako_on_record, ask_for_mail, sql):
    ask_for_mail()
    post_page_form(client, "/verify/code", {"code": ask_for_mail().code})
    long_ago = utcnow() - timedelta(days=2)
    sql(sa.update(EmailChallenge).values(created_at=long_ago, expires_at=long_ago))
    sql(sa.update(CustomerSession).values(last_seen_at=long_ago))
    output = runner.invoke(args=["tick"]).output
    assert "verification-cleanup: 2 old challenges and 1 old sessions deleted" in output
    assert sql(sa.select(sa.func.count()).select_from(EmailChallenge)) == [(0,)]
    assert sql(sa.select(sa.func.count()).select_from(CustomerSession)) == [(0,)]
