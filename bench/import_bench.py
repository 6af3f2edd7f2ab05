"""How fast does `import-data` load a company-sized file, and how fast is loading it again?

    .venv/bin/python bench/import_bench.py                  # SQLite, a fresh temporary file
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench .venv/bin/python bench/import_bench.py

Generates (in a temporary directory) an import file of 1,000 persons with 100 items each,
plus sources, purposes, ~3 consents per person and a provision for every 5th person; then
times the real importer twice: the first import into an empty database and the re-import
of the same file (which must change nothing). Only the imports are timed, not generating
the file or migrating the database.

On PostgreSQL the database's `public` schema is DROPPED and rebuilt by the migrations, so
point DATABASE_URL at a scratch database. The database named `test` (CI's) is refused
unless --force is given.
"""
from __future__ import annotations

import argparse
import json
import random
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

TARGET_RECORDS_PER_SECOND = 10_000

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


def timed_import(app, path: Path) -> tuple[float, float, object]:
    """Wall-clock and CPU seconds of one import (CPU: this process only, not the database server)."""
    with app.app_context():
        started, cpu_started = time.perf_counter(), time.process_time()
        result = import_file(path, actor=Actor("cli", "import-bench"))
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        db.session.remove()
    return elapsed, cpu, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=1000)
    parser.add_argument("--items-per-person", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=1, help="run N times and report the fastest (a busy machine is noisy)")
    parser.add_argument("--force", action="store_true", help="allow a database named 'test' (CI's)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="madoguchi-bench-") as workdir:
        path = Path(workdir) / "bench.jsonl"
        counts = generate(path, persons=args.persons, items=args.items_per_person)
        total = sum(counts.values())
        app = bench_app(workdir, force=args.force)
        if app is None:
            return 2

        best: dict[str, tuple] = {}
        for _ in range(max(args.repeat, 1)):
            reset_database(app)
            for label in ("first import", "re-import (same file)"):
                seconds, cpu, result = timed_import(app, path)
                created, updated = sum(result.changes.created.values()), sum(result.changes.updated.values())
                if label not in best or seconds < best[label][1]:
                    best[label] = (label, seconds, cpu, total / seconds, created, updated)
        rows = list(best.values())

        database = database_label(app)
        runs = f", fastest of {args.repeat} runs" if args.repeat > 1 else ""
        print(f"Madoguchi import benchmark on {database}{runs}")
        print(f"file: {total:,} records, {path.stat().st_size / 1e6:.1f} MB: "
              + ", ".join(f"{counts.get(kind, 0):,} {kind}s" for kind in ("source", "purpose", "person", "item", "consent", "provision")))
        print()
        print(f"{'run':<24}{'seconds':>9}{'records/s':>12}{'created':>10}{'updated':>10}{'cpu s':>8}")
        for label, seconds, cpu, rate, created, updated in rows:
            print(f"{label:<24}{seconds:>9.2f}{rate:>12,.0f}{created:>10,}{updated:>10,}{cpu:>8.2f}")
        print("(cpu s: this process's CPU time; on PostgreSQL the server's work is not in it)")
        slowest = min(row[3] for row in rows)
        verdict = "met" if slowest >= TARGET_RECORDS_PER_SECOND else "NOT met"
        print(f"\ntarget ≥ {TARGET_RECORDS_PER_SECOND:,} records/s: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
