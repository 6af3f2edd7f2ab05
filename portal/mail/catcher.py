"""A local mail catcher for development: `python -m portal.mail.catcher`.

`make run` points the portal's SMTP settings at it, so every mail the portal sends (login
links, codes, notices) lands here instead of in a real inbox. It keeps each mail in memory
and as an `.eml` file, prints one line per mail, and serves a small inbox on
http://127.0.0.1:8025/. It binds to 127.0.0.1 only: it is a development tool, not a server.
"""
from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import html
import re
import signal
import sys
import threading
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from functools import cached_property
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from aiosmtpd.smtp import SMTP

HOST = "127.0.0.1"
DEFAULT_MAILDIR = Path(__file__).resolve().parents[2] / "instance" / "mailbox"


@dataclass(frozen=True)
class CaughtMail:
    """One received mail as it came over the wire; parsed when first looked at."""

    id: int
    received_at: datetime  # local time, aware
    raw: bytes
    envelope_to: tuple[str, ...] = ()

    @cached_property
    def message(self) -> EmailMessage:
        # policy.default decodes RFC 2047 headers and charsets (UTF-8, ISO-2022-JP, …).
        return email.message_from_bytes(self.raw, policy=email.policy.default)

    def header(self, name: str) -> str:
        try:
            return str(self.message.get(name, "") or "")
        except Exception:  # a malformed header must not break the inbox
            return str(email.message_from_bytes(self.raw).get(name, ""))

    @property
    def to(self) -> str:
        return self.header("To") or ", ".join(self.envelope_to)

    @property
    def subject(self) -> str:
        return self.header("Subject") or "(no subject)"

    def body(self, subtype: str) -> str | None:
        """The decoded text of the `plain` or `html` part, or None when there is none."""
        part = self.message.get_body(preferencelist=(subtype,))
        if part is None:
            return None
        try:
            return part.get_content()
        except (LookupError, UnicodeDecodeError):  # unknown or lying charset: show what we can
            return (part.get_payload(decode=True) or b"").decode("utf-8", "replace")


class Mailbox:
    """Received mail, in memory and as `.eml` files; safe to use from both server threads."""

    def __init__(self, maildir: Path | None) -> None:
        self.maildir = maildir
        self._lock = threading.Lock()
        self._mails: list[CaughtMail] = []
        if maildir is not None:
            maildir.mkdir(parents=True, exist_ok=True)
            # Mail from earlier runs stays readable, so restarting `make run` loses no link.
            for path in sorted(maildir.glob("*.eml")):
                received = datetime.fromtimestamp(path.stat().st_mtime).astimezone()
                self._append(received, path.read_bytes(), ())

    def _append(self, received_at: datetime, raw: bytes, envelope_to: tuple[str, ...]) -> CaughtMail:
        with self._lock:
            mail = CaughtMail(len(self._mails) + 1, received_at, raw, envelope_to)
            self._mails.append(mail)
        return mail

    def add(self, raw: bytes, envelope_to: tuple[str, ...] = ()) -> CaughtMail:
        mail = self._append(datetime.now().astimezone(), raw, envelope_to)
        if self.maildir is not None:
            name = f"{mail.received_at:%Y%m%d-%H%M%S-%f}-{mail.id:05d}.eml"
            (self.maildir / name).write_bytes(raw)
        return mail

    def newest_first(self) -> list[CaughtMail]:
        with self._lock:
            return list(reversed(self._mails))

    def get(self, mail_id: int) -> CaughtMail | None:
        with self._lock:
            return self._mails[mail_id - 1] if 0 < mail_id <= len(self._mails) else None


# --- SMTP side ---

class CatchingHandler:
    """aiosmtpd handler: accept every mail, keep it, say so on the console."""

    def __init__(self, mailbox: Mailbox, inbox_url: str, announce=print) -> None:
        self.mailbox = mailbox
        self.inbox_url = inbox_url
        self.announce = announce

    async def handle_DATA(self, server, session, envelope) -> str:
        mail = self.mailbox.add(envelope.original_content or envelope.content, tuple(envelope.rcpt_tos))
        self.announce(
            f"{mail.received_at:%H:%M:%S}  to {mail.to}  「{mail.subject}」  {self.inbox_url}mail/{mail.id}"
        )
        return "250 Message accepted for delivery"


