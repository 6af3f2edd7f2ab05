"""How fast does `import-data` load a company-sized file, in how much memory, and how fast again?

    .venv/bin/python bench/import_bench.py                  # SQLite, a fresh temporary file
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench .venv/bin/python bench/import_bench.py

Generates (in a temporary directory) import files of 1,000 persons (about 27 MB) and 7,500
persons (about 200 MB) with 100 items each, plus sources, purposes, ~3 consents per person
and a provision for every 5th person; then times the real importer twice per file, each
time in a fresh process whose peak memory is reported: the first import into an empty
database and the re-import of the same file (which must change nothing). Only the imports
are timed, not generating the file or migrating the database. Prints each figure beside its
target and the machine's load average.

On PostgreSQL the database's `public` schema is DROPPED and rebuilt by the migrations, so
point DATABASE_URL at a scratch database. The database named `test` (CI's) is refused
unless --force is given.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere

from bench.common import bench_app, database_label, reset_database  # noqa: E402
from portal.audit.services import Actor  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.inventory.importer import import_file  # noqa: E402

TARGET_RECORDS_PER_SECOND = 50_000
FLOOR_RECORDS_PER_SECOND = 10_000
TARGET_PEAK_MB = 250

SOURCES = [
    {"type": "source", "key": "web-signup", "kind": "direct", "name": {"ja": "会員登録フォーム", "en": "Sign-up form"}},
    {"type": "source", "key": "store-card", "kind": "membership", "name": {"ja": "店舗ポイントカード", "en": "Store point card"}},
    {"type": "source", "key": "bigsight-2024", "kind": "event", "obtained_on": "2024-05-15",
     "name": {"ja": "東京ビッグサイト 販促EXPO 2024 名刺交換", "en": "Sales Promotion EXPO 2024, business card exchange"}},
    {"type": "source", "key": "list-2023", "kind": "purchased_list", "name": "名簿 2023",
     "provider": "株式会社リストデモ", "provider_obtained_by": "懸賞応募のアンケート"},
]
PURPOSES = [
    {"type": "purpose", "key": "orders", "title": {"ja": "ご注文の商品をお届けするため", "en": "To deliver your orders"},
     "consent_required": False, "channel": "none"},
    {"type": "purpose", "key": "newsletter-email", "channel": "email", "consent_required": True,
     "title": {"ja": "新商品・サービスのお知らせ（メール）", "en": "News about new products and services (email)"}},
    {"type": "purpose", "key": "dm-post", "channel": "post", "consent_required": True,
     "title": {"ja": "カタログを郵便でお送りするため", "en": "To send you our catalogue by post"}},
    {"type": "purpose", "key": "points", "channel": "none", "consent_required": False,
     "title": {"ja": "ポイントを付与・管理するため", "en": "To award and manage your points"}},
    {"type": "purpose", "key": "analytics", "channel": "none", "consent_required": False,
     "title": {"ja": "商品開発のための購買傾向の分析", "en": "Analysing purchases to develop products"}},
]
SURNAMES = [("山田", "ヤマダ"), ("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"), ("田中", "タナカ")]
GIVEN = [("花子", "ハナコ"), ("太郎", "タロウ"), ("陽菜", "ヒナ"), ("蓮", "レン"), ("結衣", "ユイ")]
PRODUCTS = [("A-100", "緑茶 500ml", 150), ("B-220", "ほうじ茶ラテ", 320), ("C-310", "抹茶どら焼き", 280),
            ("D-045", "煎茶ティーバッグ 20袋", 680), ("E-900", "急須（常滑焼）", 4800)]
KEYED_FIELDS = 10  # name, kana, email, phone, address, birthdate, gender, card, rank, newsletter


def person_records(n: int, items: int, rng: random.Random) -> list[dict]:
    """One person, their `items` items (10 keyed profile fields, the rest purchases and points),
    ~3 consents, and a provision for every 5th person."""
    key = f"C-{n:06d}"
    (surname, surname_kana), (given, given_kana) = rng.choice(SURNAMES), rng.choice(GIVEN)
    joined = datetime(2019, 1, 1) + timedelta(days=rng.randrange(1800), minutes=rng.randrange(1440))
    source = rng.choice(("web-signup", "store-card", "bigsight-2024", "list-2023"))
    records: list[dict] = [{
        "type": "person", "key": key, "email": f"user{n:06d}@example.jp", "name": f"{surname} {given}",
        "name_kana": f"{surname_kana} {given_kana}", "phone": f"090-{n // 10000:04d}-{n % 10000:04d}",
        "birthdate": (date(1950, 1, 1) + timedelta(days=rng.randrange(20000))).isoformat(),
        "customer_number": f"M-{55500000 + n}",
    }]
    profile = [
        ("identity", "name", f"{surname} {given}"), ("identity", "name_kana", f"{surname_kana} {given_kana}"),
        ("contact", "email", f"user{n:06d}@example.jp"), ("contact", "phone", f"090-{n // 10000:04d}-{n % 10000:04d}"),
        ("contact", "address", f"東京都港区サンプル{n % 9 + 1}-{n % 30 + 1}-{n % 12 + 1}"),
        ("demographic", "birthdate", records[0]["birthdate"]), ("demographic", "gender", rng.choice(("female", "male", "unspecified"))),
        ("membership", "card_number", f"M-{55500000 + n}"), ("membership", "rank", rng.choice(("ゴールド", "シルバー", "レギュラー"))),
        ("preference", "newsletter", rng.choice(("weekly", "monthly"))),
    ][:min(KEYED_FIELDS, items)]
    at = joined.strftime("%Y-%m-%dT%H:%M:%S")  # no offset: Japan time, as CRMs export it
    for category, field, value in profile:
        records.append({
            "type": "item", "key": f"{key}/{category}.{field}", "person": key, "category": category, "field": field,
            "value": value, "source": source, "collected_at": at, "purposes": ["orders", "newsletter-email"],
            "retain_until": "2030-03-31",
        })
    for line in range(items - len(profile)):
        when = joined + timedelta(days=line * 7 + rng.randrange(7), minutes=rng.randrange(600))
        if line % 4 == 3:
            value, category, field, purposes = {"points": rng.randrange(1, 200), "reason": "購入"}, "points", "earned", ["points"]
        else:
            sku, name, price = rng.choice(PRODUCTS)
            value, category, field, purposes = {"sku": sku, "name": name, "price": price, "qty": rng.randrange(1, 4)}, "purchase", "line", ["orders", "analytics"]
        records.append({
            "type": "item", "person": key, "category": category, "field": field, "value": value,
            "source": "store-card", "collected_at": when.strftime("%Y-%m-%dT%H:%M:%S+09:00"), "purposes": purposes,
        })
    granted = joined.strftime("%Y-%m-%dT%H:%M:%S+09:00")
    records += [
        {"type": "consent", "person": key, "purpose": "newsletter-email", "state": "granted", "at": granted, "method": "web-form", "source": source},
        {"type": "consent", "person": key, "purpose": "dm-post", "state": "granted", "at": granted, "method": "web-form", "source": source},
    ]
    later = (joined + timedelta(days=rng.randrange(30, 900))).strftime("%Y-%m-%dT%H:%M:%S+09:00")
    records.append({"type": "consent", "person": key, "purpose": "newsletter-email",
                    "state": rng.choice(("withdrawn", "granted")), "at": later, "method": "mypage"})
    if n % 5 == 0:
        records.append({
            "type": "provision", "key": f"P-{n:06d}", "person": key, "provided_at": "2025-02-01", "basis": "entrustment",
            "recipient": {"name": "株式会社サンプル物流", "address": "大阪府大阪市北区サンプル1-1", "representative": "代表取締役 佐藤 一郎"},
            "items": ["identity.name", "contact.address", "contact.phone"],
        })
    return records


def generate(path: Path, *, persons: int, items: int, seed: int = 20250201) -> dict[str, int]:
    """Write the benchmark file; return how many records of each type it holds."""
    rng = random.Random(seed)
    counts: dict[str, int] = {}
    with path.open("w", encoding="utf-8") as out:
        out.write("# Madoguchi import benchmark (generated)\n")
        for n in range(1, persons + 1):
            batch = (SOURCES + PURPOSES if n == 1 else []) + person_records(n, items, rng)
            for record in batch:
                counts[record["type"]] = counts.get(record["type"], 0) + 1
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return counts


def child_import(path: Path, workdir: str, force: bool) -> dict:
    """One import in this (fresh) process: wall and CPU seconds, and the process's peak memory."""
    app = bench_app(workdir, force=force)
    with app.app_context():
        started, cpu_started = time.perf_counter(), time.process_time()
        result = import_file(path, actor=Actor("cli", "import-bench"))
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        db.session.remove()
    return {"seconds": elapsed, "cpu": cpu, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "records": sum(result.counts.values()),
            "created": sum(result.changes.created.values()), "updated": sum(result.changes.updated.values())}


