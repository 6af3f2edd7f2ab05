"""The benchmark's register: persons, their items, requests and the requests' events.

Rows are written straight into the tables with explicit ids (not through the services:
2,000,000 items must load in minutes), with the importer's bulk insert (COPY on PostgreSQL,
executemany in large transactions on SQLite). Person 1 holds 10,000 items (the "my data"
page's worst case); person 2 files the benchmark's new requests; the other items are shared
evenly among everyone else. The newest tenth of the requests is open, as in queue_bench.py.
"""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from bench.common import reset_database, upgrade_schema
from portal.audit.services import Actor
from portal.common.time import utcnow
from portal.dsr.filing import format_reference
from portal.dsr.models import Policy
from portal.encryption.blind import email_index, name_index
from portal.extensions import db
from portal.inventory.amounts import line_amount
from portal.common.db import insert_many
from portal.inventory.models import person_indexes
from portal.staff import services as staff_services

MY_DATA_EMAIL = "hanako@example.jp"  # person 1
SUBMITTER_EMAIL = "submitter@example.jp"  # person 2
MY_DATA_ITEMS = 10_000
STAFF_COUNT = 12
CHUNK = 50_000
TYPES = ("disclosure", "correction", "erasure", "suspension", "consent_withdrawal", "stop_provision",
         "provision_records")
CLOSED = ("completed", "completed", "completed", "rejected", "withdrawn")
OPEN = ("received", "verified", "in_progress", "in_progress", "awaiting_requester")
# (category, field, value maker, source, purpose): the kinds of item a retailer holds
ITEM_KINDS = (
    ("purchase", "line", lambda n: {"sku": f"SKU-{n % 500:05d}", "product": "緑茶 500ml", "quantity": 1 + n % 3,
                                    "unit_price": 150, "total": 150 * (1 + n % 3)}, 2, 1),
    ("purchase", "line", lambda n: {"sku": f"SKU-{n % 700:05d}", "product": "ほうじ茶 2L", "quantity": 1,
                                    "unit_price": 280, "total": 280}, 2, 1),
    ("points", "earned", lambda n: {"points": n % 50 + 1, "reason": "購入"}, 2, 2),
    ("survey", "q01", lambda n: f"回答 {n % 5}", 3, 3),
    ("contact", "address", lambda n: f"東京都港区サンプル{n % 9 + 1}-{n % 20 + 1}", 1, 1),
)


def counts(app, requests: int) -> dict[str, int]:
    """Rows per generated table (empty when the schema is missing). Requests filed by earlier
    runs (ids after the generated ones) are not counted: they are a few hundred per run."""
    with app.app_context():
        try:
            found = {name: db.session.scalar(sa.text(f"SELECT count(*) FROM {name}"))
                     for name in ("person", "item")}
            found["data_request"] = db.session.scalar(sa.text("SELECT count(*) FROM data_request WHERE id <= :n"),
                                                      {"n": requests})
        except sa.exc.DBAPIError:
            found = {}
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()
    return found


def _insert(table_name: str, rows) -> None:
    """Insert an iterable of rows in chunks, one transaction per chunk."""
    table = db.metadata.tables[table_name]
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == CHUNK:
            insert_many(table, batch)
            db.session.commit()
            batch = []
    insert_many(table, batch)
    db.session.commit()


def reuse_or_generate(app, *, persons: int, items: int, requests: int, reuse: bool) -> bool:
    """With `reuse`, keep a database whose generated rows match, upgraded to the code's schema
    as a deploy would; otherwise a fresh schema and a new dataset. True when it was reused."""
    if reuse and counts(app, requests) == {"person": persons, "item": items, "data_request": requests}:
        upgrade_schema(app)
        return True
    reset_database(app)
    generate(app, persons=persons, items=items, requests=requests)
    return False


