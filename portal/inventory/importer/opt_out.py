"""Data obtained through opt-out is not provided onward by opt-out (APPI Art. 27(2) proviso).

A `provision` record with basis `opt_out` is refused, with its line, when any of the items it
names (`category.field`) is held about that person from a source marked
`obtained_via_opt_out` — whether the item is in the same file or already in the database.
The file streams by in chunks, so the check gathers as it goes (only the opt-out provisions
and the item names held from opt-out sources, never the rows) and decides at the end, before
the transaction commits: a dry run reports it too, and a refusal writes nothing.
"""
from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.inventory.importer.parse import Chunk
from portal.inventory.importer.reader import Problem
from portal.inventory.models import Item, Person, ProvisionBasis, Source


class OnwardOptOutCheck:
    def __init__(self) -> None:
        self.stored = set(db.session.scalars(sa.select(Source.key).where(Source.obtained_via_opt_out.is_(True))))
        self.in_file: dict[str, bool] = {}  # a source defined in the file decides for itself
        self.provisions: list[tuple[int, str, list[str]]] = []
        self.tainted: dict[tuple[str, str], str] = {}  # (person, category.field) → the opt-out source

    def _opt_out(self, source: str | None) -> bool:
        return source is not None and self.in_file.get(source, source in self.stored)

    def see(self, chunk: Chunk) -> None:
        rows = chunk.rows
        self.in_file.update((row["key"], row["obtained_via_opt_out"]) for row in rows["source"])
        for item in rows["item"]:
            if self._opt_out(item["source"]):
                self.tainted.setdefault((item["person"], f"{item['category'].value}.{item['field']}"), item["source"])
        self.provisions += [(row["line"], row["person"], row["items"]) for row in rows["provision"]
                            if row["basis"] is ProvisionBasis.OPT_OUT]

    def problems(self) -> list[Problem]:
        if not self.provisions:
            return []
        opt_out_sources = {key for key, via in self.in_file.items() if via} | (self.stored - self.in_file.keys())
        if not opt_out_sources:
            return []
        wanted = {(person, name) for _line, person, names in self.provisions for name in names}
        held = db.session.execute(
            sa.select(Person.key, Item.category, Item.field, Source.key)
            .join(Item, Item.person_id == Person.id).join(Source, Source.id == Item.source_id)
            .where(Person.key.in_({person for person, _name in wanted}), Source.key.in_(opt_out_sources))
        )
        for person, category, field, source in held:
            self.tainted.setdefault((person, f"{category.value}.{field}"), source)
        problems = []
        for line, person, names in self.provisions:
            for name in names:
                source = self.tainted.get((person, name))
                if source:
                    problems.append(Problem(line, (
                        f"provision: '{name}' of person '{person}' was obtained through opt-out (source "
                        f"'{source}') and may not be provided to a third party by opt-out (APPI Art. 27(2))")))
                    break
        return problems
