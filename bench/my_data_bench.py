"""How fast is the first page of "my data" for a customer with 10,000 items?

    .venv/bin/python bench/my_data_bench.py                  # SQLite, a fresh temporary file
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench .venv/bin/python bench/my_data_bench.py

Builds one customer with 10,000 items (mostly purchase lines and point records, plus a few
dozen profile, survey and device items), consents and provision records, next to some
other customers; logs in the way the tests do (a server-side CustomerSession whose token
sits in the session cookie) and times GET /my/data with the Flask test client, masked and
after the step-up check. Only the requests are timed, after a warm-up.

On PostgreSQL the database's `public` schema is DROPPED and rebuilt by the migrations, so
point DATABASE_URL at a scratch database. The database named `test` (CI's) is refused
unless --force is given.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere

from bench.common import bench_app, database_label, reset_database  # noqa: E402
from portal.audit.services import Actor  # noqa: E402
from portal.common.time import utcnow  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.inventory.importer import import_bytes  # noqa: E402
from portal.inventory.models import Person  # noqa: E402
from portal.verification.models import CustomerSession  # noqa: E402
from portal.verification.session import TOKEN_KEY  # noqa: E402

TARGET_MS = 100

SOURCES = [
    {"type": "source", "key": "web-signup", "kind": "direct", "name": {"ja": "会員登録フォーム", "en": "Sign-up form"}},
    {"type": "source", "key": "store", "kind": "purchase", "name": {"ja": "店舗でのお買い物", "en": "In-store purchases"}},
    {"type": "source", "key": "survey-2025", "kind": "survey", "name": "2025年 お客様アンケート", "obtained_on": "2025-10-01"},
    {"type": "source", "key": "list-2025", "kind": "purchased_list", "name": "首都圏 生活者リスト 2025年版",
     "provider": "株式会社サンプルリサーチ", "provider_obtained_by": "懸賞サイトの応募フォームで同意を得て取得"},
]
PURPOSES = [
    {"type": "purpose", "key": key, "title": title, "consent_required": consent, "channel": channel}
    for key, title, consent, channel in (
        ("orders", "ご注文の商品をお届けするため", False, "none"),
        ("points", "ポイントを付与・管理するため", False, "none"),
        ("analysis", "購買傾向を分析して商品開発に役立てるため", False, "none"),
        ("newsletter-email", "新商品のお知らせをメールでお送りするため", True, "email"),
        ("dm-post", "カタログを郵便でお送りするため", True, "post"),
    )
]


def customer(key: str, email: str, items: int) -> list[dict]:
    """A customer with `items` items: ~40 profile/survey/device items, the rest purchases and points."""
    joined = datetime(2019, 4, 1, 10, 0)
    records = [{"type": "person", "key": key, "email": email, "name": "山田 花子", "name_kana": "ヤマダ ハナコ",
                "phone": "090-1234-5678", "birthdate": "1985-04-01", "customer_number": f"M-{key[-6:]}"}]

    def item(category, field, value, n, *, source="web-signup", purposes=("orders",), keyed=True):
        record = {"type": "item", "person": key, "category": category, "field": field, "value": value,
                  "source": source, "purposes": list(purposes), "retain_until": "2032-03-31",
                  "collected_at": (joined + timedelta(hours=n * 5)).isoformat()}
        if keyed:
            record["key"] = f"{key}/{category}/{field}"
        return record

    profile = [("identity", "name", "山田 花子"), ("identity", "name_kana", "ヤマダ ハナコ"),
               ("contact", "email", email), ("contact", "phone", "090-1234-5678"),
               ("contact", "address", "東京都港区サンプル1-2-3"), ("demographic", "birthdate", "1985-04-01"),
               ("demographic", "gender", "女性"), ("membership", "member_number", f"M-{key[-6:]}")]
    profile += [("survey", f"q{n:02d}", f"回答 {n}") for n in range(20)]
    profile += [("device", f"device_{n}", f"id-{n:04d}") for n in range(6)]
    profile += [("preference", f"interest_{n}", f"関心 {n}") for n in range(6)]
    records += [item(c, f, v, n, source="list-2025" if f == "address" else "web-signup") for n, (c, f, v) in enumerate(profile)]
    for n in range(items - len(profile)):
        if n % 4 == 3:
            records.append(item("points", "earned", {"points": n % 50 + 1, "reason": "購入"}, n,
                                source="store", purposes=("points",), keyed=False))
        else:
            records.append(item("purchase", "line", {"sku": f"SKU-{n % 500:05d}", "product": "緑茶 500ml",
                                                     "quantity": 1 + n % 3, "unit_price": 150, "total": 150 * (1 + n % 3)},
                                n, source="store", purposes=("orders", "analysis"), keyed=False))
    for n, purpose in enumerate(("newsletter-email", "dm-post")):
        for m, state in enumerate(("granted", "withdrawn", "granted")):
            records.append({"type": "consent", "person": key, "purpose": purpose, "state": state, "method": "web",
                            "at": (joined + timedelta(days=100 * m + n)).isoformat()})
    for n in range(20):
        records.append({"type": "provision", "key": f"P-{key}-{n}", "person": key, "basis": "entrustment",
                        "provided_at": f"{2020 + n // 12}-{n % 12 + 1:02d}-01", "items": ["identity.name", "contact.address"],
                        "recipient": {"name": "株式会社サンプル物流", "address": "大阪府大阪市北区サンプル1-1",
                                      "representative": "代表取締役 佐藤 一郎"}})
    return records


def load(app, items: int, others: int) -> None:
    records = [*SOURCES, *PURPOSES, *customer("C-000001", "hanako@example.jp", items)]
    for n in range(others):
        records += customer(f"C-1{n:05d}", f"other{n}@example.jp", 200)
    data = "\n".join(json.dumps(r, ensure_ascii=False) for r in records).encode()
    with app.app_context():
        import_bytes(data, actor=Actor("cli", "my-data-bench"))
        db.session.remove()
        if db.engine.dialect.name == "postgresql":
            # What autovacuum does within a minute of a bulk load: without statistics PostgreSQL
            # took a person's 75,000 purchase lines for one and sorted them all to find the newest 5.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("ANALYZE")


def login(app, client, email: str) -> int:
    """A verified customer's session, created the way the test fixture does it."""
    token = secrets.token_urlsafe(32)
    with app.app_context():
        person_id = db.session.scalar(sa.select(Person.id).where(Person.with_email(email)))
        if person_id is None:  # a session without a person would time an empty page
            raise SystemExit(f"no person with the address {email!r} in the database")
        db.session.add(CustomerSession(token_hash=hashlib.sha256(token.encode()).hexdigest(), email=email, person_id=person_id))
        db.session.commit()
        db.session.remove()
    with client.session_transaction() as session:
        session[TOKEN_KEY] = token
    return person_id


