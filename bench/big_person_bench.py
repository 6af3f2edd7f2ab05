"""A person with 100,000 items: "my data", the disclosure package and a full erasure.

    .venv/bin/python bench/big_person_bench.py                  # SQLite, a fresh temporary file
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench .venv/bin/python bench/big_person_bench.py

Loads one customer with `--items` items (the my_data_bench shape: purchase and point lines,
a few dozen profile items, consents, provisions) next to 50 others, then measures, in this process:

1. GET /my/data (stepped up) with the Flask test client: p95 over `--requests` (target ≤ 100 ms);
2. building the disclosure package as the staff decision does (ZIP of readable CSV + JSON Lines,
   sealed on disk): wall time (target < 10 s) and how much the process's peak memory grew;
3. applying a full erasure as the staff decision does (every item, the register entry made a
   tombstone, packages withdrawn), committed: wall time (target < 10 s) and peak memory growth.

Peak memory is the kernel's VmHWM, reset before each step where Linux allows (/proc/self/clear_refs).
On PostgreSQL the `public` schema is DROPPED and rebuilt; the database named `test` is refused.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere

from bench.common import bench_app, database_label, reset_database  # noqa: E402
from bench.my_data_bench import load, login, measure, step_up  # noqa: E402
from portal.audit.services import Actor  # noqa: E402
from portal.extensions import db  # noqa: E402

PAGE_TARGET_MS = 100
STEP_TARGET_S = 10
MEMORY_TARGET_MB = 100  # "bounded": far below what the person's data would take held at once
STAFF = Actor("staff", 1)


def memory_kb() -> dict[str, int]:
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    return values


def measured(step):
    """(seconds, MB the peak grew above the RSS at the start, the step's result)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")  # the peak starts again from here
    except OSError:
        pass
    before = memory_kb()["VmRSS"]
    started = time.perf_counter()
    result = step()
    took = time.perf_counter() - started
    return took, (memory_kb()["VmHWM"] - before) / 1024, result


def file_request(app, person_id: int, type: str, details: dict):
    from datetime import timedelta

    from portal.common.time import utcnow
    from portal.dsr import services
    from portal.dsr.status import RequestStatus
    from portal.inventory.models import Person

    person = db.session.get(Person, person_id)
    change = services.create_request(
        type=type, person_id=person_id, requester_email=person.email, requester_name=person.name, channel="web",
        language="ja", residence="jp", details=details, actor=Actor("customer", person_id), verified=True,
        received_at=utcnow() - timedelta(hours=1))
    services.transition(change.request, RequestStatus.IN_PROGRESS, actor=STAFF)
    db.session.commit()
    return change.request


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--others", type=int, default=50, help="other customers (200 items each)")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--force", action="store_true", help="allow a database named 'test' (CI's)")
    args = parser.parse_args(argv)

    from portal.dsr.decisions import Decision, complete_with_decision
    from portal.dsr.decisions.packages import DisclosurePackage
    from portal.inventory.models import Item

    with tempfile.TemporaryDirectory(prefix="madoguchi-bench-") as workdir:
        app = bench_app(workdir, force=args.force, RATELIMIT_ENABLED=False,
                        PORTAL_DISCLOSURE_DIR=str(Path(workdir) / "packages"))
        if app is None:
            return 2
        reset_database(app)
        started = time.perf_counter()
        load(app, args.items, args.others)
        loaded = time.perf_counter() - started
        client = app.test_client()
        person_id = login(app, client, "hanako@example.jp")
        step_up(app)
        wall, _cpu = measure(client, "/my/data", requests=args.requests, warmup=args.warmup)
        page_p95 = statistics.quantiles(wall, n=20)[-1]

        with app.app_context():
            disclosure = file_request(app, person_id, "disclosure", {"format": "electronic", "note": None})
            package_s, package_mb, _ = measured(lambda: (
                complete_with_decision(disclosure, actor=STAFF, decision=Decision(format="zip")), db.session.commit()))
            package = db.session.scalar(sa.select(DisclosurePackage).where(DisclosurePackage.request_id == disclosure.id))
            package_size = package.size
            erasure = file_request(app, person_id, "erasure", {"scope": "all"})
            erase_s, erase_mb, _ = measured(lambda: (
                complete_with_decision(erasure, actor=STAFF, decision=Decision(everything=True)), db.session.commit()))
            left = db.session.scalar(sa.select(sa.func.count()).select_from(Item).where(Item.person_id == person_id))
            db.session.remove()

        def verdict(ok: bool) -> str:
            return "met" if ok else "NOT met"

        print(f"Madoguchi, one person with {args.items:,} items, on {database_label(app)} "
              f"(loaded in {loaded:.0f} s; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)\n")
        print(f"{'step':<34}{'figure':>22}  target")
        print(f"{'my data, first page (stepped up)':<34}{page_p95:>17.1f} ms p95  ≤ {PAGE_TARGET_MS} ms: "
              f"{verdict(page_p95 <= PAGE_TARGET_MS)}")
        print(f"{'disclosure package (ZIP, sealed)':<34}{package_s:>19.1f} s  < {STEP_TARGET_S} s: "
              f"{verdict(package_s < STEP_TARGET_S)}  ({package_size / 1e6:.1f} MB)")
        print(f"{'  its peak memory growth':<34}{package_mb:>18.1f} MB  < {MEMORY_TARGET_MB} MB: "
              f"{verdict(package_mb < MEMORY_TARGET_MB)}")
        print(f"{'full erasure, committed':<34}{erase_s:>19.1f} s  < {STEP_TARGET_S} s: "
              f"{verdict(erase_s < STEP_TARGET_S and left == 0)}  ({left} items left)")
        print(f"{'  its peak memory growth':<34}{erase_mb:>18.1f} MB  < {MEMORY_TARGET_MB} MB: "
              f"{verdict(erase_mb < MEMORY_TARGET_MB)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
