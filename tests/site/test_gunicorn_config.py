"""The repository's gunicorn.conf.py, as `gunicorn 'portal:create_app()'` run in the project folder
reads it: sync workers by default (each answer closes its connection; the proxy keeps the clients'),
threaded workers that keep a client's connection open with PORTAL_WORKER_CLASS=gthread."""
from __future__ import annotations

import http.client
import os

import pytest
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.fixtures.app import TEST_SECRET_KEY

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class CountingConnection(http.client.HTTPConnection):
    opened = 0

    def connect(self) -> None:
        CountingConnection.opened += 1
        super().connect()


@pytest.mark.parametrize("worker_class, connections", [(None, 4), ("gthread", 1)])
def test_the_served_portal_closes_or_keeps_a_clients_connection_as_configured(app, tmp_path, worker_class,
                                                                              connections):
    port = _free_port()
    env = {**os.environ, "PORTAL_ENV": "testing", "SECRET_KEY": TEST_SECRET_KEY,
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "WEB_CONCURRENCY": "1"}
    env.pop("PORTAL_WORKER_CLASS", None)
    if worker_class:
        env["PORTAL_WORKER_CLASS"] = worker_class
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "portal:create_app()"],
        cwd=ROOT, stdout=(tmp_path / "gunicorn.log").open("wb"), stderr=subprocess.STDOUT, env=env)
    try:
        connection = CountingConnection("127.0.0.1", port, timeout=10)
        deadline = time.monotonic() + 60
        while True:
            try:
                connection.request("GET", "/healthz")
                first = connection.getresponse()
                first.read()
                break
            except OSError:
                connection.close()
                assert time.monotonic() < deadline and server.poll() is None, (tmp_path / "gunicorn.log").read_text()
                time.sleep(0.2)
        assert first.status == 200
        CountingConnection.opened = 1
        for _ in range(3):
            connection.request("GET", "/healthz")  # http.client reconnects when the server closed
            response = connection.getresponse()
            response.read()
            assert response.status == 200
        assert CountingConnection.opened == connections  # four answers over this many connections
        connection.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
