"""How long does a 100,000-person permission campaign take to build and queue, and does
sending keep to the set rate?

    .venv/bin/python bench/campaign_bench.py                  # SQLite, a fresh temporary file
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench .venv/bin/python bench/campaign_bench.py

Loads 100,000 persons (encrypted e-mail and name, blind index) each with one item from a
purchased list, 1 in 20 without an e-mail address (letters), with bulk inserts (not timed).
Then times what a manager's "Create" and "Send" do: the audience query, the bulk insert of
every recipient with its short code, the audit entries, and queueing (target: under a minute
together). Finally `tick`'s sending pass runs on a simulated clock every 10 seconds for three
minutes at PORTAL_CAMPAIGN_RATE_PER_MINUTE, and the notices handed to the outbox in every
60-second window are counted against the rate; the real time per notice (render, encrypt,
outbox row) says how high a rate one `tick` process can sustain.

On PostgreSQL the database's `public` schema is DROPPED and rebuilt by the migrations, so
point DATABASE_URL at a scratch database. The database named `test` (CI's) is refused
unless --force is given.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere

import sqlalchemy as sa  # noqa: E402

from bench.common import bench_app, database_label, reset_database  # noqa: E402
from portal.audit.services import Actor  # noqa: E402
from portal.campaigns.audience import Criteria  # noqa: E402
from portal.campaigns.models import CampaignRecipient  # noqa: E402
from portal.campaigns.sending import send_due  # noqa: E402
from portal.campaigns.services import create_campaign, send_campaign  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.inventory.models import Item, Person, Purpose, Source, SourceKind, item_purpose, person_indexes  # noqa: E402

TARGET_SECONDS = 60
_BATCH = 5000


def load_people(app, persons: int) -> None:
    """Persons with one item each from the purchased list (bulk Core inserts, through the
    encrypted column types, as the importer writes them)."""
    with app.app_context():
        source = Source(key="list-2023", kind=SourceKind.PURCHASED_LIST, name_ja="名簿 2023", name_en="List 2023",
                        obtained_on=date(2023, 4, 1), provider="株式会社リストデモ",
                        provider_obtained_by="懸賞応募時のアンケートで第三者提供への同意を得て取得")
        newsletter = Purpose(key="newsletter-email", title_ja="新商品・サービスのお知らせをメールでお送りするため",
                             title_en="To email you news about new products", consent_required=True)
        catalogue = Purpose(key="dm-post", title_ja="カタログを郵便でお送りするため", title_en="To post you our catalogue")
        db.session.add_all([source, newsletter, catalogue])
        db.session.flush()
        now = datetime.now(timezone.utc)
        for start in range(1, persons + 1, _BATCH):
            numbers = range(start, min(start + _BATCH, persons + 1))
            people = []
            for n in numbers:
                values = {"email": None if n % 20 == 0 else f"user{n:06d}@example.jp", "name": f"山田 花子{n}"}
                people.append({"key": f"C-{n:06d}", **values, **person_indexes(values),
                               "created_at": now, "updated_at": now})
            db.session.execute(sa.insert(Person), people)
            ids = dict(db.session.execute(sa.select(Person.key, Person.id).where(
                Person.key.in_([p["key"] for p in people]))).all())
            db.session.execute(sa.insert(Item), [
                {"key": f"{key}/contact.address", "person_id": person_id, "category": "contact", "field": "address",
                 "value": f"東京都港区サンプル{person_id % 9 + 1}", "source_id": source.id,
                 "collected_at": datetime(2023, 4, 1, tzinfo=timezone.utc), "created_at": now}
                for key, person_id in ids.items()])
            item_ids = db.session.scalars(sa.select(Item.id).where(Item.person_id.in_(ids.values()))).all()
            db.session.execute(sa.insert(item_purpose), [
                {"item_id": item_id, "purpose_id": purpose.id}
                for item_id in item_ids for purpose in (newsletter, catalogue)])
            db.session.commit()
        db.session.remove()


def build_and_queue(app) -> tuple[float, int, dict]:
    with app.app_context():
        started = time.perf_counter()
        campaign = create_campaign(name="bench", criteria=Criteria(source_keys=("list-2023",)),
                                   answer_by=date.today() + timedelta(days=30), actor=Actor("cli", "bench"))
        db.session.commit()
        outcome = send_campaign(campaign, actor=Actor("cli", "bench"))
        db.session.commit()
        elapsed = time.perf_counter() - started
        size = campaign.size
        db.session.remove()
    return elapsed, size, outcome


def simulated_sending(app, *, rate: int, minutes: int = 3, every_seconds: int = 10) -> tuple[list[int], int, float]:
    """Run the sending pass on a simulated clock; returns notices per 60-second window, the
    largest count in any sliding 60-second window, and real seconds per notice."""
    start = datetime.now(timezone.utc) + timedelta(seconds=1)
    passes: list[tuple[datetime, int]] = []
    busy = 0.0
    with app.app_context():
        for step in range(minutes * 60 // every_seconds):
            now = start + timedelta(seconds=step * every_seconds)
            began = time.perf_counter()
            report = send_due(now=now, rate=rate)
            db.session.commit()
            busy += time.perf_counter() - began
            passes.append((now, report.mailed))
        mailed_at = [moment for (moment,) in db.session.execute(
            sa.select(CampaignRecipient.mailed_at).where(CampaignRecipient.mailed_at.is_not(None))
            .order_by(CampaignRecipient.mailed_at))]
        db.session.remove()
    per_minute = [sum(n for moment, n in passes if start + timedelta(minutes=m) <= moment
                      < start + timedelta(minutes=m + 1)) for m in range(minutes)]
    worst = 0
    for i, moment in enumerate(mailed_at):  # any window of 60 seconds, not just whole minutes
        j = i
        while j < len(mailed_at) and mailed_at[j] < moment + timedelta(seconds=60):
            j += 1
        worst = max(worst, j - i)
    total = sum(n for _m, n in passes)
    return per_minute, worst, busy / total if total else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--rate", type=int, default=600, help="notices per minute for the sending check")
    parser.add_argument("--force", action="store_true", help="allow a database named 'test' (CI's)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="madoguchi-campaign-bench-") as workdir:
        app = bench_app(workdir, force=args.force)
        if app is None:
            return 2
        reset_database(app)
        print(f"database: {database_label(app)}")
        started = time.perf_counter()
        load_people(app, args.persons)
        print(f"loaded {args.persons:,} persons with one purchased-list item each in "
              f"{time.perf_counter() - started:.1f} s (not timed below)")

        elapsed, size, outcome = build_and_queue(app)
        verdict = "OK" if elapsed < TARGET_SECONDS else "TOO SLOW"
        print(f"build and queue: {size:,} people ({outcome['queued']:,} mails queued, {outcome['letters']:,} letters) "
              f"in {elapsed:.1f} s   target < {TARGET_SECONDS} s   {verdict}")

        per_minute, worst, seconds_each = simulated_sending(app, rate=args.rate)
        kept = "OK" if worst <= args.rate else "OVER THE RATE"
        print(f"sending at {args.rate}/min, tick every 10 s for 3 simulated minutes: {per_minute} per minute; "
              f"most in any 60 s: {worst}   target <= {args.rate}   {kept}")
        print(f"real time per notice handed to the outbox: {seconds_each * 1000:.2f} ms "
              f"(one tick process sustains about {int(60 / seconds_each) if seconds_each else 0:,}/min)")
        return 0 if verdict == "OK" and kept == "OK" else 1


if __name__ == "__main__":
    sys.exit(main())
