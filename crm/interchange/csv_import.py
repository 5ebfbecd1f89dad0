"""Importing representatives from a spreadsheet (CSV), all rows or none.

Every row is checked first; if any is wrong, nothing is written and every bad row is
reported with its line number and the reason. A row names a new representative, or one
already on record — by `id`, `popolo_id`, `wikidata`, or the same name in the same
chamber — whose profile it updates with the cells that are filled in (an empty cell
changes nothing). The columns are documented in the README ("Data in and out"); a file
exported from the representatives list imports back unchanged.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from crm.audit.services import record, snapshot
from crm.auth.permissions import Action, require
from crm.db import today, utcnow
from crm.errors import ValidationFailed
from crm.extensions import db
from crm.interchange.csvio import uncell
from crm.parliament.models import (
    Chamber,
    ContactDetail,
    ContactKind,
    Identifier,
    Membership,
    Party,
    Representative,
)
from crm.parliament.services import (
    EARLIEST_DATE,
    LATEST_AHEAD,
    contact_value_problem,
    refresh_search_text,
)
from crm.text import fold

if TYPE_CHECKING:
    from crm.auth.models import User
    from crm.states.models import State

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


# --- Checking rows --------------------------------------------------------------------------


@dataclass
class _Plan:
    line: int
    name: str
    rep: Representative | None
    profile: dict[str, Any] = field(default_factory=dict)
    contacts: list[tuple[ContactKind, str]] = field(default_factory=list)
    identifiers: list[tuple[str, str]] = field(default_factory=list)
    seat: tuple[Chamber, Party | None, str | None, str | None, date] | None = None


class _RowProblem(Exception):
    pass


def _split(value: str) -> list[str]:
    items: list[str] = []
    for item in re.split(r"[;,]", value):
        item = item.strip()
        if item and item not in items:
            items.append(item)
    return items


class _Checker:
    def __init__(self, state: State, on: date) -> None:
        self.state = state
        self.on = on
        self.chambers = list(
            db.session.scalars(sa.select(Chamber).where(Chamber.state_id == state.id))
        )
        self.parties = list(db.session.scalars(sa.select(Party).where(Party.state_id == state.id)))
        self.reps = {
            rep.id: rep
            for rep in db.session.scalars(
                sa.select(Representative)
                .where(Representative.state_id == state.id)
                .options(
                    selectinload(Representative.identifiers),
                    selectinload(Representative.contact_details),
                    selectinload(Representative.memberships),
                    selectinload(Representative.other_names),
                )
            )
        }
        self.by_identifier = {
            (i.scheme, i.value): rep for rep in self.reps.values() for i in rep.identifiers
        }
        self.by_name: dict[tuple[str, int], list[Representative]] = defaultdict(list)
        for rep in self.reps.values():
            if rep.archived_at is None:
                for chamber_id in {m.chamber_id for m in rep.memberships}:
                    self.by_name[(fold(rep.name), chamber_id)].append(rep)
        self.claimed: dict[int, int] = {}
        self.new_names: dict[tuple[str, int], int] = {}

    def chamber(self, name: str) -> Chamber:
        wanted = name.casefold()
        found = next((c for c in self.chambers if c.name.casefold() == wanted), None)
        if found is None:
            names = ", ".join(c.name for c in self.chambers) or "none yet"
            raise _RowProblem(f"no chamber called “{name}” in {self.state.name} ({names})")
        return found

    def party(self, name: str) -> Party:
        wanted = name.casefold()
        for party in self.parties:
            if wanted in (party.name.casefold(), (party.abbreviation or "").casefold()):
                return party
        raise _RowProblem(f"no party called “{name}” in {self.state.name} (add it first)")

    def taken_elsewhere(self, scheme: str, value: str) -> bool:
        return (
            db.session.scalar(
                sa.select(Identifier.id)
                .join(Identifier.representative)
                .where(
                    Identifier.scheme == scheme,
                    Identifier.value == value,
                    Representative.state_id != self.state.id,
                )
            )
            is not None
        )

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

        rep = self._match(row, name, chamber, wikidata)
        plan = _Plan(line=line, name=name, rep=rep, contacts=contacts)
        for scheme, value in (("wikidata", wikidata), ("popolo", row.get("popolo_id", ""))):
            if not value:
                continue
            owner = self.by_identifier.get((scheme, value))
            if owner is not None and owner is not rep:
                raise _RowProblem(f"{scheme} {value} already belongs to {owner.name}")
            if owner is None:
                if self.taken_elsewhere(scheme, value):
                    raise _RowProblem(f"{scheme} {value} belongs to someone in another state")
                plan.identifiers.append((scheme, value))
        constituency = row.get("constituency") or None
        period = row.get("legislative_period") or None
        if rep is None:
            if start is None:
                raise _RowProblem(
                    "start_date is empty: a new representative needs their seat's start"
                )
            key = (fold(name), chamber.id)
            if key in self.new_names:
                raise _RowProblem(f"{name} is already added on line {self.new_names[key]}")
            self.new_names[key] = line
            if profile.get("do_not_contact") and not profile.get("do_not_contact_reason"):
                raise _RowProblem("do_not_contact is yes: say why in do_not_contact_reason")
            plan.profile = profile
            plan.seat = (chamber, party, constituency, period, start)
            return plan

        if rep.id in self.claimed:
            raise _RowProblem(f"{rep.name} is already on line {self.claimed[rep.id]}")
        self.claimed[rep.id] = line
        plan.profile = {k: v for k, v in profile.items() if getattr(rep, k) != v}
        if profile.get("do_not_contact") and not (
            profile.get("do_not_contact_reason") or rep.do_not_contact_reason
        ):
            raise _RowProblem("do_not_contact is yes: say why in do_not_contact_reason")
        have = {c.value.casefold() for c in rep.contact_details}
        plan.contacts = [(k, v) for k, v in contacts if v.casefold() not in have]
        seats = [m for m in rep.memberships if m.chamber_id == chamber.id]
        current = [m for m in seats if m.is_current(self.on)]
        if current:
            if party is not None and current[0].party_id != party.id:
                sitting = current[0].party.name if current[0].party else "no party"
                raise _RowProblem(
                    f"{rep.name} sits for {sitting}, not {party.name}: change the party on "
                    "their page (“Move party”)"
                )
        elif start is not None and not any(m.start_date == start for m in seats):
            # A seat that started that day is already on record (a former member's row).
            if any(m.end_date is None or m.end_date >= start for m in seats):
                raise _RowProblem(f"{rep.name} already holds a seat in {chamber.name} on {start}")
            plan.seat = (chamber, party, constituency, period, start)
        return plan

    def _match(
        self, row: dict[str, str], name: str, chamber: Chamber, wikidata: str
    ) -> Representative | None:
        if row.get("id"):
            if not row["id"].isdigit() or int(row["id"]) not in self.reps:
                raise _RowProblem(f"no representative #{row['id'][:12]} in {self.state.name}")
            rep = self.reps[int(row["id"])]
            if rep.archived_at is not None:
                raise _RowProblem(f"{rep.name} is archived: an administrator must restore them")
            return rep
        for key in (("popolo", row.get("popolo_id", "")), ("wikidata", wikidata)):
            if key[1] and key in self.by_identifier:
                rep = self.by_identifier[key]
                if rep.archived_at is not None:
                    raise _RowProblem(f"{rep.name} is archived: an administrator must restore them")
                return rep
        namesakes = self.by_name.get((fold(name), chamber.id), [])
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
                problem = contact_value_problem(kind, value)
                if problem:
                    raise _RowProblem(f"{column} “{value[:40]}”: {problem}")
                contacts.append((kind, value))
        return contacts

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


# --- Writing --------------------------------------------------------------------------------


def import_representatives(
    raw: bytes,
    state: State,
    *,
    actor: User | None = None,
    actor_label: str | None = None,
    source: str = "",
    on: date | None = None,
) -> CsvReport:
    """Import a CSV of representatives into `state`: every row, or — raising CsvRejected
    with every bad row — none. `actor` None is the command line, which checks nothing."""
    if actor is not None:
        require(actor, Action.CREATE, Representative, state=state)
    on = on or today()
    rows = read_rows(raw)
    checker = _Checker(state, on)
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
        if plan.rep is None:
            _create(actor, state, plan)
            report.added.append(plan.name)
        else:
            if actor is not None:
                require(actor, Action.EDIT, plan.rep)
            what = _update(actor, plan)
            if what:
                report.changed.append((plan.rep.name, what))
            else:
                report.unchanged += 1
    entry = record(
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
    if not (report.added or report.changed):
        # Nothing changed: the state's risk need not be re-checked on commit.
        db.session.info.get("risk_states", set()).discard(entry.state_id)
    db.session.flush()
    return report


def _membership(seat: tuple[Chamber, Party | None, str | None, str | None, date]) -> Membership:
    chamber, party, constituency, period, start = seat
    return Membership(
        chamber=chamber,
        party=party,
        constituency=constituency,
        legislative_period=period,
        start_date=start,
    )


def _create(actor: User | None, state: State, plan: _Plan) -> Representative:
    profile = dict(plan.profile)
    if not profile.get("sort_name"):
        given, family = profile.get("given_name"), profile.get("family_name")
        profile["sort_name"] = f"{family}, {given}" if family and given else profile["name"]
    rep = Representative(state=state, **profile)
    rep.contact_details = [ContactDetail(kind=k, value=v) for k, v in plan.contacts]
    rep.identifiers = [Identifier(scheme=s, value=v) for s, v in plan.identifiers]
    if plan.seat is None:
        raise ValueError("a new representative's row always has a seat")
    rep.memberships = [_membership(plan.seat)]
    rep.other_names = []
    refresh_search_text(rep)
    db.session.add(rep)
    db.session.flush()
    record(
        actor,
        "representative.created",
        rep,
        after={
            **snapshot(rep),
            "contact_details": [snapshot(c) for c in rep.contact_details],
            "identifiers": [snapshot(i) for i in rep.identifiers],
            "memberships": [snapshot(m) for m in rep.memberships],
        },
        summary=f"Imported {rep.name} from a CSV file (line {plan.line})",
    )
    return rep


def _update(actor: User | None, plan: _Plan) -> list[str]:
    rep = plan.rep
    if rep is None:
        raise ValueError("only a row matching a representative updates one")
    what: list[str] = []
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for key, value in plan.profile.items():
        before[key], after[key] = getattr(rep, key), value
        setattr(rep, key, value)
        what.append(key.replace("_", " "))
    for kind, value in plan.contacts:
        rep.contact_details.append(ContactDetail(kind=kind, value=value))
        after.setdefault("contact_details_added", []).append(f"{kind.value}: {value}")
        what.append(f"{kind.label.lower()} {value}")
    for scheme, value in plan.identifiers:
        rep.identifiers.append(Identifier(scheme=scheme, value=value))
        after.setdefault("identifiers_added", []).append(f"{scheme}: {value}")
        what.append(f"identifier {scheme} {value}")
    if plan.seat is not None:
        membership = _membership(plan.seat)
        rep.memberships.append(membership)
        db.session.flush()
        after["membership_added"] = snapshot(membership)
        what.append(f"new seat in {plan.seat[0].name}")
    if not what:
        return what
    if "name" in plan.profile:
        refresh_search_text(rep)
    rep.updated_at = utcnow()
    db.session.flush()
    record(
        actor,
        "representative.updated",
        rep,
        before=_plain(before),
        after={**_plain(after), "version": rep.version},
        summary=f"CSV import (line {plan.line}): {', '.join(what)}"[:300],
    )
    return what


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (list(v) if isinstance(v, list) else v) for k, v in values.items()}
