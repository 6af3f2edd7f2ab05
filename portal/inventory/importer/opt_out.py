"""Data obtained through opt-out is not provided onward by opt-out (APPI Art. 27(2) proviso).

A `provision` record with basis `opt_out` is refused, with its line, when any of the items it
names (`category.field`) is held about that person from a source marked
`obtained_via_opt_out` — whether the item is in the same file or already in the database.
Called once by the importer after the records are validated, so a dry run reports it too.
"""
from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.inventory.importer.parse import ParsedFile, Problem
from portal.inventory.models import Item, Person, ProvisionBasis, Source


def onward_opt_out_problems(parsed: ParsedFile) -> list[Problem]:
    provisions = [(line, row) for line, row in parsed.records["provision"] if row["basis"] is ProvisionBasis.OPT_OUT]
    if not provisions:
        return []
    # A source defined in the file decides for itself; the others as stored.
    in_file = {row["key"]: row["obtained_via_opt_out"] for _line, row in parsed.records["source"]}
    stored = set(db.session.scalars(sa.select(Source.key).where(Source.obtained_via_opt_out.is_(True))))
    opt_out_sources = {key for key, via in in_file.items() if via} | (stored - in_file.keys())
    if not opt_out_sources:
        return []
    wanted = {(row["person"], name) for _line, row in provisions for name in row["items"]}
    tainted: dict[tuple[str, str], str] = {}
    for _line, item in parsed.records["item"]:
        pair = (item["person"], f"{item['category'].value}.{item['field']}")
        if pair in wanted and item["source"] in opt_out_sources:
            tainted.setdefault(pair, item["source"])
    held = db.session.execute(
        sa.select(Person.key, Item.category, Item.field, Source.key)
        .join(Item, Item.person_id == Person.id).join(Source, Source.id == Item.source_id)
        .where(Person.key.in_({person for person, _name in wanted}), Source.key.in_(opt_out_sources))
    )
    for person, category, field, source in held:
        pair = (person, f"{category.value}.{field}")
        if pair in wanted:
            tainted.setdefault(pair, source)
    problems = []
    for line, row in provisions:
        for name in row["items"]:
            source = tainted.get((row["person"], name))
            if source:
                problems.append(Problem(line, (
                    f"provision: '{name}' of person '{row['person']}' was obtained through opt-out (source "
                    f"'{source}') and may not be provided to a third party by opt-out (APPI Art. 27(2))")))
                break
    return problems
