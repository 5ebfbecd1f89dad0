"""Importing representatives from a spreadsheet (CSV), all rows or none.

Every row is checked first; if any is wrong, nothing is written and every bad row is
reported with its line number and the reason. A row names a new representative, or one
already on record — by `id`, `popolo_id`, `wikidata`, or the same name in the same
chamber — whose profile it updates with the cells that are filled in (an empty cell
changes nothing). The columns are documented in the README ("Data in and out"); a file
exported from the representatives list imports back unchanged.

Checking reads only, so a web upload checks its rows without holding the write lock
(SQLite has one for the whole database), then writes them with a few bulk statements in
one short transaction: 20,000 rows must never keep other people's changes waiting (see
docs/benchmarks.md). A change made between the check and the write is noticed (the rows
the check read no longer add up the same) and the rows are checked again inside the write.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa
from flask import has_request_context, request

from crm.audit.models import AuditEntry
from crm.audit.services import check_shape, plain, record
from crm.auth.permissions import Action, may, require
from crm.db import analyse_after_bulk_write, today, utcnow
from crm.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from crm.extensions import db
from crm.interchange.csvio import uncell
from crm.parliament.models import (
    Chamber,
    ContactDetail,
    ContactKind,
    Identifier,
    Membership,
    OtherName,
    Party,
    Representative,
    seated_on,
)
from crm.parliament.services import EARLIEST_DATE, LATEST_AHEAD, contact_value_problem
from crm.risk.changes import inputs_changed
from crm.text import fold, search_text

if TYPE_CHECKING:
    from crm.auth.models import User
    from crm.states.models import State

# The tables the import writes, as Core tables for bulk statements.
REPRESENTATIVES = cast(sa.Table, Representative.__table__)
CONTACT_DETAILS = cast(sa.Table, ContactDetail.__table__)
IDENTIFIERS = cast(sa.Table, Identifier.__table__)
MEMBERSHIPS = cast(sa.Table, Membership.__table__)
OTHER_NAMES = cast(sa.Table, OtherName.__table__)

AUDIT_ENTRIES = cast(sa.Table, AuditEntry.__table__)

CHANGED_MEANWHILE = (
    "Someone changed these representatives while the file was being imported; nothing was "
    "imported. Import the file again."
)
WRITTEN = (REPRESENTATIVES, CONTACT_DETAILS, IDENTIFIERS, MEMBERSHIPS)

# What each column may hold, and how long it may be.
TEXT_COLUMNS = {
    "name": 200,
    "sort_name": 200,
    "given_name": 120,
    "family_name": 120,
    "gender": 20,
    "chamber": 120,
    "party": 200,
    "constituency": 200,
    "legislative_period": 80,
    "do_not_contact_reason": 300,
    "popolo_id": 200,
}
OTHER_COLUMNS = {
    "id",
    "start_date",
    "influence",
    "languages",
    "tags",
    "do_not_contact",
    "email",
    "phone",
    "website",
    "wikidata",
}
# Columns of the export that an import does not change (a stance needs its source).
READ_ONLY_COLUMNS = {"end_date", "stance", "stance_on", "stance_stale"}
REQUIRED_COLUMNS = ("name", "chamber")
MAX_ROWS = 20_000
PROFILE_FIELDS = (
    "name",
    "sort_name",
    "given_name",
    "family_name",
    "gender",
    "influence",
    "languages",
    "tags",
    "do_not_contact",
    "do_not_contact_reason",
)
CONTACT_COLUMNS = {
    "email": ContactKind.EMAIL,
    "phone": ContactKind.PHONE,
    "website": ContactKind.WEBSITE,
}
WIKIDATA = re.compile(r"Q[1-9][0-9]{0,11}")
# An address of the common shape (an ASCII dot-atom before the @) is valid when its domain
# is, which is checked once per domain: the full check of each address costs about 0.2 ms,
# four seconds for a file of 20,000.
PLAIN_EMAIL = re.compile(r"(?P<local>[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*)@(?P<domain>[^@\s]+)")
TRUE = {"yes", "y", "true", "1", "x"}
FALSE = {"no", "n", "false", "0"}


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


class CsvRejected(ValidationFailed):
    """The file was not imported; `errors` says why, row by row."""

    def __init__(self, errors: list[RowError]) -> None:
        count = len(errors)
        super().__init__(
            f"Nothing was imported: {count} problem{'s' if count != 1 else ''} in the file."
        )
        self.errors = errors


@dataclass
class CsvReport:
    state: str
    added: list[str] = field(default_factory=list)
    changed: list[tuple[str, list[str]]] = field(default_factory=list)
    unchanged: int = 0

    def summary(self) -> str:
        return (
            f"{self.state}: {len(self.added)} added, {len(self.changed)} changed, "
            f"{self.unchanged} unchanged"
        )

    def lines(self) -> list[str]:
        out = [self.summary()]
        out += [f"  + {name}" for name in self.added]
        out += [f"  ~ {name}: {'; '.join(what)}" for name, what in self.changed]
        return out


# --- Reading the file --------------------------------------------------------------------------


def _header_name(text: str) -> str:
    return re.sub(r"[\s-]+", "_", uncell(text).strip().lower())


def read_rows(raw: bytes) -> list[tuple[int, dict[str, str]]]:
    """The rows of a CSV file as (line number, column → cell), header checked."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CsvRejected(
            [
                RowError(
                    0,
                    f"The file is not UTF-8 text (byte {error.start + 1}). Save it as "
                    "“CSV UTF-8” from your spreadsheet program.",
                )
            ]
        ) from None
    if not text.strip():
        raise CsvRejected([RowError(0, "The file is empty.")])
    if "\x00" in text:
        raise CsvRejected([RowError(0, "The file contains NUL characters: is it a CSV file?")])
    first = text.lstrip().splitlines()[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        header = [_header_name(name) for name in next(reader)]
        known = set(TEXT_COLUMNS) | OTHER_COLUMNS | READ_ONLY_COLUMNS
        problems = []
        unknown = [name for name in header if name and name not in known]
        if unknown:
            problems.append(
                RowError(1, "unknown column(s): " + ", ".join(unknown)[:200]
                         + " (see the README for the columns)")
            )  # fmt: skip
        missing = [name for name in REQUIRED_COLUMNS if name not in header]
        if missing:
            problems.append(RowError(1, "missing column(s): " + ", ".join(missing)))
        doubled = sorted({name for name in header if name and header.count(name) > 1})
        if doubled:
            problems.append(RowError(1, "column(s) given twice: " + ", ".join(doubled)))
        if problems:
            raise CsvRejected(problems)
        previous_end = reader.line_num
        for cells in reader:
            line = previous_end + 1
            previous_end = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise CsvRejected([RowError(line, f"more than {MAX_ROWS} rows: split the file")])
            values = {name: "" for name in header if name}
            extra = cells[len(header) :]
            if any(c.strip() for c in extra):
                rows.append((line, {"__error__": "more cells than the header has columns"}))
                continue
            for name, value in zip(header, cells, strict=False):
                if name:
                    values[name] = uncell(value.strip())
            rows.append((line, values))
    except csv.Error as error:
        raise CsvRejected([RowError(reader.line_num, f"the CSV cannot be read: {error}")]) from None
    if not rows:
        raise CsvRejected([RowError(0, "The file has a header but no rows.")])
    return rows


# --- Checking rows (reads only) ----------------------------------------------------------------


@dataclass(frozen=True)
class _Seat:
    chamber_id: int
    chamber_name: str
    party_id: int | None
    constituency: str | None
    period: str | None
    start: date


@dataclass
class _Plan:
    """What one row will do, in plain values: the write needs no object the check loaded."""

    line: int
    name: str
    # The representative the row updates, at the version checked; None adds one.
    rep_id: int | None = None
    version: int = 0
    # An update: the profile on record (every PROFILE_FIELDS value) and their other names.
    current: dict[str, Any] = field(default_factory=dict)
    other_names: list[str] = field(default_factory=list)
    # A new representative: every value given. An update: only the values that change.
    profile: dict[str, Any] = field(default_factory=dict)
    contacts: list[tuple[ContactKind, str]] = field(default_factory=list)
    identifiers: list[tuple[str, str]] = field(default_factory=list)
    seat: _Seat | None = None
    # An update: what changes, in words (the report and the audit entry's summary).
    what: list[str] = field(default_factory=list)


@dataclass
class ImportPlan:
    """A checked file: what each row will do, and what the check read (to notice a change
    made between the check and the write)."""

    state_id: int
    state_name: str
    on: date
    rows: list[tuple[int, dict[str, str]]]
    plans: list[_Plan]
    fingerprint: tuple[Any, ...]
    report: CsvReport


class _RowProblem(Exception):
    pass


def _split(value: str) -> list[str]:
    items: list[str] = []
    for item in re.split(r"[;,]", value):
        item = item.strip()
        if item and item not in items:
            items.append(item)
    return items


def _chunks(items: list[Any], size: int = 500) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _fingerprint(state_id: int) -> tuple[Any, ...]:
    """Counts and sums over every row the check of a file for this state reads, in one
    query: any insert, delete or versioned update among them changes it, and so does an
    edit of the text of the rows that have no version (other names, contact details,
    identifiers) that changes its length."""
    reps = sa.select(Representative.id).where(Representative.state_id == state_id)

    def totals(table: sa.Table, where: sa.ColumnElement[bool], *summed: Any) -> list[Any]:
        sums = [sa.func.count(), sa.func.coalesce(sa.func.sum(table.c.id), 0)]
        sums += [sa.func.coalesce(sa.func.sum(column), 0) for column in summed]
        return [sa.select(total).where(where).scalar_subquery() for total in sums]

    chambers = cast(sa.Table, Chamber.__table__)
    parties = cast(sa.Table, Party.__table__)
    owned = OTHER_NAMES.c.representative_id.in_(reps)
    columns = [
        *totals(REPRESENTATIVES, Representative.state_id == state_id, REPRESENTATIVES.c.version),
        *totals(chambers, Chamber.state_id == state_id, chambers.c.version),
        *totals(parties, Party.state_id == state_id, parties.c.version),
        *totals(MEMBERSHIPS, Membership.representative_id.in_(reps), MEMBERSHIPS.c.version),
        *totals(
            CONTACT_DETAILS,
            ContactDetail.representative_id.in_(reps),
            sa.func.length(CONTACT_DETAILS.c.value),
        ),
        *totals(
            IDENTIFIERS, Identifier.representative_id.in_(reps), sa.func.length(IDENTIFIERS.c.value)
        ),
        *totals(OTHER_NAMES, owned, sa.func.length(OTHER_NAMES.c.name)),
    ]
    return tuple(db.session.execute(sa.select(*columns)).one())


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
        self.email_domains: dict[str, str | None] = {}

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
            for chunk in _chunks(values):
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
            names = ", ".join(c.name for c in self.chambers) or "none yet"
            raise _RowProblem(f"no chamber called “{name}” in {self.state.name} ({names})")
        return found

    def party_name(self, party_id: int | None) -> str:
        if party_id is None:
            return "no party"
        return next((p.name for p in self.parties if p.id == party_id), "another party")

    def party(self, name: str) -> Party:
        wanted = name.casefold()
        for party in self.parties:
            if wanted in (party.name.casefold(), (party.abbreviation or "").casefold()):
                return party
        raise _RowProblem(f"no party called “{name}” in {self.state.name} (add it first)")

    def check(self, line: int, row: dict[str, str]) -> _Plan:
        if "__error__" in row:
            raise _RowProblem(row["__error__"])
        for column, limit in TEXT_COLUMNS.items():
            if len(row.get(column, "")) > limit:
                raise _RowProblem(f"{column} is longer than {limit} characters")
        name = row.get("name", "")
        if not name:
            raise _RowProblem("name is empty")
        if not row.get("chamber"):
            raise _RowProblem("chamber is empty")
        chamber = self.chamber(row["chamber"])
        party = self.party(row["party"]) if row.get("party") else None
        profile = self._profile(row)
        wikidata = row.get("wikidata", "")
        if wikidata and not WIKIDATA.fullmatch(wikidata):
            raise _RowProblem(f"wikidata “{wikidata[:30]}” is not a Wikidata id such as Q12345")
        contacts = self._contacts(row)
        start = self._date(row.get("start_date", ""))

        folded = fold(name)
        rep = self._match(row, folded, name, chamber, wikidata)
        plan = _Plan(line=line, name=name, contacts=contacts)
        for scheme, value in (("wikidata", wikidata), ("popolo", row.get("popolo_id", ""))):
            if not value:
                continue
            owner = self.by_identifier.get((scheme, value))
            if owner is not None and owner is not rep:
                raise _RowProblem(f"{scheme} {value} already belongs to {owner.name}")
            if owner is None:
                if (scheme, value) in self.elsewhere:
                    raise _RowProblem(f"{scheme} {value} belongs to someone in another state")
                if (scheme, value) in self.new_identifiers:
                    raise _RowProblem(
                        f"{scheme} {value} is already given on line "
                        f"{self.new_identifiers[(scheme, value)]}"
                    )
                plan.identifiers.append((scheme, value))
        constituency = row.get("constituency") or None
        period = row.get("legislative_period") or None
        party_id = party.id if party is not None else None
        if rep is None:
            if start is None:
                raise _RowProblem(
                    "start_date is empty: a new representative needs their seat's start"
                )
            key = (folded, chamber.id)
            if key in self.new_names:
                raise _RowProblem(f"{name} is already added on line {self.new_names[key]}")
            if profile.get("do_not_contact") and not profile.get("do_not_contact_reason"):
                raise _RowProblem("do_not_contact is yes: say why in do_not_contact_reason")
            self.new_names[key] = line
            self._claim_identifiers(plan)
            plan.profile = profile
            plan.seat = _Seat(chamber.id, chamber.name, party_id, constituency, period, start)
            return plan

        if rep.id in self.claimed:
            raise _RowProblem(f"{rep.name} is already on line {self.claimed[rep.id]}")
        if not self.may_edit:
            raise PermissionDenied("You may not edit the representatives of this state.")
        if profile.get("do_not_contact") and not (
            profile.get("do_not_contact_reason") or rep.profile["do_not_contact_reason"]
        ):
            raise _RowProblem("do_not_contact is yes: say why in do_not_contact_reason")
        seat = None
        seats = [m for m in rep.seats if m.chamber_id == chamber.id]
        current = [m for m in seats if m.is_current(self.on)]
        if current:
            if party is not None and current[0].party_id != party.id:
                sitting = self.party_name(current[0].party_id)
                raise _RowProblem(
                    f"{rep.name} sits for {sitting}, not {party.name}: change the party on "
                    "their page (“Move party”)"
                )
        elif start is not None and not any(m.start_date == start for m in seats):
            # A seat that started that day is already on record (a former member's row).
            if any(m.end_date is None or m.end_date >= start for m in seats):
                raise _RowProblem(f"{rep.name} already holds a seat in {chamber.name} on {start}")
            seat = _Seat(chamber.id, chamber.name, party_id, constituency, period, start)
        self.claimed[rep.id] = line
        self._claim_identifiers(plan)
        plan.rep_id, plan.version = rep.id, rep.version
        plan.current = rep.profile
        plan.other_names = rep.other_names
        plan.profile = {k: v for k, v in profile.items() if plan.current[k] != v}
        plan.contacts = [(k, v) for k, v in contacts if v.casefold() not in rep.contacts]
        plan.seat = seat
        plan.what = [key.replace("_", " ") for key in plan.profile]
        plan.what += [f"{kind.label.lower()} {value}" for kind, value in plan.contacts]
        plan.what += [f"identifier {scheme} {value}" for scheme, value in plan.identifiers]
        if seat is not None:
            plan.what.append(f"new seat in {seat.chamber_name}")
        return plan

    def _claim_identifiers(self, plan: _Plan) -> None:
        for key in plan.identifiers:
            self.new_identifiers[key] = plan.line

    def _match(
        self, row: dict[str, str], folded: str, name: str, chamber: Chamber, wikidata: str
    ) -> _Person | None:
        if row.get("id"):
            if not row["id"].isdigit() or int(row["id"]) not in self.reps:
                raise _RowProblem(f"no representative #{row['id'][:12]} in {self.state.name}")
            rep = self.reps[int(row["id"])]
            if rep.archived:
                raise _RowProblem(f"{rep.name} is archived: an administrator must restore them")
            return rep
        for key in (("popolo", row.get("popolo_id", "")), ("wikidata", wikidata)):
            if key[1] and key in self.by_identifier:
                rep = self.by_identifier[key]
                if rep.archived:
                    raise _RowProblem(f"{rep.name} is archived: an administrator must restore them")
                return rep
        namesakes = self.by_name.get((folded, chamber.id), [])
        if len(namesakes) > 1:
            raise _RowProblem(
                f"{len(namesakes)} representatives called {name} sat in {chamber.name}: "
                "give the id column"
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
                raise _RowProblem(f"influence “{value[:20]}” is not a number from 1 to 5")
            profile["influence"] = int(value)
        for column, most in (("languages", 10), ("tags", 20)):
            if row.get(column):
                items = _split(row[column])
                if len(items) > most or any(len(item) > 40 for item in items):
                    raise _RowProblem(f"{column}: at most {most}, each at most 40 characters")
                profile[column] = items
        if row.get("do_not_contact"):
            flag = row["do_not_contact"].lower()
            if flag not in TRUE | FALSE:
                raise _RowProblem(f"do_not_contact “{flag[:20]}” is not yes or no")
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
                    raise _RowProblem(f"{column} “{value[:40]}”: {problem}")
                contacts.append((kind, value))
        return contacts

    def _contact_problem(self, kind: ContactKind, value: str) -> str | None:
        plain = PLAIN_EMAIL.fullmatch(value) if kind is ContactKind.EMAIL else None
        if plain is None or len(plain["local"]) > 64 or len(value) > 254:
            return contact_value_problem(kind, value)
        domain = plain["domain"]
        if domain not in self.email_domains:
            self.email_domains[domain] = contact_value_problem(kind, f"name@{domain}")
        return self.email_domains[domain]

    def _date(self, value: str) -> date | None:
        if not value:
            return None
        try:
            parsed = date.fromisoformat(value)
        except ValueError:
            raise _RowProblem(
                f"start_date “{value[:20]}” is not a date such as 2024-05-31"
            ) from None
        latest = self.on + LATEST_AHEAD
        if not EARLIEST_DATE <= parsed <= latest:
            raise _RowProblem(f"start_date must be between {EARLIEST_DATE} and {latest}")
        return parsed


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value


def check_representatives(
    raw: bytes, state: State, *, actor: User | None = None, on: date | None = None
) -> ImportPlan:
    """Check a CSV of representatives for `state`, reading only: the plan of what an import
    would do, or CsvRejected with every bad row. `actor` None is the command line, which
    checks no permission."""
    if actor is not None:
        require(actor, Action.CREATE, Representative, state=state)
    return _check(read_rows(raw), state, actor, on or today())


def _check(
    rows: list[tuple[int, dict[str, str]]], state: State, actor: User | None, on: date
) -> ImportPlan:
    # Read before the rows: a change made while they are read then shows at the write.
    fingerprint = _fingerprint(state.id)
    checker = _Checker(state, on, actor)
    checker.read_identifiers_elsewhere(rows)
    plans: list[_Plan] = []
    errors: list[RowError] = []
    for line, row in rows:
        try:
            plans.append(checker.check(line, row))
        except _RowProblem as problem:
            errors.append(RowError(line, str(problem)))
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
    return ImportPlan(state.id, state.name, on, rows, plans, fingerprint, report)


# --- Writing (in bulk, in one short transaction) ------------------------------------------------


def write_representatives(
    plan: ImportPlan,
    *,
    actor: User | None = None,
    actor_label: str | None = None,
    source: str = "",
) -> CsvReport:
    """Write a checked file, in the caller's transaction, with a few bulk statements.

    Call in the write transaction: if anything the check read changed since, the rows are
    checked again first (and may now be refused)."""
    from crm.states.models import State

    state = db.session.get(State, plan.state_id)
    if state is None:
        raise NotFound("The state is no longer on record.")
    if _fingerprint(plan.state_id) != plan.fingerprint:
        plan = _check(plan.rows, state, actor, plan.on)
    writer = _Writer(plan, actor, actor_label)
    try:
        writer.add_new()
        writer.update_existing()
    except sa.exc.IntegrityError:
        raise Conflict(CHANGED_MEANWHILE) from None
    if writer.audit:
        for entry in writer.audit:
            check_shape(entry["action"], entry["target_type"], entry["before"], entry["after"])
        db.session.execute(sa.insert(AUDIT_ENTRIES), writer.audit)
    report = plan.report
    analyse_after_bulk_write(db.session, WRITTEN, len(report.added) + len(report.changed))
    record(
        actor,
        "csv.imported",
        state,
        summary=f"CSV of representatives {source}: {report.summary()}"[:300],
        after={
            "file": source,
            "added": len(report.added),
            "changed": len(report.changed),
            "unchanged": report.unchanged,
        },
        actor_email=actor_label,
    )
    if report.added or report.changed:
        inputs_changed(plan.state_id)
    db.session.flush()
    return report


def _snapshot(keys: tuple[str, ...], row: dict[str, Any]) -> dict[str, Any]:
    return {key: plain(row[key]) for key in keys}


def _new_ids(table: sa.Table, count: int) -> list[int]:
    """`count` unused ids for `table`. PostgreSQL hands them out from the table's sequence,
    safe alongside other writers; SQLite continues after the highest, which the caller's
    write transaction (BEGIN IMMEDIATE) keeps from changing until it commits."""
    if db.session.get_bind().dialect.name == "postgresql":
        sequence = sa.func.pg_get_serial_sequence(table.name, "id")
        return list(
            db.session.scalars(
                sa.select(sa.func.nextval(sequence)).select_from(sa.func.generate_series(1, count))
            )
        )
    highest = db.session.scalar(sa.select(sa.func.max(table.c.id))) or 0
    return list(range(highest + 1, highest + 1 + count))


def _defaults(table: sa.Table) -> dict[str, Any]:
    """Every column of a new row but its id, with its default (None when it has none), so
    the audit entry shows what the database holds. Callable defaults are called once: the
    rows share the value, which nothing changes."""
    row: dict[str, Any] = {}
    for column in table.columns:
        default = column.default
        if column.primary_key:
            continue
        if default is not None and default.is_scalar:
            row[column.key] = default.arg  # type: ignore[attr-defined]
        elif default is not None and default.is_callable:
            row[column.key] = default.arg(None)  # type: ignore[attr-defined]
        else:
            row[column.key] = None
    return row


class _Writer:
    """The bulk statements of one import, and the audit entries they need."""

    def __init__(self, plan: ImportPlan, actor: User | None, actor_label: str | None) -> None:
        self.plan = plan
        self.now = utcnow()
        self.audit: list[dict[str, Any]] = []
        self.defaults = {table.name: _defaults(table) for table in WRITTEN}
        self.entry = {
            "actor_id": getattr(actor, "id", None),
            "actor_email": actor_label or getattr(actor, "email", None),
            "state_id": plan.state_id,
            "target_type": Representative.__tablename__,
            "ip_address": request.remote_addr if has_request_context() else None,
            "at": self.now,
        }

    def _complete(self, table: sa.Table, values: dict[str, Any]) -> dict[str, Any]:
        return {**self.defaults[table.name], **values}

    def _insert(self, table: sa.Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Insert `rows` with ids of their own; each comes back with its id.

        Ids are chosen first so the rows go in many to a statement: asking for them back
        in order (RETURNING with its order kept) makes SQLite insert one row at a time."""
        if not rows:
            return rows
        ids = _new_ids(table, len(rows))
        rows = [{"id": row_id, **row} for row_id, row in zip(ids, rows, strict=True)]
        db.session.execute(sa.insert(table), rows)
        return rows

    def _children(
        self, owners: list[tuple[int, _Plan]]
    ) -> dict[int, dict[str, list[dict[str, Any]]]]:
        """Insert the contacts, identifiers and seats the rows add, by representative."""
        contacts, identifiers, seats = [], [], []
        for rep_id, plan in owners:
            contacts += [
                self._complete(
                    CONTACT_DETAILS, {"representative_id": rep_id, "kind": k, "value": v}
                )
                for k, v in plan.contacts
            ]
            identifiers += [
                self._complete(IDENTIFIERS, {"representative_id": rep_id, "scheme": s, "value": v})
                for s, v in plan.identifiers
            ]
            if plan.seat is not None:
                seat = plan.seat
                seats.append(
                    self._complete(
                        MEMBERSHIPS,
                        {
                            "representative_id": rep_id,
                            "chamber_id": seat.chamber_id,
                            "party_id": seat.party_id,
                            "constituency": seat.constituency,
                            "legislative_period": seat.period,
                            "start_date": seat.start,
                        },
                    )
                )
        added: dict[int, dict[str, list[dict[str, Any]]]] = defaultdict(
            lambda: {"contact_details": [], "identifiers": [], "memberships": []}
        )
        for key, table, rows in (
            ("contact_details", CONTACT_DETAILS, contacts),
            ("identifiers", IDENTIFIERS, identifiers),
            ("memberships", MEMBERSHIPS, seats),
        ):
            keys = tuple(table.columns.keys())
            for row in self._insert(table, rows):
                added[row["representative_id"]][key].append(_snapshot(keys, row))
        return added

    def add_new(self) -> None:
        table = REPRESENTATIVES
        new = [plan for plan in self.plan.plans if plan.rep_id is None]
        rows = []
        for plan in new:
            profile = dict(plan.profile)
            if not profile.get("sort_name"):
                given, family = profile.get("given_name"), profile.get("family_name")
                profile["sort_name"] = f"{family}, {given}" if family and given else plan.name
            profile.update(
                state_id=self.plan.state_id,
                search_text=search_text([profile["name"]]),
                created_at=self.now,
                updated_at=self.now,
            )
            rows.append(self._complete(table, profile))
        inserted = self._insert(table, rows)
        keys = tuple(table.columns.keys())
        children = self._children(
            [(row["id"], plan) for row, plan in zip(inserted, new, strict=True)]
        )
        for row, plan in zip(inserted, new, strict=True):
            self.audit.append(
                {
                    **self.entry,
                    "action": "representative.created",
                    "target_id": str(row["id"]),
                    "summary": f"Imported {plan.name} from a CSV file (line {plan.line})"[:300],
                    "before": None,
                    "after": {**_snapshot(keys, row), **children[row["id"]]},
                }
            )

    def update_existing(self) -> None:
        table = REPRESENTATIVES
        changed = [plan for plan in self.plan.plans if plan.rep_id is not None and plan.what]
        if not changed:
            return
        # One statement shape for every row: each profile column set to its new or current
        # value, and only at the version checked, so a change made since is never overwritten.
        statement = (
            sa.update(table)
            .where(table.c.id == sa.bindparam("b_id"), table.c.version == sa.bindparam("b_version"))
            .values(
                {
                    **{
                        key: sa.bindparam(f"b_{key}", type_=table.c[key].type)
                        for key in PROFILE_FIELDS
                    },
                    "search_text": sa.bindparam("b_search_text"),
                    "updated_at": sa.bindparam("b_updated_at", type_=table.c.updated_at.type),
                    "version": table.c.version + 1,
                }
            )
        )
        params = []
        for plan in changed:
            values = {**plan.current, **plan.profile}
            params.append(
                {
                    "b_id": plan.rep_id,
                    "b_version": plan.version,
                    **{f"b_{key}": values[key] for key in PROFILE_FIELDS},
                    "b_search_text": search_text([values["name"], *plan.other_names]),
                    "b_updated_at": self.now,
                }
            )
        updated = cast(sa.CursorResult[Any], db.session.execute(statement, params)).rowcount
        if updated != len(params):
            raise Conflict(CHANGED_MEANWHILE)
        owners = [(plan.rep_id, plan) for plan in changed if plan.rep_id is not None]
        children = self._children(owners)
        for rep_id, plan in owners:
            added = children.get(rep_id, {})
            after: dict[str, Any] = {key: plain(value) for key, value in plan.profile.items()}
            if plan.contacts:
                after["contact_details_added"] = [f"{k.value}: {v}" for k, v in plan.contacts]
            if plan.identifiers:
                after["identifiers_added"] = [f"{s}: {v}" for s, v in plan.identifiers]
            if added.get("memberships"):
                after["membership_added"] = added["memberships"][0]
            self.audit.append(
                {
                    **self.entry,
                    "action": "representative.updated",
                    "target_id": str(rep_id),
                    "summary": f"CSV import (line {plan.line}): {', '.join(plan.what)}"[:300],
                    "before": {key: plain(plan.current[key]) for key in plan.profile},
                    "after": {**after, "version": plan.version + 1},
                }
            )