def timed_import(path: Path, workdir: str, force: bool) -> dict:
    """Run one import in a child process, so its peak memory is the import's alone (with the app)."""
    child = subprocess.run(
        [sys.executable, __file__, "--child", str(path), "--workdir", workdir] + (["--force"] if force else []),
        capture_output=True, text=True,
    )
    if child.returncode != 0:
        sys.exit(f"the import failed:\n{child.stderr[-3000:]}")
    return json.loads(child.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=1000, help="persons in the small file (1,000: about 27 MB)")
    parser.add_argument("--large", type=int, default=7500,
                        help="persons in the large file (7,500: about 200 MB); 0 runs the small one only")
    parser.add_argument("--items-per-person", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=1, help="run N times and report the fastest (a busy machine is noisy)")
    parser.add_argument("--force", action="store_true", help="allow a database named 'test' (CI's)")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child_import(args.child, args.workdir, args.force)))
        return 0

    load_before = os.getloadavg()
    rows = []
    with tempfile.TemporaryDirectory(prefix="madoguchi-bench-") as workdir:
        app = bench_app(workdir, force=args.force)
        if app is None:
            return 2
        database = database_label(app)
        for persons in filter(None, (args.persons, args.large)):
            path = Path(workdir) / f"bench-{persons}.jsonl"
            counts = generate(path, persons=persons, items=args.items_per_person)
            size_mb = path.stat().st_size / 1e6
            best: dict[str, dict] = {}
            for _ in range(max(args.repeat, 1)):
                reset_database(app)
                for label in ("first import", "re-import"):
                    run = timed_import(path, workdir, args.force)
                    if label not in best or run["seconds"] < best[label]["seconds"]:
                        best[label] = run
            rows += [(f"{size_mb:,.0f} MB", label, run) for label, run in best.items()]
            path.unlink()
            print(f"file of {size_mb:,.0f} MB: {sum(counts.values()):,} records: "
                  + ", ".join(f"{counts.get(kind, 0):,} {kind}s" for kind in ("source", "purpose", "person", "item", "consent", "provision")),
                  flush=True)
    load_after = os.getloadavg()

    runs = f", fastest of {args.repeat} runs" if args.repeat > 1 else ""
    print(f"\nMadoguchi import benchmark on {database}{runs}")
    print(f"machine: {os.cpu_count()} CPUs, load average {load_before[0]:.1f} before and {load_after[0]:.1f} after the runs\n")
    print(f"{'file':<8}{'run':<14}{'seconds':>9}{'records/s':>12}{'cpu s':>8}{'rec/cpu s':>11}{'peak RSS':>11}"
          f"{'created':>10}{'updated':>10}")
    for size, label, run in rows:
        print(f"{size:<8}{label:<14}{run['seconds']:>9.2f}{run['records'] / run['seconds']:>12,.0f}{run['cpu']:>8.2f}"
              f"{run['records'] / run['cpu']:>11,.0f}{run['peak_mb']:>8.0f} MB{run['created']:>10,}{run['updated']:>10,}")
    print("(cpu s: the importing process's CPU time, so rec/cpu s is what a machine of one's own would give;"
          " on PostgreSQL the server's work is not in it; peak RSS: the importing process, app included)\n")
    slowest = min(run["records"] / run["seconds"] for _, _, run in rows)
    peak = max(run["peak_mb"] for _, _, run in rows)
    firsts = {size: run["seconds"] for size, label, run in rows if label == "first import"}
    faster = all(run["seconds"] < firsts[size] for size, label, run in rows if label == "re-import")
    print(f"records/s, slowest run: {slowest:>9,.0f}   target ≥ {TARGET_RECORDS_PER_SECOND:,} "
          f"(at least {FLOOR_RECORDS_PER_SECOND:,}): {_verdict(slowest, TARGET_RECORDS_PER_SECOND, FLOOR_RECORDS_PER_SECOND)}")
    print(f"peak RSS, largest:      {peak:>6,.0f} MB   target ≤ {TARGET_PEAK_MB} MB whatever the size: "
          f"{'met' if peak <= TARGET_PEAK_MB else 'NOT met'}")
    print(f"re-import faster than the first import: {'yes' if faster else 'NO'}")
    return 0


def _verdict(value: float, target: float, floor: float) -> str:
    if value >= target:
        return "met"
    return "floor met, target NOT met" if value >= floor else "NOT met"


if __name__ == "__main__":
    sys.exit(main())
