"""Rate limits with more than one process: counted in Redis they hold across processes;
counted in memory they would not, so production refuses to start that way."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from portal import create_app
from tests.fixtures.app import TEST_SECRET_KEY

REDIS = "redis://127.0.0.1:6379/0"
ROOT = Path(__file__).resolve().parents[2]

#: One "server process": its own app (and limiter), three wrong log-ins for one account from one address.
PROCESS = """
import json, sys
from portal import create_app
app = create_app({"PORTAL_ENV": "testing", "SECRET_KEY": sys.argv[1], "SERVER_NAME": None,
                  "SQLALCHEMY_DATABASE_URI": sys.argv[2], "RATELIMIT_STORAGE_URI": sys.argv[3],
                  "RATELIMIT_KEY_PREFIX": sys.argv[4], "WTF_CSRF_ENABLED": False})
client = app.test_client()
codes = [client.post("/staff/login", data={"email": "target@staff.example.jp", "password": "a wrong guess!"},
                     environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code for _ in range(3)]
print(json.dumps(codes))
"""


def _redis_answers() -> bool:
    try:
        import redis

        return redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping()
    except Exception:
        return False


def _run_process(app, storage: str, prefix: str) -> list[int]:
    result = subprocess.run(
        [sys.executable, "-c", PROCESS, TEST_SECRET_KEY, app.config["SQLALCHEMY_DATABASE_URI"], storage, prefix],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PORTAL_ENV": "testing"})
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not _redis_answers(), reason="needs Redis on 127.0.0.1:6379 (RATELIMIT_STORAGE_URI=redis://…)")
def test_two_processes_share_the_log_in_counters_in_redis(app):
    prefix = f"test-{uuid.uuid4().hex}"
    first = _run_process(app, REDIS, prefix)
    second = _run_process(app, REDIS, prefix)
    # Five failures per account and address (the default), wherever they were counted.
    assert first + second == [200, 200, 200, 200, 200, 429]


def _production(monkeypatch, **env):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "argv", ["/srv/madoguchi/.venv/bin/gunicorn", "--workers", "4", "portal:create_app()"])
    return create_app({"PORTAL_ENV": "production", "SECRET_KEY": "s" * 48, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                       "PORTAL_CHECK_DATABASE_ON_START": False})


def test_production_with_several_gunicorn_workers_and_memory_counters_refuses_to_start(monkeypatch):
    keys = {"PORTAL_DATA_KEYS": "k1:" + "A" * 43 + "=", "PORTAL_INDEX_KEY": "B" * 43 + "="}
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    with pytest.raises(SystemExit, match="4 processes serve the portal but rate limits are counted in memory"):
        _production(monkeypatch, **keys)
    app = _production(monkeypatch, RATELIMIT_STORAGE_URI=REDIS, **keys)
    assert app.config["RATELIMIT_STORAGE_URI"] == REDIS
