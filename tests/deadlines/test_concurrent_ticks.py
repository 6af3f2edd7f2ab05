"""Several schedulers at once (DESIGN: "tick is safe to run from several machines at once"):
two `tick`s racing over the same requests send each reminder and escalation exactly once.

PostgreSQL only: that is where ticks on several machines meet, with row locks and SKIP
LOCKED. SQLite has neither and serialises writers, so the race cannot happen there.
"""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.deadlines.models import DeadlineNotice
from portal.dsr.models import EventKind, RequestEvent
from portal.extensions import db
from portal.scheduler.jobs import registered_jobs

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _postgresql_only(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("racing schedulers need PostgreSQL (row locks, SKIP LOCKED); SQLite serialises "
                    "writers, so two ticks cannot race — run with DATABASE_URL=postgresql+psycopg://…")


def references_in(mails) -> Counter:
    return Counter(mail["Subject"].split("]")[0].lstrip("[") for mail in mails)


def counts(app) -> tuple[int, int, int]:
    with app.app_context():
        notices = db.session.scalar(sa.select(sa.func.count()).select_from(DeadlineNotice))
        kinds = dict(db.session.execute(
            sa.select(RequestEvent.kind, sa.func.count()).where(
                RequestEvent.kind.in_([EventKind.REMINDER_SENT, EventKind.ESCALATED])).group_by(RequestEvent.kind)
        ).all())
        db.session.remove()
    return notices, kinds.get(EventKind.REMINDER_SENT, 0), kinds.get(EventKind.ESCALATED, 0)


def test_two_ticks_in_threads_started_together_send_each_notice_once(app, make_request, create_staff, smtp_server):
    agent = create_staff("agent", with_2fa=False)
    manager = create_staff("manager", with_2fa=False)
    soon = [make_request(due_in_days=3, assignee=agent) for _ in range(30)]
    late = [make_request(due_in_days=-1, assignee=agent) for _ in range(10)]
    start = threading.Barrier(2)
    lines: list[str] = []
    errors: list[BaseException] = []

    def tick() -> None:
        """What `flask --app portal tick` does, on its own connection and app context."""
        try:
            with app.app_context():
                start.wait(timeout=10)
                for job in registered_jobs():
                    summary = job.func()
                    db.session.commit()
                    lines.append(f"{job.name}: {summary}")
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=tick) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors

    reminder_lines = [line for line in lines if line.startswith("reminders: ")]
    assert len(reminder_lines) == 2
    assert sum(int(line.split()[1]) for line in reminder_lines) == 30, reminder_lines
    assert references_in(smtp_server.to(agent.email)) == Counter({reference: 1 for reference in soon})
    assert references_in(smtp_server.to(manager.email)) == Counter({reference: 1 for reference in late})
    assert counts(app) == (40, 30, 10)


def test_two_tick_processes_against_one_database_send_each_reminder_once(app, make_request, create_staff,
                                                                          smtp_server):
    agent = create_staff("agent", with_2fa=False)
    soon = [make_request(due_in_days=1, assignee=agent) for _ in range(20)]
    env = {
        **os.environ,
        "PORTAL_ENV": "testing",
        # Outside development the portal refuses the default key; the schedulers use the app's.
        "SECRET_KEY": app.config["SECRET_KEY"],
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_server.port),
        "PORTAL_BASE_URL": "http://portal.test",
    }
    flask = str(Path(sys.executable).parent / "flask")
    processes = [subprocess.Popen([flask, "--app", "portal", "tick"], cwd=ROOT, env=env, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    outputs = [process.communicate(timeout=120) for process in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs

    sent = [int(line.split()[1]) for out, _err in outputs for line in out.splitlines() if line.startswith("reminders: ")]
    assert sum(sent) == 20, outputs
    assert references_in(smtp_server.to(agent.email)) == Counter({reference: 1 for reference in soon})
    assert counts(app) == (20, 20, 0)
