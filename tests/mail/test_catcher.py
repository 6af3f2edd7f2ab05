"""The development mail catcher: catches what the portal sends and shows it, Japanese intact."""
from __future__ import annotations

import signal
import smtplib
import subprocess
import sys
import urllib.error
import urllib.request
from email.header import Header
from email.message import EmailMessage
from email.mime.text import MIMEText
from pathlib import Path

import pytest

from portal.mail.catcher import Catcher, Mailbox, linkify

LOGIN_URL = "http://127.0.0.1:5000/login/confirm?token=abc&lang=ja"
# Nothing in these tests may go through a proxy the environment happens to configure.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture
def catcher(tmp_path):
    console: list[str] = []
    running = Catcher(smtp_port=0, http_port=0, maildir=tmp_path / "mailbox", announce=console.append)
    running.console = console
    running.start()
    yield running
    running.stop()


def login_mail(to: str = "山田 花子 <hanako@example.jp>", subject: str = "【窓口】ログイン用リンクのお知らせ") -> EmailMessage:
    """What the portal sends: multipart text + HTML, Japanese subject and body."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = "窓口 Madoguchi <privacy@example.jp>"
    message["To"] = to
    message.set_content(f"山田 花子 様\n\n次のリンクを開いてログインしてください：\n{LOGIN_URL}\n\n窓口")
    message.add_alternative(f'<p>山田 花子 様</p><p><a href="{LOGIN_URL}">ログインする</a></p>', subtype="html")
    return message


def send(catcher: Catcher, message) -> None:
    with smtplib.SMTP("127.0.0.1", catcher.smtp_port, local_hostname="localhost", timeout=5) as smtp:
        smtp.send_message(message)


def get(catcher: Catcher, path: str):
    response = _opener.open(f"{catcher.inbox_url.rstrip('/')}{path}", timeout=5)
    return response, response.read().decode("utf-8")


def test_inbox_lists_decoded_japanese_subjects_newest_first(catcher):
    send(catcher, login_mail(subject="【窓口】ログイン用リンクのお知らせ"))
    send(catcher, login_mail(to="taro@example.jp", subject="【窓口】ご請求を受け付けました"))
    _, page = get(catcher, "/")
    assert "=?utf-8?" not in page.lower()  # no undecoded MIME words
    newer, older = page.index("【窓口】ご請求を受け付けました"), page.index("【窓口】ログイン用リンクのお知らせ")
    assert newer < older
    assert "taro@example.jp" in page and "hanako@example.jp" in page
    assert 'href="/mail/1"' in page and 'href="/mail/2"' in page


def test_message_page_shows_the_text_body_with_a_clickable_link(catcher):
    send(catcher, login_mail())
    _, page = get(catcher, "/mail/1")
    assert "次のリンクを開いてログインしてください" in page
    escaped = LOGIN_URL.replace("&", "&amp;")
    assert f'<a href="{escaped}">{escaped}</a>' in page
    assert 'href="/mail/1/html"' in page  # the HTML part is one click away


def test_html_part_is_served_sandboxed_with_its_links(catcher):
    send(catcher, login_mail())
    response, page = get(catcher, "/mail/1/html")
    assert "ログインする" in page and LOGIN_URL in page
    assert response.headers["Content-Security-Policy"].startswith("sandbox")


def test_iso_2022_jp_mail_is_decoded():
    """Older Japanese mailers send ISO-2022-JP bodies and encoded-word subjects."""
    legacy = MIMEText(f"こんにちは。\n{LOGIN_URL}\n", "plain", "iso-2022-jp")
    legacy["Subject"] = Header("ご本人確認のお願い", "iso-2022-jp")
    legacy["To"] = "hanako@example.jp"
    mail = Mailbox(None).add(legacy.as_bytes())
    assert mail.subject == "ご本人確認のお願い"
    assert mail.body("plain").startswith("こんにちは。")
    assert mail.body("html") is None


def test_each_mail_is_printed_and_kept_as_an_eml_file_that_survives_a_restart(catcher, tmp_path):
    send(catcher, login_mail())
    assert len(catcher.console) == 1
    assert "hanako@example.jp" in catcher.console[0] and "ログイン用リンク" in catcher.console[0]
    files = list((tmp_path / "mailbox").glob("*.eml"))
    assert len(files) == 1
    reloaded = Mailbox(tmp_path / "mailbox").newest_first()
    assert [m.subject for m in reloaded] == ["【窓口】ログイン用リンクのお知らせ"]


def test_unknown_mail_is_not_found(catcher):
    with pytest.raises(urllib.error.HTTPError) as error:
        get(catcher, "/mail/99")
    assert error.value.code == 404


def test_linkify_escapes_text_and_keeps_trailing_punctuation_outside_the_link():
    html = linkify("<b>次へ</b>：https://example.jp/a?b=1&c=2。(see https://example.jp/x).")
    assert "<b>" not in html
    assert '<a href="https://example.jp/a?b=1&amp;c=2">' in html
    assert '<a href="https://example.jp/x">https://example.jp/x</a>).' in html


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_command_line_catcher_catches_mail_and_stops_cleanly_on(signum, tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "portal.mail.catcher", "--smtp-port", "0", "--http-port", "0",
         "--maildir", str(tmp_path / "mailbox")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        ready = process.stdout.readline()
        assert "SMTP on 127.0.0.1:" in ready, ready
        smtp_port = int(ready.split("SMTP on 127.0.0.1:")[1].split(",")[0])
        with smtplib.SMTP("127.0.0.1", smtp_port, local_hostname="localhost", timeout=5) as smtp:
            smtp.send_message(login_mail())
        assert "【窓口】ログイン用リンクのお知らせ" in process.stdout.readline()
        process.send_signal(signum)
        assert process.wait(timeout=10) == 0
        assert "stopped" in process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
