"""Checking every row of a file against what is on record (reads only): the plan of what
an import would write, or every bad row with its line and reason."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

import sqlalchemy as sa

from crm.auth.permissions import Action, may, require
from crm.db import today
from crm.errors import PermissionDenied
from crm.extensions import db
from crm.interchange import wording
from crm.interchange.csv_import.cells import _Cells, _RowProblem
from crm.interchange.csv_import.on_record import _OnRecord, _Person
from crm.interchange.csv_import.plan import ImportPlan, RowPlan, Seat, fingerprint
from crm.interchange.csv_import.read import (
    MORE_CELLS,
    TEXT_COLUMNS,
    WIKIDATA,
    CsvRejected,
    CsvReport,
    RowError,
    read_rows,
)
from crm.parliament.models import Chamber, Party, Representative
from crm.said import Said
from crm.text import fold

if TYPE_CHECKING:
    from crm.auth.models import User
    from crm.states.models import State

# --- Checking rows (reads only) ----------------------------------------------------------------


class _Checker(_Cells, _OnRecord):
    def __init__(self, state: State, on: date, actor: User | None) -> None:
        self.state = state
        self.on = on
        self.actor = actor
        self.chambers = list(
            db.session.scalars(sa.select(Chamber).where(Chamber.state_id == state.id))
        )
        self.parties = list(db.session.scalars(sa.select(Party).where(Party.state_id == state.id)))
        self.reps = self._people(state.id)
        self.by_identifier = {key: rep for rep in self.reps.values() for key in rep.identifiers}
        self.by_name: dict[tuple[str, int], list[_Person]] = defaultdict(list)
        for rep in self.reps.values():
            if not rep.archived:
                for chamber_id in {seat.chamber_id for seat in rep.seats}:
                    self.by_name[(fold(rep.name), chamber_id)].append(rep)
        self.claimed: dict[int, int] = {}
        self.new_names: dict[tuple[str, int], int] = {}
        self.new_identifiers: dict[tuple[str, str], int] = {}
        self.elsewhere: set[tuple[str, str]] = set()
        # Every representative here is of the same state: one answer holds for all (the
        # command line, with no actor, checks nothing).
        self.may_edit = actor is None or may(actor, Action.EDIT, Representative(state_id=state.id))
        self.email_domains: dict[str, Said | None] = {}

    def check(self, line: int, row: dict[str, str]) -> RowPlan:
        if MORE_CELLS in row:
            raise _RowProblem(Said.gettext("more cells than the header has columns"))
        for column, limit in TEXT_COLUMNS.items():
            if len(row.get(column, "")) > limit:
                raise _RowProblem(
                    Said.ngettext(
                        "%(column)s is longer than %(num)d character",
                        "%(column)s is longer than %(num)d characters",
                        limit,
                        column=column,
                    )
                )
        name = row.get("name", "")
        if not name:
            raise _RowProblem(Said.gettext("name is empty"))
        if not row.get("chamber"):
            raise _RowProblem(Said.gettext("chamber is empty"))
        chamber = self.chamber(row["chamber"])
        party = self.party(row["party"]) if row.get("party") else None
        profile = self._profile(row)
        wikidata = row.get("wikidata", "")
        if wikidata and not WIKIDATA.fullmatch(wikidata):
            raise _RowProblem(
                Said.gettext(
                    "wikidata “%(value)s” is not a Wikidata id such as Q12345", value=wikidata[:30]
                )
            )
        contacts = self._contacts(row)
        start = self._date(row.get("start_date", ""))

        folded = fold(name)
        rep = self._match(row, folded, name, chamber, wikidata)
        plan = RowPlan(line=line, name=name, contacts=contacts)
        for scheme, value in (("wikidata", wikidata), ("popolo", row.get("popolo_id", ""))):
            if not value:
                continue
            owner = self.by_identifier.get((scheme, value))
            if owner is not None and owner is not rep:
                raise _RowProblem(
                    Said.gettext(
                        "%(scheme)s %(value)s already belongs to %(name)s",
                        scheme=scheme,
                        value=value,
                        name=owner.name,
                    )
                )
            if owner is None:
                if (scheme, value) in self.elsewhere:
                    raise _RowProblem(
                        Said.gettext(
                            "%(scheme)s %(value)s belongs to someone in another state",
                            scheme=scheme,
                            value=value,
                        )
                    )
                if (scheme, value) in self.new_identifiers:
                    raise _RowProblem(
                        Said.gettext(
                            "%(scheme)s %(value)s is already given on line %(line)d",
                            scheme=scheme,
                            value=value,
                            line=self.new_identifiers[(scheme, value)],
                        )
                    )
                plan.identifiers.append((scheme, value))
        constituency = row.get("constituency") or None
        period = row.get("legislative_period") or None
        party_id = party.id if party is not None else None
        if rep is None:
            if start is None:
                raise _RowProblem(
                    Said.gettext(
                        "start_date is empty: a new representative needs their seat's start"
                    )
                )
            key = (folded, chamber.id)
            if key in self.new_names:
                raise _RowProblem(
                    Said.gettext(
                        "%(name)s is already added on line %(line)d",
                        name=name,
                        line=self.new_names[key],
                    )
                )
            if profile.get("do_not_contact") and not profile.get("do_not_contact_reason"):
                raise _RowProblem(_NO_REASON)
            self.new_names[key] = line
            self._claim_identifiers(plan)
            plan.profile = profile
            plan.seat = Seat(chamber.id, chamber.name, party_id, constituency, period, start)
            return plan

        if rep.id in self.claimed:
            raise _RowProblem(
                Said.gettext(
                    "%(name)s is already on line %(line)d", name=rep.name, line=self.claimed[rep.id]
                )
            )
        if not self.may_edit:
            raise PermissionDenied("You may not edit the representatives of this state.")
        if profile.get("do_not_contact") and not (
            profile.get("do_not_contact_reason") or rep.profile["do_not_contact_reason"]
        ):
            raise _RowProblem(_NO_REASON)
        seat = None
        seats = [m for m in rep.seats if m.chamber_id == chamber.id]
        current = [m for m in seats if m.is_current(self.on)]
        if current:
            if party is not None and current[0].party_id != party.id:
                raise _RowProblem(
                    Said.gettext(
                        "%(name)s sits for %(sitting)s, not %(party)s: change the party on "
                        "their page (“Move party”)",
                        name=rep.name,
                        sitting=self.party_name(current[0].party_id),
                        party=party.name,
                    )
                )
        elif start is not None and not any(m.start_date == start for m in seats):
            # A seat that started that day is already on record (a former member's row).
            if any(m.end_date is None or m.end_date >= start for m in seats):
                raise _RowProblem(
                    Said.gettext(
                        "%(name)s already holds a seat in %(chamber)s on %(date)s",
                        name=rep.name,
                        chamber=chamber.name,
                        date=start,
                    )
                )
            seat = Seat(chamber.id, chamber.name, party_id, constituency, period, start)
        self.claimed[rep.id] = line
        self._claim_identifiers(plan)
        plan.rep_id, plan.version = rep.id, rep.version
        plan.current = rep.profile
        plan.other_names = rep.other_names
        plan.profile = {k: v for k, v in profile.items() if plan.current[k] != v}
        plan.contacts = [(k, v) for k, v in contacts if v.casefold() not in rep.contacts]
        plan.seat = seat
        plan.what = [wording.field(key) for key in plan.profile]
        plan.what += [wording.contact_added(kind, value) for kind, value in plan.contacts]
        plan.what += [wording.identifier_added(s, value) for s, value in plan.identifiers]
        if seat is not None:
            plan.what.append(wording.new_seat(seat.chamber_name))
        return plan

    def _claim_identifiers(self, plan: RowPlan) -> None:
        for key in plan.identifiers:
            self.new_identifiers[key] = plan.line


_NO_REASON = Said.gettext("do_not_contact is yes: say why in do_not_contact_reason")


def check_representatives(
    raw: bytes,
    state: State,
    *,
    actor: User | None = None,
    on: date | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportPlan:
    """Check a CSV of representatives for `state`, reading only: the plan of what an import
    would do, or CsvRejected with every bad row. `actor` None is the command line, which
    checks no permission. `progress` is told of every row checked (with 1)."""
    if actor is not None:
        require(actor, Action.CREATE, Representative, state=state)
    return check_rows(read_rows(raw), state, actor, on or today(), progress)


def check_rows(
    rows: list[tuple[int, dict[str, str]]],
    state: State,
    actor: User | None,
    on: date,
    progress: Callable[[int], None] | None = None,
) -> ImportPlan:
    # Read before the rows: a change made while they are read then shows at the write.
    read_before = fingerprint(state.id)
    checker = _Checker(state, on, actor)
    checker.read_identifiers_elsewhere(rows)
    plans: list[RowPlan] = []
    errors: list[RowError] = []
    for line, row in rows:
        try:
            plans.append(checker.check(line, row))
        except _RowProblem as problem:
            errors.append(RowError(line, problem.message))
        if progress is not None:
            progress(1)
    if errors:
        raise CsvRejected(errors)
    report = CsvReport(state=state.name)
    for plan in plans:
        if plan.rep_id is None:
            report.added.append(plan.name)
        elif plan.what:
            report.changed.append((plan.profile.get("name", plan.current["name"]), plan.what))
        else:
            report.unchanged += 1
    return ImportPlan(state.id, state.name, on, rows, plans, read_before, report)
