"""The portal under load, as deployed: gunicorn, 2 workers, a full-size register.

    .venv/bin/python bench/run.py                  # SQLite, a fresh temporary file
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/madoguchi_bench .venv/bin/python bench/run.py
    .venv/bin/python bench/run.py --smoke          # a tiny dataset, to check it works (well under a minute)

Generates 100,000 persons, 2,000,000 items (one person holds 10,000 of them) and 200,000
requests with their events (bulk inserts: COPY on PostgreSQL, executemany on SQLite), starts
`gunicorn -w 2` on loopback with PORTAL_ENV=production, logs each client in through the real
pages (staff: password and TOTP; customer: a server-side session in a signed cookie), drives
every page with a fixed count of requests from `--concurrency` keep-alive clients after a
warm-up, and prints requests/s and p50/p95 latency per page next to /healthz (one database
round trip: the ceiling) measured on the same server in the same run. Then it downloads the
register CSV of the longest period the dashboard allows (two years) and prints how much the
sending worker's peak memory grew (VmHWM/VmRSS from /proc; target < 50 MB: it streams).

The schema is DROPPED and rebuilt by the migrations (PostgreSQL: the `public` schema), so point
DATABASE_URL at a scratch database; the database named `test` (CI's) is refused unless --force.
`--reuse` keeps a database whose row counts already match (a second run skips generation; the
schema is upgraded to the code's, as a deploy would);
`--keep` keeps the SQLite file (it is printed). The data is encrypted with PORTAL_DATA_KEYS /
PORTAL_INDEX_KEY from the environment, else with fixed keys kept for this fictional data.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import http.client
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from anywhere

from bench.load_client import DISCLOSURE_FORM, Client, submission  # noqa: E402
from bench.dataset import MY_DATA_EMAIL, SUBMITTER_EMAIL, reuse_or_generate  # noqa: E402
from bench.common import refuse_protected  # noqa: E402
from portal import create_app  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.startup import describe_database  # noqa: E402

# page label → p95 target in ms (None: measured, no target)
TARGETS = {"queue, first page": 150, "queue, filtered": 150, "request page": None, "dashboard": 150,
           "my data, first page": 100, "request form": None, "request submission": None}
FRAME = "staff frame, no data"
REGISTER_GROWTH_MB = 50  # the register CSV streams: a worker grows by less than this while sending it
PAGE_NAMES = {"queue": "queue, first page", "filtered": "queue, filtered", "request": "request page",
              "dashboard": "dashboard", "mydata": "my data, first page", "form": "request form",
              "submit": "request submission"}


def use_bench_keys() -> None:
    """Encryption keys for the generator and the server alike (production refuses none and the
    published development key): the environment's if set, else fixed keys for this fictional
    data, so a --reuse run still reads what an earlier run wrote."""
    for name, seed in (("PORTAL_DATA_KEYS", b"madoguchi bench data key"), ("PORTAL_INDEX_KEY", b"madoguchi bench index key")):
        key = base64.b64encode(hashlib.sha256(seed).digest()).decode()
        os.environ.setdefault(name, f"1:{key}" if name == "PORTAL_DATA_KEYS" else key)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, secret_key: str, port: int, log_path: Path,
                 shape: tuple[str, ...] = ("--worker-class", "sync", "--workers", "2")) -> subprocess.Popen:
    """gunicorn serving the portal as production does; `shape` is its worker options (this
    script measures the plain two sync workers it always has; bench/deploy_bench.py compares shapes)."""
    env = {**os.environ, "PORTAL_ENV": "production", "SECRET_KEY": secret_key, "DATABASE_URL": url,
           "RATELIMIT_ENABLED": "0", "PORTAL_BASE_URL": f"http://127.0.0.1:{port}"}
    # `-c /dev/null`: the shape given here, not the repository's gunicorn.conf.py.
    command = [sys.executable, "-m", "gunicorn", "-c", "/dev/null", *shape, "-b", f"127.0.0.1:{port}",
               "--log-level", "warning", "portal:create_app()"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log_path.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({server.returncode}):\n{log_path.read_text()[-3000:]}")
        try:
            if Client(port).get("/healthz").status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    server.terminate()
    raise RuntimeError("the portal did not answer /healthz within 60 s")


def drive(clients: list[Client], action, *, count: int, warmup: int) -> tuple[float, list[float], list[str]]:
    """`count` calls of action(client) shared by the clients' threads → (req/s, latencies ms, failures)."""
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    share = [count // len(clients) + (1 if n < count % len(clients) else 0) for n in range(len(clients))]

    def work(client: Client, n: int) -> None:
        for _ in range(warmup):
            action(client)
        barrier.wait()
        for _ in range(n):
            try:
                took, problem = action(client)
            except Exception as error:  # a dropped connection counts as a failed request
                took, problem = 0.0, f"{type(error).__name__}: {error}"
                client.reconnect()
            with lock:
                latencies.append(took)
                if problem:
                    failures.append(problem)

    barrier = threading.Barrier(len(clients) + 1)
    threads = [threading.Thread(target=work, args=(c, n)) for c, n in zip(clients, share)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return count / (time.perf_counter() - started), latencies, failures


def get(path_for):
    """An action that GETs one path (a function of the call number) and expects 200."""
    calls = iter(range(10 ** 9))

    def action(client: Client):
        path = path_for(next(calls))
        started = time.perf_counter()
        response = client.get(path)
        took = (time.perf_counter() - started) * 1000
        return took, None if response.status == 200 else f"GET {path.split('?')[0]} → {response.status}"

    return action


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1] if len(values) > 1 else values[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--items", type=int, default=2_000_000)
    parser.add_argument("--requests", type=int, default=200_000)
    parser.add_argument("--count", type=int, default=300, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=5, help="untimed requests per client and page first")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--pages", help=f"only these pages, comma-separated: {','.join(PAGE_NAMES)},register")
    parser.add_argument("--smoke", action="store_true", help="1,000 persons, 20,000 items, 2,000 requests, count 50")
    parser.add_argument("--reuse", action="store_true", help="skip generation when the row counts match")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite file")
    parser.add_argument("--force", action="store_true", help="allow a database named 'test' (CI's)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.persons, args.items, args.requests, args.count, args.warmup = 1_000, 20_000, 2_000, 50, 2

    workdir = Path(tempfile.mkdtemp(prefix="madoguchi-bench-"))
    sqlite_path = (Path(tempfile.gettempdir()) / f"madoguchi-bench-{args.persons}-{args.items}-{args.requests}.db"
                   if args.keep or args.reuse else workdir / "bench.db")
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{sqlite_path}"
    if refuse_protected(url, force=args.force):
        return 2
    secret_key = secrets.token_urlsafe(48)
    use_bench_keys()
    # The generating app shares the server's key, so it can sign the customer's session cookie.
    app = create_app({"PORTAL_ENV": "testing", "SECRET_KEY": secret_key, "SQLALCHEMY_DATABASE_URI": url,
                      "RATELIMIT_ENABLED": False})
    started = time.perf_counter()
    reused = reuse_or_generate(app, persons=args.persons, items=args.items, requests=args.requests, reuse=args.reuse)
    generated = "reused" if reused else f"generated in {time.perf_counter() - started:.0f} s"
    print(f"Madoguchi under gunicorn (2 workers) on {describe_database(url)}: {args.persons:,} persons, "
          f"{args.items:,} items, {args.requests:,} requests ({generated})", flush=True)

    port = free_port()
    server = start_server(url, secret_key, port, workdir / "gunicorn.log")
    try:
        rows, failures = run_pages(app, port, args)
        if not args.pages or "register" in args.pages:
            problem = register_memory(app, port, server.pid)
            if problem:
                failures["register CSV"] = [problem]
    finally:
        server.terminate()
        server.wait(timeout=30)
    for label, problems in failures.items():
        print(f"FAILED {label}: {len(problems)} of {args.count}, e.g. {problems[0]}")
    if failures:
        print("the server's log ends with:\n" + (workdir / "gunicorn.log").read_text(errors="replace")[-3000:])
    (workdir / "gunicorn.log").unlink(missing_ok=True)
    if args.keep and url.startswith("sqlite"):
        print(f"database kept: {sqlite_path}")
    elif url.startswith("sqlite") and not args.reuse:
        sqlite_path.unlink(missing_ok=True)
    for leftover in workdir.iterdir():  # SQLite's -wal/-shm files
        leftover.unlink()
    workdir.rmdir()
    return 1 if failures else 0


def run_pages(app, port: int, args) -> tuple[list[tuple], dict[str, list[str]]]:
    from bench.load_client import customer_cookie, new_manager

    staff = [Client(port) for _ in range(args.concurrency)]
    for client in staff:
        client.log_in_staff(app, new_manager(app))
    my_data = [Client(port, cookie=customer_cookie(app, MY_DATA_EMAIL)) for _ in range(args.concurrency)]
    submitters = [Client(port, cookie=customer_cookie(app, SUBMITTER_EMAIL)) for _ in range(args.concurrency)]
    healthz = [Client(port) for _ in range(args.concurrency)]
    with app.app_context():
        references = list(db.session.scalars(sa.select(db.metadata.tables["data_request"].c.reference)
                                             .order_by(sa.func.random()).limit(200)))
        db.session.remove()
    dashboard_missing = "reports.dashboard" not in app.view_functions

    pages = [
        ("/healthz", healthz, get(lambda n: "/healthz")),
        # Not a target: the least any staff page costs (session, frame, a form; no personal data).
        (FRAME, staff, get(lambda n: "/staff/account")),
        ("queue, first page", staff, get(lambda n: "/staff/")),
        ("queue, filtered", staff, get(lambda n: "/staff/?type=erasure&jurisdiction=gdpr&assignee=none")),
        ("request page", staff, get(lambda n: f"/staff/requests/{references[n % len(references)]}")),
        ("dashboard", staff, None if dashboard_missing else get(lambda n: "/staff/reports")),
        ("my data, first page", my_data, get(lambda n: "/my/data")),
        ("request form", submitters, get(lambda n: DISCLOSURE_FORM)),
        ("request submission", submitters, submission),
    ]
    if args.pages:  # /healthz always runs: it is the ceiling the others are compared with
        chosen = {PAGE_NAMES[name.strip()] for name in args.pages.split(",") if name.strip() in PAGE_NAMES}
        pages = [page for page in pages if page[0] in ("/healthz", FRAME) or page[0] in chosen]
    print_header(args)
    rows, failures, ceiling = [], {}, None
    for label, clients, action in pages:  # each row is printed when measured: the slow pages take minutes
        result = None
        if action is not None:
            rate, latencies, problems = drive(clients, action, count=args.count, warmup=args.warmup)
            result = (rate, latencies)
            ceiling = ceiling or rate
            if problems:
                failures[label] = problems
        rows.append((label, result))
        print_row(label, result, ceiling)
    if any(label == "request submission" for label, _clients, _action in pages):
        print("\nrequest submission: POSTs alone (the form's CSRF token fetched once per client, a fresh "
              "idempotency key each); the form's GET is the row above")
    return rows, failures


# ---- the register CSV streams: a worker's memory while it sends the largest register ----------

def worker_pids(master: int) -> list[int]:
    """gunicorn's workers: the processes whose parent is the master."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                pids.append(int(entry.name))
    return pids


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of a process, in kB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    return values


def register_memory(app, port: int, master: int) -> str | None:
    """Download the register of the longest period the page allows (the newest two years) and
    print how much the sending worker's memory grew: its peak RSS (VmHWM, reset first where the
    kernel allows, else sampled VmRSS every 10 ms) minus its RSS before. Returns a failure, if any."""
    from bench.load_client import new_manager
    from portal.reports.forms import MAX_DAYS

    client = Client(port)
    client.log_in_staff(app, new_manager(app))
    client.get("/staff/reports")  # both workers warm: imports and templates loaded
    client.get("/staff/reports")
    today = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 9 * 3600))
    start = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 9 * 3600 - (MAX_DAYS - 1) * 86400))
    path = f"/staff/reports/register.csv?from={start}&to={today}"
    pids = worker_pids(master)
    before = {}
    for pid in pids:
        try:  # "5" resets the peak (VmHWM) to the current RSS (Linux ≥ 4.0)
            Path(f"/proc/{pid}/clear_refs").write_text("5")
        except OSError:
            pass
        before[pid] = memory_kb(pid)
    sampled = {pid: 0 for pid in pids}
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            for pid in pids:
                sampled[pid] = max(sampled[pid], memory_kb(pid).get("VmRSS", 0))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in client.cookies.items())}
    started = time.perf_counter()
    lines = size = 0
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        while chunk := response.read(64 * 1024):  # read as it comes: never the whole file at once
            size += len(chunk)
            lines += chunk.count(b"\n")
        status = response.status
    finally:
        connection.close()
        done.set()
        sampler.join()
    took = time.perf_counter() - started
    growth = max(max(memory_kb(pid)["VmHWM"], sampled[pid]) - before[pid]["VmRSS"] for pid in pids) / 1024
    met = status == 200 and growth < REGISTER_GROWTH_MB
    print(f"\nregister CSV, {start} to {today}: {max(lines - 1, 0):,} requests, {size / 1e6:.1f} MB in {took:.1f} s; "
          f"worker peak memory grew {growth:.1f} MB  {'met' if met else 'NOT met'} (< {REGISTER_GROWTH_MB} MB)",
          flush=True)
    return None if status == 200 else f"GET register.csv → {status}"


def print_header(args) -> None:
    print(f"{args.count} timed requests per page from {args.concurrency} keep-alive clients after "
          f"{args.warmup} warm-up each; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs\n")
    print(f"{'page':<22}{'n':>6}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'% healthz':>11}  target", flush=True)


def print_row(label: str, result, ceiling: float) -> None:
    if result is None:
        print(f"{label:<22}{'':>6}{'':>9}{'':>9}{'':>9}{'':>11}  MISSING (the page does not exist yet)", flush=True)
        return
    rate, latencies = result
    p50, p95 = statistics.median(latencies), percentile(latencies, 0.95)
    share = rate / ceiling
    if label == "/healthz":
        verdict = "(the ceiling)"
    elif label == FRAME:
        verdict = "(reference: an account page, no personal data, no audit entry)"
    else:
        # The share of /healthz's requests/s is shown, no longer a target (issue 20 retired it).
        limit = TARGETS[label]
        verdict = f"p95 ≤ {limit} ms {'met' if p95 <= limit else 'NOT met'}" if limit else ""
    print(f"{label:<22}{len(latencies):>6}{rate:>9.1f}{p50:>9.1f}{p95:>9.1f}{share:>10.0%}  {verdict}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