def step_up(app) -> None:
    with app.app_context():
        db.session.execute(sa.update(CustomerSession).values(stepped_up_at=utcnow()))
        db.session.commit()
        db.session.remove()


def measure(client, url: str, *, requests: int, warmup: int) -> tuple[list[float], list[float]]:
    """Wall-clock and this process's CPU time per request, in ms.

    CPU time shows the app's own cost even on a busy machine, where the wall clock also
    counts waiting for a core (on PostgreSQL the database server's work is not in it).
    """
    for _ in range(warmup):
        assert client.get(url).status_code == 200
    wall, cpu = [], []
    for _ in range(requests):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200, response.status_code
    return wall, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--others", type=int, default=50, help="other customers (200 items each)")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--force", action="store_true", help="allow a database named 'test' (CI's)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="madoguchi-bench-") as workdir:
        app = bench_app(workdir, force=args.force, RATELIMIT_ENABLED=False)
        if app is None:
            return 2
        reset_database(app)
        load(app, args.items, args.others)
        client = app.test_client()
        login(app, client, "hanako@example.jp")

        rows = [("/my/data, masked", measure(client, "/my/data", requests=args.requests, warmup=args.warmup))]
        step_up(app)
        rows.append(("/my/data, stepped up", measure(client, "/my/data", requests=args.requests, warmup=args.warmup)))
        rows.append(("category page 1", measure(client, "/my/data/category/purchase", requests=args.requests, warmup=args.warmup)))

        database = database_label(app)
        print(f"Madoguchi 'my data' benchmark on {database}")
        print(f"one customer with {args.items:,} items (+ {args.others} others with 200 each); "
              f"{args.requests} requests per row after {args.warmup} warm-up")
        print()
        print(f"{'page':<24}{'p50 ms':>9}{'p95 ms':>9}{'mean ms':>9}{'cpu p50':>9}")
        for label, (wall, cpu) in rows:
            p95 = statistics.quantiles(wall, n=20)[-1]
            print(f"{label:<24}{statistics.median(wall):>9.1f}{p95:>9.1f}{statistics.fmean(wall):>9.1f}"
                  f"{statistics.median(cpu):>9.1f}")
        worst = max(statistics.quantiles(wall, n=20)[-1] for _, (wall, _) in rows[:2])
        print(f"\ntarget: first page p95 ≤ {TARGET_MS} ms: {'met' if worst <= TARGET_MS else 'NOT met'}"
              f" (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
