"""Checking every row of a file against what is on record (reads only): the plan of what
an import would write, or every bad row with its line and reason."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from crm.auth.permissions import Action, may, require
from crm.db import today
from crm.errors import PermissionDenied
from crm.extensions import db
from crm.i18n import Said
from crm.interchange import wording
from crm.interchange.csv_import.plan import ImportPlan, RowPlan, Seat, chunks, fingerprint
from crm.interchange.csv_import.read import (
    CONTACT_COLUMNS,
    CONTACT_DETAILS,
    FALSE,
    IDENTIFIERS,
    MEMBERSHIPS,
    MORE_CELLS,
    OTHER_NAMES,
    PLAIN_EMAIL,
    PROFILE_FIELDS,
    REPRESENTATIVES,
    TEXT_COLUMNS,
    TRUE,
    WIKIDATA,
    CsvRejected,
    CsvReport,
    RowError,
    read_rows,
)
from crm.parliament.models import Chamber, ContactKind, Identifier, Party, Representative, seated_on
from crm.parliament.services import EARLIEST_DATE, LATEST_AHEAD, contact_value_said
from crm.text import fold

if TYPE_CHECKING:
    from crm.auth.models import User
    from crm.states.models import State

# --- Checking rows (reads only) ----------------------------------------------------------------


class _RowProblem(Exception):
    """What is wrong with a row, said when a page or the command line shows it."""

    def __init__(self, message: Said) -> None:
        super().__init__(str(message))
        self.message = message


def _split(value: str) -> list[str]:
    items: list[str] = []
    for item in re.split(r"[;,]", value):
        item = item.strip()
        if item and item not in items:
            items.append(item)
    return items


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


class _Checker:
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

    def _profile(self, row: dict[str, str]) -> dict[str, Any]:
        profile: dict[str, Any] = {}
        for column in ("name", "sort_name", "given_name", "family_name", "gender"):
            if row.get(column):
                profile[column] = row[column]
        if row.get("do_not_contact_reason"):
            profile["do_not_contact_reason"] = row["do_not_contact_reason"]
        if row.get("influence"):
            value = row["influence"]
            if value not in {"1", "2", "3", "4", "5"}:
                raise _RowProblem(
                    Said.gettext(
                        "influence “%(value)s” is not a number from 1 to 5", value=value[:20]
                    )
                )
            profile["influence"] = int(value)
        for column, most in (("languages", 10), ("tags", 20)):
            if row.get(column):
                items = _split(row[column])
                if len(items) > most or any(len(item) > 40 for item in items):
                    raise _RowProblem(
                        Said.gettext(
                            "%(column)s: at most %(most)d, each at most %(length)d characters",
                            column=column,
                            most=most,
                            length=40,
                        )
                    )
                profile[column] = items
        if row.get("do_not_contact"):
            flag = row["do_not_contact"].lower()
            if flag not in TRUE | FALSE:
                raise _RowProblem(
                    Said.gettext("do_not_contact “%(value)s” is not yes or no", value=flag[:20])
                )
            profile["do_not_contact"] = flag in TRUE
        return profile

    def _contacts(self, row: dict[str, str]) -> list[tuple[ContactKind, str]]:
        contacts = []
        for column, kind in CONTACT_COLUMNS.items():
            for value in (v.strip() for v in row.get(column, "").split(";")):
                if not value:
                    continue
                problem = self._contact_problem(kind, value)
                if problem:
                    raise _RowProblem(
                        Said.gettext(
                            "%(column)s “%(value)s”: %(problem)s",
                            column=column,
                            value=value[:40],
                            problem=problem,
                        )
                    )
                contacts.append((kind, value))
        return contacts

    def _contact_problem(self, kind: ContactKind, value: str) -> Said | None:
        plain = PLAIN_EMAIL.fullmatch(value) if kind is ContactKind.EMAIL else None
        if plain is None or len(plain["local"]) > 64 or len(value) > 254:
            return contact_value_said(kind, value)
        domain = plain["domain"]
        if domain not in self.email_domains:
            self.email_domains[domain] = contact_value_said(kind, f"name@{domain}")
        return self.email_domains[domain]

    def _date(self, value: str) -> date | None:
        if not value:
            return None
        try:
            parsed = date.fromisoformat(value)
        except ValueError:
            raise _RowProblem(
                Said.gettext(
                    "start_date “%(value)s” is not a date such as 2024-05-31", value=value[:20]
                )
            ) from None
        latest = self.on + LATEST_AHEAD
        if not EARLIEST_DATE <= parsed <= latest:
            raise _RowProblem(
                Said.gettext(
                    "start_date must be between %(earliest)s and %(latest)s",
                    earliest=EARLIEST_DATE,
                    latest=latest,
                )
            )
        return parsed


_NO_REASON = Said.gettext("do_not_contact is yes: say why in do_not_contact_reason")


def _archived(rep: _Person) -> Said:
    return Said.gettext("%(name)s is archived: an administrator must restore them", name=rep.name)


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value


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
