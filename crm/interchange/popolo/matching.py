"""Who in the state each person of a Popolo file is, and which identifiers they may be given.

People are matched by Popolo id, other identifiers, our own id, or — for a representative
not imported before — the same name, when unambiguous.
"""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from crm.extensions import db
from crm.interchange.popolo.ids import POPOLO_SCHEME, own_row
from crm.interchange.popolo.read import PopoloError
from crm.interchange.popolo.roster_in import PersonIn, RosterIn
from crm.interchange.popolo.run import RosterRun
from crm.parliament.models import Identifier, Representative
from crm.said import Said
from crm.states.models import State
from crm.text import fold


def load_representatives(state: State) -> list[Representative]:
    """The state's representatives, with everything an import compares."""
    return list(
        db.session.scalars(
            sa.select(Representative)
            .where(Representative.state_id == state.id)
            .options(
                selectinload(Representative.identifiers),
                selectinload(Representative.other_names),
                selectinload(Representative.contact_details),
                selectinload(Representative.memberships),
                selectinload(Representative.committee_memberships),
            )
            .order_by(Representative.id)
        )
    )


def _identifiers_of_other_states(roster: RosterIn, state: State) -> dict[tuple[str, str], str]:
    """Identifiers in the file that another state's representative already holds."""
    wanted: set[tuple[str, str]] = set()
    for person in roster.persons:
        wanted.update(person.identifiers)
        if person.id:
            wanted.add((POPOLO_SCHEME, person.id))
    values = sorted({value for _scheme, value in wanted})
    taken: dict[tuple[str, str], str] = {}
    for start in range(0, len(values), 500):
        rows = db.session.execute(
            sa.select(Identifier.scheme, Identifier.value, Representative.name)
            .join(Identifier.representative)
            .where(
                Identifier.value.in_(values[start : start + 500]),
                Representative.state_id != state.id,
            )
        )
        for scheme, value, name in rows:
            if (scheme, value) in wanted:
                taken[(scheme, value)] = name
    return taken


class Identifiers:
    """The identifiers a person of the file may be given: one holder each in the state
    (as the database wants), and none that another state's representative holds."""

    def __init__(self, run: RosterRun, reps: list[Representative]) -> None:
        self.run = run
        self.taken = _identifiers_of_other_states(run.roster, run.state)
        self.holders: dict[tuple[str, str], Representative | PersonIn] = {
            (i.scheme, i.value): rep for rep in reps for i in rep.identifiers
        }

    def new_for(self, person: PersonIn, rep: Representative | None) -> list[tuple[str, str]]:
        """The person's identifiers that `rep` (None: a new representative) lacks and may
        have; each one refused is a warning."""
        wanted = list(person.identifiers)
        own = own_row(person.id, self.run.state, "representative")
        matched_by_own_id = rep is not None and own == rep.id
        if person.id and not matched_by_own_id:
            wanted.insert(0, (POPOLO_SCHEME, person.id))
        have = {(i.scheme, i.value) for i in rep.identifiers} if rep is not None else set()
        owner = rep if rep is not None else person
        result = []
        for key in wanted:
            if key in have or key in result:
                continue
            if key in self.taken:
                self.run.report.warnings.append(
                    Said.gettext(
                        "%(person)s: the identifier %(scheme)s %(value)s already belongs to "
                        "%(name)s of another state: not kept",
                        person=person.label,
                        scheme=key[0],
                        value=key[1],
                        name=self.taken[key],
                    )
                )
                continue
            holder = self.holders.setdefault(key, owner)
            if holder is not owner:
                # Files have mistakes: two people with one Wikidata id.
                self.run.report.warnings.append(
                    Said.gettext(
                        "%(person)s: the identifier %(scheme)s %(value)s already belongs to "
                        "%(name)s: not kept",
                        person=person.label,
                        scheme=key[0],
                        value=key[1],
                        name=holder.name,
                    )
                )
                continue
            result.append(key)
        return result


def match(
    run: RosterRun, persons: list[PersonIn], reps: list[Representative]
) -> dict[int, Representative]:
    """Each person's representative (by the person's index in the file): by Popolo id,
    other identifiers, our own id, or — for a representative not imported before — the
    same name, when unambiguous."""
    by_identifier: dict[tuple[str, str], Representative] = {}
    for rep in reps:
        for ident in rep.identifiers:
            by_identifier.setdefault((ident.scheme, ident.value), rep)
    by_id = {rep.id: rep for rep in reps}
    unlinked: dict[str, list[Representative]] = defaultdict(list)
    for rep in reps:
        sat_here = any(m.chamber_id == run.chamber.id for m in rep.memberships)
        linked = any(i.scheme == POPOLO_SCHEME for i in rep.identifiers)
        if rep.archived_at is None and not linked and (sat_here or not rep.memberships):
            unlinked[fold(rep.name)].append(rep)

    matches: dict[int, Representative] = {}
    claimed: dict[int, PersonIn] = {}

    def claim(person: PersonIn, rep: Representative) -> None:
        if rep.id in claimed:
            raise PopoloError(
                Said.gettext(
                    "%(first)s and %(second)s are the same representative (#%(id)d): the file "
                    "lists one person twice",
                    first=claimed[rep.id].label,
                    second=person.label,
                    id=rep.id,
                )
            )
        claimed[rep.id] = person
        matches[person.index] = rep

    by_name: list[PersonIn] = []
    for person in persons:
        rep = by_identifier.get((POPOLO_SCHEME, person.id)) if person.id else None
        for key in person.identifiers:
            rep = rep or by_identifier.get(key)
        own = own_row(person.id, run.state, "representative")
        if rep is None and own is not None and own in by_id:
            candidate = by_id[own]
            if fold(candidate.name) == fold(person.name):
                rep = candidate
        if rep is None:
            by_name.append(person)
        else:
            claim(person, rep)
    # Names only among those no identifier found: a namesake matched by id is no rival.
    alike: dict[str, list[PersonIn]] = defaultdict(list)
    for person in by_name:
        alike[fold(person.name)].append(person)
    for name, group in alike.items():
        namesakes = [r for r in unlinked.get(name, []) if r.id not in claimed]
        if len(group) == len(namesakes) == 1:
            claim(group[0], namesakes[0])
        elif len(group) == len(namesakes) and not any(p.id or p.identifiers for p in group):
            # People with nothing but a name cannot be told apart by the file either:
            # pair them in the order an earlier import of it added them, so a re-import
            # adds no one again. Nothing identifying is attached to either.
            for person, rep in zip(group, namesakes, strict=True):
                claim(person, rep)
        elif namesakes:
            # The English says "people" for one too (the command line's words).
            run.report.warnings.append(
                Said.ngettext(
                    "%(num)d people named %(name)s in the file and %(on_record)s: none matched "
                    "by name (give them identifiers)",
                    "%(num)d people named %(name)s in the file and %(on_record)s: none matched "
                    "by name (give them identifiers)",
                    len(group),
                    name=group[0].name,
                    on_record=Said.ngettext(
                        "%(num)d on record", "%(num)d on record", len(namesakes)
                    ),
                )
            )
    return matches
