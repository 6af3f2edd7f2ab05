"""The repository's gunicorn.conf.py, as `gunicorn 'portal:create_app()'` run in the project folder
reads it: threaded workers that keep a client's connection open between requests."""
from __future__ import annotations

import http.client
import os
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


def test_the_served_portal_keeps_an_api_clients_connection_open(app, tmp_path):
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "portal:create_app()"],
        cwd=ROOT, stdout=(tmp_path / "gunicorn.log").open("wb"), stderr=subprocess.STDOUT,
        env={**os.environ, "PORTAL_ENV": "testing", "SECRET_KEY": TEST_SECRET_KEY,
             "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "WEB_CONCURRENCY": "1"})
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
        CountingConnection.opened = 1
        for _ in range(3):
            connection.request("GET", "/healthz")
            response = connection.getresponse()
            response.read()
            assert response.status == 200 and response.getheader("Connection", "").lower() != "close"
        assert first.status == 200 and CountingConnection.opened == 1  # four answers, one connection
        connection.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
