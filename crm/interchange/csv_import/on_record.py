"""The representatives on record as the check needs them (plain values, read with a few
queries for a whole state), and finding what a row names: its representative (by id, by
identifier, or by name in the chamber), its chamber and its party."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from crm.extensions import db
from crm.interchange.csv_import.cells import _RowProblem
from crm.interchange.csv_import.plan import chunks
from crm.interchange.csv_import.read import (
    CONTACT_DETAILS,
    IDENTIFIERS,
    MEMBERSHIPS,
    OTHER_NAMES,
    PROFILE_FIELDS,
    REPRESENTATIVES,
)
from crm.parliament.models import Chamber, Identifier, Party, Representative, seated_on
from crm.said import Said

if TYPE_CHECKING:
    from crm.states.models import State


@dataclass(frozen=True, slots=True)
class _Held:
    """A seat on record."""

    chamber_id: int
    party_id: int | None
    start_date: date | None
    end_date: date | None

    def is_current(self, on: date) -> bool:
        return seated_on(self.start_date, self.end_date, on)


@dataclass(slots=True, eq=False)
class _Person:
    """A representative on record, as the check needs them: plain values read with a few
    queries (loading 20,000 people with their details as objects takes many seconds)."""

    id: int
    version: int
    archived: bool
    profile: dict[str, Any]
    identifiers: list[tuple[str, str]] = field(default_factory=list)
    contacts: set[str] = field(default_factory=set)  # case-folded values
    seats: list[_Held] = field(default_factory=list)
    other_names: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return str(self.profile["name"])


class _OnRecord:
    """What is on record in the state, for the checker (check.py), read when it is made."""

    state: State
    chambers: list[Chamber]
    parties: list[Party]
    reps: dict[int, _Person]
    by_identifier: dict[tuple[str, str], _Person]
    by_name: dict[tuple[str, int], list[_Person]]
    elsewhere: set[tuple[str, str]]

    @staticmethod
    def _people(state_id: int) -> dict[int, _Person]:
        table = REPRESENTATIVES
        ids = sa.select(table.c.id).where(table.c.state_id == state_id).scalar_subquery()
        columns = [table.c[key] for key in PROFILE_FIELDS]
        people = {
            row.id: _Person(
                row.id,
                row.version,
                row.archived_at is not None,
                {key: _copy(value) for key, value in zip(PROFILE_FIELDS, row[3:], strict=True)},
            )
            for row in db.session.execute(
                sa.select(table.c.id, table.c.version, table.c.archived_at, *columns).where(
                    table.c.state_id == state_id
                )
            )
        }
        for owner, scheme, value in db.session.execute(
            sa.select(
                IDENTIFIERS.c.representative_id, IDENTIFIERS.c.scheme, IDENTIFIERS.c.value
            ).where(IDENTIFIERS.c.representative_id.in_(ids))
        ):
            people[owner].identifiers.append((scheme, value))
        for owner, value in db.session.execute(
            sa.select(CONTACT_DETAILS.c.representative_id, CONTACT_DETAILS.c.value).where(
                CONTACT_DETAILS.c.representative_id.in_(ids)
            )
        ):
            people[owner].contacts.add(value.casefold())
        seats = MEMBERSHIPS.c
        for owner, *held in db.session.execute(
            sa.select(
                seats.representative_id,
                seats.chamber_id,
                seats.party_id,
                seats.start_date,
                seats.end_date,
            )
            .where(seats.representative_id.in_(ids))
            .order_by(seats.start_date.desc())
        ):
            people[owner].seats.append(_Held(*held))
        names = OTHER_NAMES.c
        for owner, name in db.session.execute(
            sa.select(names.representative_id, names.name)
            .where(names.representative_id.in_(ids))
            .order_by(names.id)
        ):
            people[owner].other_names.append(name)
        return people

    def read_identifiers_elsewhere(self, rows: list[tuple[int, dict[str, str]]]) -> None:
        """Which identifiers the file names belong to people of other states: one query
        per few hundred, not one a row."""
        for scheme, column in (("wikidata", "wikidata"), ("popolo", "popolo_id")):
            values = sorted({row[column] for _line, row in rows if row.get(column)})
            for chunk in chunks(values):
                self.elsewhere.update(
                    (scheme, value)
                    for value in db.session.scalars(
                        sa.select(Identifier.value)
                        .join(Identifier.representative)
                        .where(
                            Identifier.scheme == scheme,
                            Identifier.value.in_(chunk),
                            Representative.state_id != self.state.id,
                        )
                    )
                )

    def chamber(self, name: str) -> Chamber:
        wanted = name.casefold()
        found = next((c for c in self.chambers if c.name.casefold() == wanted), None)
        if found is None:
            names = ", ".join(c.name for c in self.chambers) or Said.pgettext(
                "chambers", "none yet"
            )
            raise _RowProblem(
                Said.gettext(
                    "no chamber called “%(name)s” in %(state)s (%(chambers)s)",
                    name=name,
                    state=self.state.name,
                    chambers=names,
                )
            )
        return found

    def party_name(self, party_id: int | None) -> str | Said:
        if party_id is None:
            return Said.pgettext("sits for", "no party")
        party = next((p.name for p in self.parties if p.id == party_id), None)
        return party if party is not None else Said.pgettext("sits for", "another party")

    def party(self, name: str) -> Party:
        wanted = name.casefold()
        for party in self.parties:
            if wanted in (party.name.casefold(), (party.abbreviation or "").casefold()):
                return party
        raise _RowProblem(
            Said.gettext(
                "no party called “%(name)s” in %(state)s (add it first)",
                name=name,
                state=self.state.name,
            )
        )

    def _match(
        self, row: dict[str, str], folded: str, name: str, chamber: Chamber, wikidata: str
    ) -> _Person | None:
        if row.get("id"):
            if not row["id"].isdigit() or int(row["id"]) not in self.reps:
                raise _RowProblem(
                    Said.gettext(
                        "no representative #%(id)s in %(state)s",
                        id=row["id"][:12],
                        state=self.state.name,
                    )
                )
            rep = self.reps[int(row["id"])]
            if rep.archived:
                raise _RowProblem(_archived(rep))
            return rep
        for key in (("popolo", row.get("popolo_id", "")), ("wikidata", wikidata)):
            if key[1] and key in self.by_identifier:
                rep = self.by_identifier[key]
                if rep.archived:
                    raise _RowProblem(_archived(rep))
                return rep
        namesakes = self.by_name.get((folded, chamber.id), [])
        if len(namesakes) > 1:
            raise _RowProblem(
                Said.ngettext(
                    "%(num)d representative called %(name)s sat in %(chamber)s: give the id column",
                    "%(num)d representatives called %(name)s sat in %(chamber)s: give the id "
                    "column",
                    len(namesakes),
                    name=name,
                    chamber=chamber.name,
                )
            )
        return namesakes[0] if namesakes else None


def _archived(rep: _Person) -> Said:
    return Said.gettext("%(name)s is archived: an administrator must restore them", name=rep.name)


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value