def generate(app, *, persons: int, items: int, requests: int) -> None:
    now = utcnow()
    with app.app_context():
        for n in range(STAFF_COUNT):  # the assignees
            staff_services.create_staff(email=f"staff{n}@bench.example.jp", name=f"担当 {n}",
                                        role="agent" if n else "manager", password=None, actor=Actor("cli"))
        db.session.commit()
        staff_ids = list(db.session.scalars(sa.text("SELECT id FROM staff_user ORDER BY id")))
        _insert("source", [
            {"id": 1, "key": "web-signup", "kind": "direct", "name_ja": "会員登録フォーム", "name_en": "Sign-up form"},
            {"id": 2, "key": "store", "kind": "purchase", "name_ja": "店舗でのお買い物", "name_en": "In-store purchases"},
            {"id": 3, "key": "survey-2025", "kind": "survey", "name_ja": "2025年 お客様アンケート", "name_en": "Survey 2025"},
        ])
        _insert("purpose", [
            {"id": 1, "key": "orders", "title_ja": "ご注文の商品をお届けするため", "title_en": "To deliver orders",
             "consent_required": False, "channel": "none"},
            {"id": 2, "key": "points", "title_ja": "ポイントを付与・管理するため", "title_en": "To manage points",
             "consent_required": False, "channel": "none"},
            {"id": 3, "key": "analysis", "title_ja": "購買傾向を分析するため", "title_en": "To analyse purchases",
             "consent_required": False, "channel": "none"},
        ])
        def person_row(n: int) -> dict:
            fields = {"email": MY_DATA_EMAIL if n == 1 else SUBMITTER_EMAIL if n == 2 else f"person{n}@example.jp",
                      "name": f"試験 太郎{n}", "name_kana": "シケン タロウ",
                      "phone": f"090-{n // 10000 % 10000:04d}-{n % 10000:04d}", "customer_number": f"M-{n:07d}"}
            return {"id": n, "key": f"C-{n:07d}", **fields, **person_indexes(fields),
                    "birthdate": date(1960 + n % 40, 1 + n % 12, 1 + n % 28), "created_at": now, "updated_at": now}

        _insert("person", (person_row(n) for n in range(1, persons + 1)))
        own = min(MY_DATA_ITEMS, items // 2)

        def owner(n: int) -> int:  # item n (from 0) → its person
            return 1 if n < own or persons == 1 else 2 + (n - own) % (persons - 1)

        def item_rows():
            for n in range(items):
                category, field, value, source, _purpose = ITEM_KINDS[n % len(ITEM_KINDS)]
                yield {"id": n + 1, "person_id": owner(n), "category": category, "field": field, "value": value(n),
                       "amount": line_amount(category, value(n)),
                       "source_id": source, "collected_at": now - timedelta(hours=n % 50_000),
                       "retain_until": date(2032, 3, 31), "created_at": now}

        _insert("item", item_rows())
        _insert("item_purpose", ({"item_id": n + 1, "purpose_id": ITEM_KINDS[n % len(ITEM_KINDS)][4]}
                                 for n in range(items)))
        _insert_requests(now, persons=persons, requests=requests, staff_ids=staff_ids)
        if db.engine.dialect.name == "postgresql":
            for name in ("source", "purpose", "person", "item", "data_request", "request_event"):
                db.session.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                           f"(SELECT coalesce(max(id), 0) + 1 FROM {name}), false)"))
        db.session.commit()
        # Fresh statistics and visibility map, as autovacuum keeps them on a live database
        # (without the map PostgreSQL's index-only scans read the table after all).
        with db.engine.connect() as connection:
            command = "VACUUM ANALYZE" if db.engine.dialect.name == "postgresql" else "ANALYZE"
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text(command))
        db.session.remove()
        db.engine.dispose()


def _insert_requests(now, *, persons: int, requests: int, staff_ids: list[int]) -> None:
    policies = {p.jurisdiction.value: p.id for p in db.session.scalars(sa.select(Policy)
                                                                         .where(Policy.request_type.is_(None)))}
    events = []

    def request_rows():
        for n in range(1, requests + 1):
            # The newest tenth is open, as are a few old ones (overdue).
            is_open = n > requests * 0.9 or n % 5000 == 0
            status = OPEN[n % len(OPEN)] if is_open else CLOSED[n % len(CLOSED)]
            received = now - timedelta(minutes=(requests - n) * 8 * 200_000 // max(requests, 1))
            jurisdiction = ("appi", "appi", "appi", "gdpr", "ccpa")[n % 5]
            verified = status != "received"
            due = received + timedelta(days=14 + n % 20) if verified else None
            closed = None if is_open else received + timedelta(days=10)
            person = 3 + n % max(persons - 2, 1) if n % 7 and persons > 2 else None
            events.append({"request_id": n, "at": received, "kind": "received", "actor_type": "customer",
                           "actor_id": None, "from_status": None, "to_status": "received", "data": {},
                           "visible_to_requester": True})
            if verified:
                events.append({"request_id": n, "at": received, "kind": "verified", "actor_type": "system",
                               "actor_id": None, "from_status": "received", "to_status": "verified", "data": {},
                               "visible_to_requester": True})
            if status not in ("received", "verified"):
                events.append({"request_id": n, "at": closed or received + timedelta(days=1),
                               "kind": "status_changed", "actor_type": "staff", "actor_id": str(staff_ids[n % len(staff_ids)]),
                               "from_status": "verified", "to_status": status, "data": {},
                               "visible_to_requester": True})
            email, name = f"person{person or n}@example.jp", f"試験 太郎{person or n}"
            yield {
                "id": n, "reference": format_reference(n, received), "type": TYPES[n % len(TYPES)],
                "policy_id": policies[jurisdiction], "jurisdiction": jurisdiction, "status": status,
                "person_id": person, "requester_email": email, "requester_email_index": email_index(email),
                "requester_name": name, "requester_name_index": name_index(name), "is_agent": n % 13 == 0, "channel": "web",
                "language": "ja", "residence": "jp", "details": {}, "received_at": received,
                "verified_at": received if verified else None, "due_at": due, "original_due_at": due,
                "paused_seconds": 0, "closed_at": closed,
                "assignee_id": None if n % 3 == 0 else staff_ids[n % len(staff_ids)], "version_id": 1,
                "created_at": received, "updated_at": closed or received,
            }

    _insert("data_request", request_rows())
    _insert("request_event", ({"id": n, **event} for n, event in enumerate(events, start=1)))
