"""Where a page's time goes: each page of bench/run.py served in-process under cProfile.

    .venv/bin/python bench/profile_pages.py                 # SQLite, a small generated register
    .venv/bin/python bench/profile_pages.py --pages queue --top 40
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/madoguchi_bench .venv/bin/python bench/profile_pages.py --reuse

Generates the bench dataset (default 2,000 persons, 20,000 items (10,000 for one person),
20,000 requests; `--reuse` keeps a database whose counts match, upgraded to the code's schema), logs a manager in with a real
password and TOTP code, then requests every page `--count` times through the Flask test client
and prints, per page, the CPU milliseconds per request (measured without the profiler) and
the functions that took the most time under it (own time and cumulative), with the SQL
statements and ORM flushes each request makes. `--rounds N` times N rounds and shows the
lowest and the median (the target is judged on the median): on a shared machine a round can be
slowed by a neighbour. "submit" POSTs the
disclosure form (a new request each time); "audit" is not a page but what each view of
personal data adds to its page: one chained audit entry and its commit. The numbers are for comparing code, not for capacity: those
come from bench/run.py, which drives gunicorn over real sockets. On PostgreSQL the `public`
schema is DROPPED and rebuilt, as in bench/run.py; the database named `test` is refused.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import sys
import time
import uuid
from pathlib import Path

import pyotp
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere

from bench.common import profile_register_url  # noqa: E402
from bench.dataset import MY_DATA_EMAIL, reuse_or_generate  # noqa: E402
from bench.load_client import CSRF, DISCLOSURE_FORM, customer_cookie, disclosure_fields, new_api_token, new_manager  # noqa: E402
from bench.run import use_bench_keys  # noqa: E402
from portal import create_app  # noqa: E402
from portal.extensions import db  # noqa: E402

# "frame": a staff page with no personal data (the session check, the frame, one form): the
# least any staff page costs, next to /healthz's single query.
PAGES = {"healthz": "/healthz", "frame": "/staff/account", "queue": "/staff/", "filtered": "/staff/?type=erasure&jurisdiction=gdpr&assignee=none",
         "request": None, "dashboard": "/staff/reports", "mydata": "/my/data", "form": DISCLOSURE_FORM,
         "submit": DISCLOSURE_FORM,  # POSTs of the disclosure form
         "api": "/api/v1/requests",  # POSTs filing a request over the API (bearer token, Idempotency-Key)
         "audit": "one audit entry and its commit"}  # not a page: what every view of personal data adds

# Issue #20: an intake (the customer's form, the API) costs at most 8 ms of the worker's CPU.
TARGETS = {"submit": 8.0, "api": 8.0}


def staff_client(app):
    manager = new_manager(app)
    client = app.test_client()

    def post(path: str, data: dict):
        token = CSRF.search(client.get(path).get_data(as_text=True)).group(1)
        return client.post(path, data={"csrf_token": token, **data})

    post("/staff/login", {"email": manager.email, "password": manager.password})
    response = post("/staff/login/2fa", {"code": pyotp.TOTP(manager.totp_secret).now()})
    assert response.status_code == 302 and "/staff/login" not in response.location, response.location
    return client


def api_intake(app):
    """POST a phone request over the API, as a call-centre system does: a fresh Idempotency-Key,
    a requester without a register entry, the receipt mail queued in the outbox."""
    secret = new_api_token(app, ["requests:write"])
    client = app.test_client()
    body = {"type": "disclosure", "channel": "phone", "policy": "appi",
            "requester": {"email": "caller@bench.example.jp", "name": "電話 太郎", "language": "ja"}}

    def send():
        return client.post("/api/v1/requests", json=body, headers={
            "Authorization": f"Bearer {secret}", "Idempotency-Key": uuid.uuid4().hex})
    return send


def customer_client(app):
    client = app.test_client()
    name, value = customer_cookie(app, MY_DATA_EMAIL)
    client.set_cookie(name, value)
    return client


def get(client, path: str):
    return lambda: client.get(path)


def submit(client, path: str):
    """POST the form as a browser does after opening it: its CSRF token, a fresh idempotency key.
    The session cookie is put back after each POST, as the next page would drop its flash."""
    token = CSRF.search(client.get(path).get_data(as_text=True)).group(1)
    cookie = client.get_cookie("session")

    def send():
        response = client.post(path, data=disclosure_fields(token))
        client.set_cookie(cookie.key, cookie.value)
        return response
    return send


def audit_entry(app):
    """What a page pays for its audit entry: the chained entry and its commit (in a request
    context of its own, as a page has one anyway)."""
    from portal.audit.services import Actor, record

    def send():
        with app.test_request_context("/staff/"):
            record("bench.viewed_queue", actor=Actor("staff", "1"), target_type="queue",
                   details={"shown": 50, "filters": [], "search": None})
            db.session.commit()
    return send


def count_statements(send, engine, session_class, *, count: int) -> tuple[float, float]:
    """(SQL statements, ORM flushes) per request, counted over `count` requests (not timed)."""
    seen = {"statements": 0, "flushes": 0}

    def statement(*_):
        seen["statements"] += 1

    def flush(*_):
        seen["flushes"] += 1
    sa.event.listen(engine, "before_cursor_execute", statement)
    sa.event.listen(session_class, "before_flush", flush)
    try:
        for _ in range(count):
            send()
    finally:
        sa.event.remove(engine, "before_cursor_execute", statement)
        sa.event.remove(session_class, "before_flush", flush)
    return seen["statements"] / count, seen["flushes"] / count


def profile(send, *, count: int, top: int, rounds: int = 1, quiet: bool = False) -> tuple[list[float], str]:
    """(CPU ms per request of each timed round without the profiler, the profile's report)."""
    for _ in range(5):  # warm caches, as a running worker has them
        response = send()
        assert response is None or response.status_code in (200, 201, 302), response.status_code
    per_round = []
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(count):
            send()
        per_round.append((time.process_time() - started) * 1000 / count)
    if quiet:
        return per_round, ""
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(count):
        send()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return per_round, out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=2_000)
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--count", type=int, default=200, help="profiled requests per page")
    parser.add_argument("--top", type=int, default=25, help="functions listed per page and order")
    parser.add_argument("--pages", help=f"only these pages, comma-separated: {','.join(PAGES)}")
    parser.add_argument("--reuse", action="store_true", help="skip generation when the row counts match")
    parser.add_argument("--rounds", type=int, default=1,
                        help="timed rounds of --count requests per page; the lowest and the median are shown "
                             "(on a shared machine the lowest is the least disturbed)")
    parser.add_argument("--quiet", action="store_true", help="CPU ms per page only, no profile")
    parser.add_argument("--force", action="store_true", help="allow a database named 'test' (CI's)")
    args = parser.parse_args(argv)

    url = profile_register_url(args)
    if url is None:
        return 2
    use_bench_keys()
    # Production's settings (secure cookies aside: the test client speaks plain HTTP).
    app = create_app({"PORTAL_ENV": "testing", "SECRET_KEY": "p" * 48, "SQLALCHEMY_DATABASE_URI": url,
                      "RATELIMIT_ENABLED": False, "TESTING": False,
                      # As in production: the outbox worker sends mail, never the request.
                      "PORTAL_MAIL_AFTER_REQUEST": False})
    reuse_or_generate(app, persons=args.persons, items=args.items, requests=args.requests, reuse=args.reuse)
    with app.app_context():
        # The first generated request: the same page in every run (the newest may be one that
        # an earlier run's "submit" filed, for the person with 10,000 items).
        reference = db.session.scalar(sa.select(db.metadata.tables["data_request"].c.reference)
                                      .order_by(db.metadata.tables["data_request"].c.id).limit(1))
        db.session.remove()
    staff, customer = staff_client(app), customer_client(app)
    with app.app_context():
        engine = db.engine
    session_class = db.session.session_factory.class_
    chosen = [name.strip() for name in args.pages.split(",")] if args.pages else list(PAGES)
    summary = []
    for name in chosen:
        path = PAGES[name] or f"/staff/requests/{reference}"
        client = customer if name in ("mydata", "form", "submit") else staff
        if name == "audit":
            send = audit_entry(app)
        elif name == "api":
            send = api_intake(app)
        else:
            send = (submit if name == "submit" else get)(client, path)
        statements, flushes = count_statements(send, engine, session_class, count=20)
        per_round, report = profile(send, count=args.count, top=args.top, rounds=args.rounds, quiet=args.quiet)
        summary.append((name, per_round, statements, flushes))
        if not args.quiet:
            print(f"\n===== {name} {path}: {min(per_round):.2f} ms CPU per request\n{report}")
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").exists() else "?"
    print(f"\nCPU ms per request (test client, no profiler; compare runs with each other), "
          f"{args.rounds} round(s) of {args.count}, load average {load}:")
    print(f"{'page':10} {'lowest':>7} {'median':>7} {'SQL':>5} {'flush':>5}")
    for name, per_round, statements, flushes in summary:
        target = TARGETS.get(name)
        lowest, median = min(per_round), statistics.median(per_round)
        verdict = "" if target is None else f"   target <= {target:.0f}: {'met' if median <= target else 'NOT met'}"
        print(f"{name:10} {lowest:7.2f} {median:7.2f} {statements:5.1f} {flushes:5.1f}{verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
