"""Importing a chamber's roster from Popolo JSON (EveryPolitician files, or our own export).

Idempotent: people are matched by identifiers (the file's person id is kept as scheme
`popolo`, next to the file's EveryPolitician and Wikidata identifiers), so importing the
same file twice changes nothing. What the file does not say is left alone (a missing key
never blanks a field; hand-entered contacts, names and seats stay). People with a current
seat in the chamber who are not in the file have that seat ended — never deleted.

Runs in the caller's transaction and never commits: the command line commits, or rolls
back for a dry run. The importer runs as the command line (actor None), which checks no
permission; with an actor it needs the right to create representatives in the state.

The steps, in order (each adds to the report): which organization of the file is the
chamber (`chamber.py`), the chamber found or made; the persons who sit in it, with their
seats and parties (`members.py`, `parties.py`); its committees (`committees.py`); who each
person is (`matching.py`); each one added or updated (`people.py`, `seats.py`); and the
seats of the people the file leaves out, ended (`seats.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from crm.audit.services import record
from crm.auth.permissions import Action, require
from crm.db import today
from crm.extensions import db
from crm.interchange.popolo.chamber import ensure_chamber, file_chamber
from crm.interchange.popolo.committees import import_committees
from crm.interchange.popolo.matching import Identifiers, load_representatives, match
from crm.interchange.popolo.members import select_persons
from crm.interchange.popolo.parties import Parties
from crm.interchange.popolo.people import People
from crm.interchange.popolo.read import PopoloError
from crm.interchange.popolo.report import RosterReport
from crm.interchange.popolo.roster_in import RosterIn
from crm.interchange.popolo.run import RosterRun
from crm.interchange.popolo.seats import end_missing
from crm.parliament.models import Representative
from crm.risk.changes import inputs_changed
from crm.said import Said

if TYPE_CHECKING:
    from crm.auth.models import User
    from crm.states.models import State


def import_roster(
    roster: RosterIn,
    state: State,
    chamber_name: str,
    *,
    actor: User | None = None,
    actor_label: str | None = None,
    source: str = "",
    organization_id: str | None = None,
    on: date | None = None,
    progress: Callable[[int], None] | None = None,
) -> RosterReport:
    """Import a roster into a chamber of `state` (created if it does not exist yet).

    Raises PopoloError (before writing anything it would have to undo) when the file
    cannot be imported; the caller rolls back on any error.
    """
    if actor is not None:
        require(actor, Action.CREATE, Representative, state=state)
    run = _run(
        roster,
        state,
        chamber_name.strip(),
        actor=actor,
        organization_id=organization_id,
        on=on or today(),
        progress=progress or (lambda _n: None),
    )
    report = run.report
    entry = record(
        actor,
        "popolo.imported",
        run.chamber,
        summary=f"Popolo roster {source}: {report.summary()}"[:300],
        after={
            "file": source,
            "added": len(report.added),
            "changed": len(report.changed),
            "ended": len(report.ended),
            "unchanged": report.unchanged,
            "parties_added": report.parties_added,
        },
        actor_email=actor_label,
    )
    if report.changes_anything:
        inputs_changed(entry.state_id)
    db.session.flush()
    return report


def _run(
    roster: RosterIn,
    state: State,
    chamber_name: str,
    *,
    actor: User | None,
    organization_id: str | None,
    on: date,
    progress: Callable[[int], None],
) -> RosterRun:
    """The steps of the import, in order; the run holds the chamber and the report."""
    report = RosterReport(state=state.name, chamber=chamber_name)
    report.warnings.extend(roster.warnings)
    if not chamber_name:
        # Only the command line names the chamber (a page chooses one): English.
        raise PopoloError("name the chamber to import into")
    chamber_org = file_chamber(roster, state, chamber_name, organization_id)
    chamber = ensure_chamber(roster, state, chamber_name, chamber_org, actor, report)
    run = RosterRun(roster, state, chamber, actor, on, report)
    parties = Parties(roster.organizations, state, actor, report)
    seats_of, selected = select_persons(run, chamber_org.id if chamber_org else None, parties)
    committees = import_committees(run, chamber_org, {p.id for p in selected if p.id})
    reps = load_representatives(state)
    people = People(run, committees, Identifiers(run, reps))
    matches = match(run, selected, reps)
    seen: set[int] = set()
    for person in selected:
        rep = matches.get(person.index)
        if rep is not None and rep.archived_at is not None:
            report.skipped.append(
                Said.gettext("%(name)s: archived, left as it is", name=person.name)
            )
            seen.add(rep.id)
        elif rep is None:
            seen.add(people.add(person, seats_of[person.index]).id)
        else:
            seen.add(rep.id)
            people.update(rep, person, seats_of[person.index])
        progress(1)
    end_missing(run, committees, reps, seen)
    return run
