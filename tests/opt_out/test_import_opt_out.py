"""Data obtained through opt-out is not provided onward by opt-out: the importer refuses such a
provision record with its line number, in the same file or against data already held; a source
records that its provider filed with the Commission."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.inventory.export import export_person_records
from portal.inventory.importer import ImportFailed
from portal.inventory.models import Person, Provision, Source

LIST = {"type": "source", "key": "list-optout", "kind": "purchased_list", "name": "名簿 2025",
        "provider": "株式会社サンプル名簿", "provider_obtained_by": "オプトアウト届出による第三者提供",
        "obtained_via_opt_out": True, "provider_opt_out_filed_on": "2024-03-01"}
SIGNUP = {"type": "source", "key": "signup", "kind": "direct", "name": "会員登録"}
PERSON = {"type": "person", "key": "C-1", "email": "hanako@example.jp", "name": "山田 花子"}


def item(field: str, source: str) -> dict:
    return {"type": "item", "key": f"C-1/{field}", "person": "C-1", "category": "contact", "field": field,
            "value": "…", "source": source}


def provision(items: list[str], basis: str = "opt_out", key: str = "P-1") -> dict:
    return {"type": "provision", "key": key, "person": "C-1", "recipient": {"name": "株式会社サンプル販売"},
            "provided_at": "2025-06-01", "basis": basis, "items": items}


def provisions(app) -> int:
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(Provision))
        db.session.remove()
    return count


def test_an_opt_out_provision_of_data_obtained_by_opt_out_is_refused_with_its_line(app, import_lines):
    with pytest.raises(ImportFailed) as failure:
        import_lines(LIST, SIGNUP, PERSON, item("address", "list-optout"), item("email", "signup"),
                     provision(["contact.email", "contact.address"]))
    [problem] = failure.value.problems
    assert problem.line == 6 and "contact.address" in problem.message and "Art. 27(2)" in problem.message
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 0
        db.session.remove()


def test_the_dry_run_reports_it_too(import_lines):
    with pytest.raises(ImportFailed):
        import_lines(LIST, PERSON, item("address", "list-optout"), provision(["contact.address"]), dry_run=True)


def test_data_already_held_from_an_opt_out_source_is_checked_as_well(app, import_lines):
    import_lines(LIST, SIGNUP, PERSON, item("address", "list-optout"), item("email", "signup"))
    with pytest.raises(ImportFailed) as failure:
        import_lines(provision(["contact.address"]))
    assert failure.value.problems[0].line == 1
    assert provisions(app) == 0


def test_other_bases_and_other_items_are_accepted(app, import_lines):
    import_lines(LIST, SIGNUP, PERSON, item("address", "list-optout"), item("email", "signup"),
                 provision(["contact.address"], basis="consent", key="P-1"),
                 provision(["contact.email"], basis="opt_out", key="P-2"))
    assert provisions(app) == 2


def test_a_source_records_the_providers_filing_and_the_export_carries_it(app, import_lines):
    import_lines(LIST, PERSON, item("address", "list-optout"))
    with app.app_context():
        source = db.session.scalar(sa.select(Source).where(Source.key == "list-optout"))
        assert source.obtained_via_opt_out and source.provider_opt_out_filed_on.isoformat() == "2024-03-01"
        person_id = db.session.scalar(sa.select(Person.id))
        lines = list(export_person_records(person_id))
        db.session.remove()
    exported = [line for line in lines if line.get("type") == "source"]
    assert exported and exported[0]["obtained_via_opt_out"] is True
    assert exported[0]["provider_opt_out_filed_on"] == "2024-03-01"


def test_a_filing_date_without_the_opt_out_flag_is_an_error(import_lines):
    with pytest.raises(ImportFailed) as failure:
        import_lines({**SIGNUP, "provider_opt_out_filed_on": "2024-03-01"})
    assert "obtained_via_opt_out" in failure.value.problems[0].message
