"""The demo dataset: `seed-demo` loads it (twice without changes) and it holds what the issue asks for."""
import re
from collections import defaultdict

import pytest
import sqlalchemy as sa

from portal.demo import build_demo
from portal.extensions import db
from portal.inventory.cli import DEMO_FILE
from portal.inventory.importer.parse import KnownKeys, Seen, validate_chunk
from portal.inventory.importer.reader import LineReader, Problem
from portal.inventory.models import ConsentEvent, Item, Person, Provision, Purpose, Source, SourceKind

MODELS = (Source, Purpose, Person, Item, ConsentEvent, Provision)
COUNTS_LINE = re.compile(
    r"imported: \d+ sources, \d+ purposes, \d+ persons, \d+ items, \d+ consents, \d+ provisions"
)


def row_counts() -> dict:
    return {model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model)) for model in MODELS}


def seed(runner) -> str:
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def demo() -> dict[str, list[dict]]:
    """The committed file, read and validated by the importer's own parser (no database needed)."""
    with DEMO_FILE.open("rb") as stream:
        lines = list(LineReader(stream))
    problems = [parsed for _, parsed in lines if isinstance(parsed, Problem)]
    records = [(number, parsed) for number, parsed in lines if not isinstance(parsed, Problem)]
    chunk = validate_chunk(records, KnownKeys(), Seen())
    assert not problems and not chunk.problems, (problems + chunk.problems)[:5]
    by_type = defaultdict(list)
    for _, record in records:
        by_type[record["type"]].append(record)
    return by_type


def test_seed_demo_prints_counts_and_a_second_run_changes_nothing(runner, app_ctx):
    first_output = seed(runner)
    assert COUNTS_LINE.search(first_output)
    first_counts = row_counts()
    assert first_counts["Item"] > 5000

    second_output = seed(runner)
    assert COUNTS_LINE.search(second_output)
    assert "0 created, 0 updated" in second_output
    assert row_counts() == first_counts


def test_seeded_demo_has_a_heavy_shopper_and_a_person_with_every_kind_of_source(runner, app_ctx):
    seed(runner)
    purchases = db.session.execute(
        sa.select(Person.email, sa.func.count())
        .join(Item, Item.person_id == Person.id)
        .where(Item.category == "purchase")
        .group_by(Person.id, Person.email)
    ).all()
    assert ("hanako@example.jp", 5000) in purchases

    kinds_per_person = defaultdict(set)
    rows = db.session.execute(sa.select(Item.person_id, Source.kind).join(Source, Item.source_id == Source.id))
    for person_id, kind in rows:
        kinds_per_person[person_id].add(SourceKind(kind))
    assert any(kinds == set(SourceKind) for kinds in kinds_per_person.values())


def test_committed_demo_file_is_what_the_generator_builds():
    assert DEMO_FILE.read_text(encoding="utf-8") == build_demo.render(), (
        "portal/demo/demo.jsonl is stale: run `python -m portal.demo.build_demo` and commit it"
    )


def test_demo_file_stays_small_enough_to_ship_in_the_package():
    assert DEMO_FILE.stat().st_size < 2_600_000


def test_demo_has_at_least_twenty_persons_with_fictional_emails(demo):
    assert len(demo["person"]) >= 20
    emails = [person["email"] for person in demo["person"]]
    emails += [item["value"] for item in demo["item"] if "email" in item["field"]]
    assert emails and all(email.endswith("example.jp") for email in emails)


def test_demo_has_sources_of_every_kind_named_in_both_languages(demo):
    assert {source["kind"] for source in demo["source"]} == {kind.value for kind in SourceKind}
    for source in demo["source"]:
        assert source["name"]["ja"] and source["name"]["en"]
        if SourceKind(source["kind"]).is_third_party:
            assert source["provider"] and source["provider_obtained_by"]


def test_demo_purposes_are_specific_and_say_whether_they_need_consent(demo):
    purposes = {purpose["key"]: purpose for purpose in demo["purpose"]}
    assert 6 <= len(purposes) <= 8
    assert purposes["newsletter-email"]["consent_required"] and purposes["newsletter-email"]["channel"] == "email"
    assert not purposes["order-delivery"]["consent_required"]
    assert all(p["title"]["ja"].endswith("ため") and p["description"]["en"] for p in purposes.values())


def test_every_demo_item_has_a_stable_key_so_seeding_is_idempotent(demo):
    keys = [item.get("key") for item in demo["item"]]
    assert all(keys) and len(set(keys)) == len(keys)


def test_demo_consents_are_granted_and_later_withdrawn(demo):
    history = defaultdict(list)
    for consent in sorted(demo["consent"], key=lambda c: c["at"]):
        history[consent["person"], consent["purpose"]].append(consent["state"])
    withdrawn_after_grant = [key for key, states in history.items() if states[:2] == ["granted", "withdrawn"]]
    assert len(withdrawn_after_grant) >= 3


def test_demo_provisions_go_to_a_delivery_company_an_ad_partner_and_the_joint_use_partner(demo):
    bases = defaultdict(set)
    for provision in demo["provision"]:
        bases[provision["recipient"]["name"]].add(provision["basis"])
        assert provision["recipient"]["address"] and provision["recipient"]["representative"]
    assert bases["株式会社サンプル物流"] <= {"entrustment", "consent"}
    assert bases["株式会社サンプル広告"] == {"consent"}
    assert bases["さくらカード株式会社"] == {"joint_use"}


def test_ad_partner_receives_data_only_while_consent_stands(demo):
    events = defaultdict(list)
    for consent in demo["consent"]:
        if consent["purpose"] == "ad-partner":
            events[consent["person"]].append((consent["at"][:10], consent["state"]))
    for provision in demo["provision"]:
        if provision["recipient"]["name"] == "株式会社サンプル広告":
            before = [state for day, state in sorted(events[provision["person"]]) if day <= provision["provided_at"]]
            assert before and before[-1] == "granted", provision["key"]