class SMTPThread:
    """An aiosmtpd server on its own event loop thread; binding happens in `__init__`,
    so a port in use fails at once, and port 0 picks a free port (tests)."""

    def __init__(self, handler: CatchingHandler, port: int) -> None:
        self.loop = asyncio.new_event_loop()
        factory = lambda: SMTP(  # noqa: E731
            handler, hostname="madoguchi-catcher", enable_SMTPUTF8=True, loop=self.loop
        )
        self.server = self.loop.run_until_complete(self.loop.create_server(factory, HOST, port))
        self.port = self.server.sockets[0].getsockname()[1]
        self.thread = threading.Thread(target=self.loop.run_forever, name="smtp", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._close(), self.loop).result(timeout=5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
        self.loop.close()

    async def _close(self) -> None:
        self.server.close()
        # Open client sessions are tasks on the loop; cancel them so none holds the exit.
        sessions = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in sessions:
            task.cancel()
        await asyncio.gather(*sessions, return_exceptions=True)
        await self.server.wait_closed()


# --- HTTP side ---

URL = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")
PAGE = """<!doctype html>
<html lang="ja"><head><meta charset="utf-8">{refresh}
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · Madoguchi mail catcher</title>
<style>
body{{font:15px/1.6 system-ui,sans-serif;margin:1.5rem auto;max-width:60rem;padding:0 1rem;color:#222}}
table{{border-collapse:collapse;width:100%}} td,th{{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #ddd}}
th{{background:#f3f5f8}} td.time{{white-space:nowrap;color:#555}} a{{color:#1f4f8f}}
pre{{white-space:pre-wrap;word-break:break-word;background:#f7f7f7;padding:1rem;border-radius:4px}}
dl{{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}} dt{{color:#555}}
</style></head><body>
<p><a href="/">Inbox</a> · Madoguchi mail catcher (development only)</p>
{body}
</body></html>"""


def linkify(text: str) -> str:
    """Escape text for HTML and turn every http(s) URL into a link."""
    out, position = [], 0
    for match in URL.finditer(text):
        url = match.group(0).rstrip(".,;:!?'")
        if url.endswith(")") and "(" not in url:  # "(see https://…)" keeps its bracket outside
            url = url[:-1]
        end = match.start() + len(url)
        out += [html.escape(text[position:match.start()]), f'<a href="{html.escape(url)}">{html.escape(url)}</a>']
        position = end
    out.append(html.escape(text[position:]))
    return "".join(out)


def render_inbox(mails: list[CaughtMail]) -> str:
    rows = "".join(
        f'<tr><td class="time">{m.received_at:%Y-%m-%d %H:%M:%S}</td><td>{html.escape(m.to)}</td>'
        f'<td><a href="/mail/{m.id}">{html.escape(m.subject)}</a></td></tr>'
        for m in mails
    ) or '<tr><td colspan="3">No mail yet. This page refreshes itself.</td></tr>'
    body = (
        f"<h1>Inbox ({len(mails)})</h1>"
        f"<table><thead><tr><th>Time</th><th>To</th><th>Subject</th></tr></thead><tbody>{rows}</tbody></table>"
    )
    # The inbox reloads itself so a mail sent by the portal shows up without a click.
    return PAGE.format(title="Inbox", refresh='<meta http-equiv="refresh" content="5">', body=body)


def render_mail(mail: CaughtMail) -> str:
    text, has_html = mail.body("plain"), mail.body("html") is not None
    headers = "".join(
        f"<dt>{name}</dt><dd>{html.escape(mail.header(name))}</dd>"
        for name in ("From", "To", "Cc", "Date", "Subject")
        if mail.header(name)
    )
    links = [f'<a href="/mail/{mail.id}/html">View the HTML part</a>'] if has_html else []
    links.append(f'<a href="/mail/{mail.id}/raw">Raw .eml</a>')
    if text is None:
        shown = "<p>(This mail has no plain-text part.)</p>"
    else:
        shown = f"<pre>{linkify(text)}</pre>"
    body = f"<h1>{html.escape(mail.subject)}</h1><dl>{headers}</dl><p>{' · '.join(links)}</p>{shown}"
    return PAGE.format(title=html.escape(mail.subject), refresh="", body=body)


MAIL_PATH = re.compile(r"^/mail/(\d+)(/html|/raw)?$")


class InboxHandler(BaseHTTPRequestHandler):
    mailbox: Mailbox  # set on the subclass `serve_inbox` makes

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/":
            return self._send(render_inbox(self.mailbox.newest_first()))
        match = MAIL_PATH.match(path)
        mail = self.mailbox.get(int(match.group(1))) if match else None
        if mail is None:
            return self._send(PAGE.format(title="Not found", refresh="", body="<h1>Not found</h1>"), HTTPStatus.NOT_FOUND)
        if match.group(2) == "/raw":
            return self._send(mail.raw, content_type="message/rfc822")
        if match.group(2) == "/html":
            part = mail.body("html")
            if part is None:
                return self._send(PAGE.format(title="No HTML", refresh="", body="<h1>No HTML part</h1>"), HTTPStatus.NOT_FOUND)
            # The mail's own HTML, sandboxed: links work, its scripts and forms do not.
            return self._send(part, extra={"Content-Security-Policy": "sandbox allow-popups allow-popups-to-escape-sandbox"})
        return self._send(render_mail(mail))

    def _send(self, body: str | bytes, status: HTTPStatus = HTTPStatus.OK, *,
              content_type: str = "text/html; charset=utf-8", extra: dict | None = None) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 — the console shows mails, not GETs
        pass


class Catcher:
    """The SMTP server and the inbox page around one mailbox; `start()` then `stop()`."""

    def __init__(self, *, smtp_port: int = 1025, http_port: int = 8025,
                 maildir: Path | None = DEFAULT_MAILDIR, announce=print) -> None:
        self.mailbox = Mailbox(maildir)
        handler_class = type("BoundInboxHandler", (InboxHandler,), {"mailbox": self.mailbox})
        self.http = ThreadingHTTPServer((HOST, http_port), handler_class)
        self.http.daemon_threads = True
        self.http_port = self.http.server_address[1]
        self.inbox_url = f"http://{HOST}:{self.http_port}/"
        try:
            self.smtp = SMTPThread(CatchingHandler(self.mailbox, self.inbox_url, announce), smtp_port)
        except BaseException:
            self.http.server_close()
            raise
        self.smtp_port = self.smtp.port
        self._http_thread = threading.Thread(target=self.http.serve_forever, args=(0.1,), name="inbox", daemon=True)

    def start(self) -> "Catcher":
        self.smtp.start()
        self._http_thread.start()
        return self

    def stop(self) -> None:
        self.http.shutdown()
        self.http.server_close()
        self.smtp.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m portal.mail.catcher", description=__doc__.splitlines()[0])
    parser.add_argument("--smtp-port", type=int, default=1025, help="SMTP port on 127.0.0.1 (default 1025)")
    parser.add_argument("--http-port", type=int, default=8025, help="inbox page port on 127.0.0.1 (default 8025)")
    parser.add_argument("--maildir", type=Path, default=DEFAULT_MAILDIR, help=f"where .eml files go (default {DEFAULT_MAILDIR})")
    args = parser.parse_args(argv)

    def announce(line: str) -> None:
        print(f"mail: {line}", flush=True)

    try:
        catcher = Catcher(smtp_port=args.smtp_port, http_port=args.http_port, maildir=args.maildir, announce=announce)
    except OSError as exc:
        print(f"mail catcher: cannot listen on 127.0.0.1 ({exc.strerror or exc}); "
              "is another catcher running? Use --smtp-port/--http-port.", file=sys.stderr, flush=True)
        return 1
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    catcher.start()
    print(f"mail catcher: SMTP on {HOST}:{catcher.smtp_port}, inbox on {catcher.inbox_url} "
          f"(.eml files in {args.maildir})", flush=True)
    while not stopping.wait(0.2):
        pass
    catcher.stop()
    print("mail catcher: stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
