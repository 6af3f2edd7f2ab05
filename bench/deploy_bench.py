"""Which gunicorn shape serves the portal best on this machine: worker class, processes, threads.

    .venv/bin/python bench/deploy_bench.py               # SQLite, the profile_pages register (2,000 persons)
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/madoguchi_bench .venv/bin/python bench/deploy_bench.py --reuse

For each shape (two sync workers, as gunicorn.conf.py runs on two CPUs and bench/run.py; threaded
workers, gthread, with 2, 4 and 8 threads) it starts gunicorn with PORTAL_ENV=production,
then drives, from `--concurrency` keep-alive clients, /healthz, an API client listing requests
(bearer token, as a call-centre system polls) and the staff queue, and prints requests/s, p50/p95
latency and how many TCP connections the clients had to open per 100 requests (sync workers close
each connection after one answer; gthread keeps it open for `keepalive` seconds).
"""
from __future__ import annotations

import argparse
import http.client
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere

from bench.common import profile_register_url  # noqa: E402
from bench.dataset import reuse_or_generate  # noqa: E402
from bench.load_client import Client, new_api_token, new_manager  # noqa: E402
from bench.run import drive, free_port, percentile, start_server, use_bench_keys  # noqa: E402
from portal import create_app  # noqa: E402

SHAPES = {
    "sync 2 (gunicorn.conf.py)": ("--worker-class", "sync", "--workers", "2"),
    **{f"gthread 2x{threads}": ("--worker-class", "gthread", "--workers", "2", "--threads", str(threads),
                                "--keep-alive", "5") for threads in (2, 4, 8)},
}


class CountingConnection(http.client.HTTPConnection):
    """An HTTP connection that counts how often it had to (re)connect."""
    opened = 0

    def connect(self) -> None:
        type(self).opened += 1
        super().connect()


def counting_client(port: int, headers: dict[str, str] | None = None) -> Client:
    """A bench client on a counting connection, sending `headers` (a bearer token) with every request."""
    client = Client(port)
    client.connection = CountingConnection("127.0.0.1", port, timeout=120)
    client.reconnect = lambda: None  # http.client reopens a closed connection by itself
    plain_get = client.get

    def get(path: str):
        # The server closes a connection idle for longer than its keep-alive; like any HTTP
        # client library, send a GET again once on a fresh connection then.
        try:
            return plain_get(path)
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            client.connection.close()
            return plain_get(path)
    client.get = get
    if headers:
        send = client.connection.request
        client.connection.request = lambda method, path, body=None, headers_=None, **kw: send(
            method, path, body=body, headers={**(kw.get("headers") or headers_ or {}), **headers})
    return client


def get(path: str):
    def action(client: Client):
        started = time.perf_counter()
        response = client.get(path)
        took = (time.perf_counter() - started) * 1000
        return took, None if response.status == 200 else f"GET {path} → {response.status}"
    return action


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=2_000)
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--count", type=int, default=600, help="timed requests per page and shape")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--reuse", action="store_true", help="skip generation when the row counts match")
    parser.add_argument("--force", action="store_true", help="allow a database named 'test' (CI's)")
    args = parser.parse_args(argv)

    url = profile_register_url(args)
    if url is None:
        return 2
    use_bench_keys()
    secret_key = secrets.token_urlsafe(48)
    app = create_app({"PORTAL_ENV": "testing", "SECRET_KEY": secret_key, "SQLALCHEMY_DATABASE_URI": url,
                      "RATELIMIT_ENABLED": False})
    reuse_or_generate(app, persons=args.persons, items=args.items, requests=args.requests, reuse=True)
    token = new_api_token(app, ["requests:read"])
    print(f"gunicorn shapes on {app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}, {args.count} requests per row "
          f"from {args.concurrency} keep-alive clients; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs\n")
    print(f"{'shape':<34}{'page':<14}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'connects/100':>14}")
    failed = False
    workdir = Path(tempfile.mkdtemp(prefix="madoguchi-deploy-"))
    for label, shape in SHAPES.items():
        port = free_port()
        server = start_server(url, secret_key, port, workdir / "gunicorn.log", shape=shape)
        try:
            staff = [counting_client(port) for _ in range(args.concurrency)]
            for client in staff:
                client.log_in_staff(app, new_manager(app))
            pages = [
                ("/healthz", [counting_client(port) for _ in range(args.concurrency)], get("/healthz")),
                ("API list", [counting_client(port, {"Authorization": f"Bearer {token}"})
                              for _ in range(args.concurrency)], get("/api/v1/requests?limit=20")),
                ("queue", staff, get("/staff/")),
            ]
            for page, clients, action in pages:
                CountingConnection.opened = 0
                rate, latencies, problems = drive(clients, action, count=args.count, warmup=3)
                connects = CountingConnection.opened * 100 / (args.count + 3 * len(clients))
                print(f"{label:<34}{page:<14}{rate:8.0f}{statistics.median(latencies):9.1f}"
                      f"{percentile(latencies, 0.95):9.1f}{connects:14.0f}", flush=True)
                if problems:
                    failed = True
                    print(f"  FAILED {len(problems)}: {problems[0]}")
        finally:
            server.terminate()
            server.wait(timeout=30)
    for leftover in workdir.iterdir():
        leftover.unlink()
    workdir.rmdir()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
