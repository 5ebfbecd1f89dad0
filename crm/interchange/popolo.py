"""Importing a chamber's roster from Popolo JSON (EveryPolitician files, or our own export).

Idempotent: people are matched by identifiers (the file's person id is kept as scheme
`popolo`, next to the file's EveryPolitician and Wikidata identifiers), so importing the
same file twice changes nothing. What the file does not say is left alone (a missing key
never blanks a field; hand-entered contacts, names and seats stay). People with a current
seat in the chamber who are not in the file have that seat ended — never deleted.

Runs in the caller's transaction and never commits: the command line commits, or rolls
back for a dry run. The importer runs as the command line (actor None), which checks no
permission; with an actor it needs the right to create representatives in the state.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from crm.audit.services import record, snapshot
from crm.auth.permissions import Action, require
from crm.db import today, utcnow
from crm.extensions import db
from crm.interchange.popolo_read import (
    MembershipIn,
    OrganizationIn,
    PersonIn,
    PopoloError,
    RosterIn,
)
from crm.parliament.models import (
    Chamber,
    ChamberKind,
    Committee,
    CommitteeMembership,
    CommitteeRole,
    ContactDetail,
    Identifier,
    Membership,
    OtherName,
    Party,
    Representative,
)
from crm.parliament.services import refresh_search_text
from crm.risk.changes import inputs_changed
from crm.text import fold

if TYPE_CHECKING:
    from crm.auth.models import User
    from crm.states.models import State

POPOLO_SCHEME = "popolo"

# Organization classifications that name a house of parliament, and what each becomes.
CHAMBER_CLASSIFICATIONS = {
    "legislature": ChamberKind.UNICAMERAL,
    "unicameral": ChamberKind.UNICAMERAL,
    "parliament": ChamberKind.UNICAMERAL,
    "chamber": ChamberKind.UNICAMERAL,
    "house": ChamberKind.UNICAMERAL,
    "lower house": ChamberKind.LOWER,
    "lower": ChamberKind.LOWER,
    "lower chamber": ChamberKind.LOWER,
    "upper house": ChamberKind.UPPER,
    "upper": ChamberKind.UPPER,
    "upper chamber": ChamberKind.UPPER,
    "senate": ChamberKind.UPPER,
}
# What our export writes for each kind (read back by CHAMBER_CLASSIFICATIONS).
POPOLO_CHAMBER_CLASSIFICATIONS = {
    ChamberKind.UNICAMERAL: "legislature",
    ChamberKind.LOWER: "lower house",
    ChamberKind.UPPER: "upper house",
}
# Party names EveryPolitician uses for "no party": a seat without a party. ("Independent"
# stays a party of that name: some parliaments seat independents as a group.)
NO_PARTY_NAMES = frozenset({"none", "no party", "n/a", "unknown", "-"})
# Area names that mean "no constituency".
NO_AREA_NAMES = frozenset({"n/a", "none", "-", "unknown"})


# --- Our own ids ---------------------------------------------------------------------------------
# Records without a Popolo id are exported under ids of this form. Reading them back into
# the same database finds the record by its id (and, for a person, the same name) instead
# of storing the id, so that an export re-imports with no change at all.

OWN_ID = re.compile(r"crm/([A-Z]{2})/(representative|party|chamber)/(\d{1,10})")


def own_id(state: State, kind: str, row_id: int) -> str:
    return f"crm/{state.iso2}/{kind}/{row_id}"


def _storable(popolo_id: str | None) -> str | None:
    """An organization's Popolo id, if it fits its column (longer ones are not kept)."""
    return popolo_id if popolo_id and len(popolo_id) <= 200 else None


def _own_row(value: str | None, state: State, kind: str) -> int | None:
    match = OWN_ID.fullmatch(value or "")
    if match and match.group(1) == state.iso2 and match.group(2) == kind:
        return int(match.group(3))
    return None


# --- The report --------------------------------------------------------------------------------


@dataclass
class RosterReport:
    """What an import added, changed and ended (or would have, in a dry run)."""

    state: str
    chamber: str
    added: list[str] = field(default_factory=list)
    changed: list[tuple[str, list[str]]] = field(default_factory=list)
    ended: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)
    other_chambers: int = 0
    parties_added: list[str] = field(default_factory=list)
    other_changes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def changes_anything(self) -> bool:
        return bool(
            self.added or self.changed or self.ended or self.parties_added or self.other_changes
        )

    def summary(self) -> str:
        return (
            f"{self.chamber} of {self.state}: {len(self.added)} added, {len(self.changed)} "
            f"changed, {len(self.ended)} ended, {self.unchanged} unchanged"
        )

    def lines(self) -> list[str]:
        """The report as printed by the command line, one change a line."""
        out = [self.summary()]
        out += [f"  {change}" for change in self.other_changes]
        out += [f"  new party: {name}" for name in self.parties_added]
        out += [f"  + {name}" for name in self.added]
        out += [f"  ~ {name}: {'; '.join(what)}" for name, what in self.changed]
        out += [f"  - {name}: seat ended" for name in self.ended]
        if self.skipped:
            out.append(f"Left alone ({len(self.skipped)}):")
            out += [f"  {line}" for line in self.skipped]
        if self.other_chambers:
            out.append(f"Not in this chamber (skipped): {self.other_chambers} person(s)")
        if self.warnings:
            out.append(f"Warnings ({len(self.warnings)}):")
            out += [f"  {line}" for line in self.warnings]
        return out


# --- Seats -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seat:
    """A membership of the chamber as the file describes it."""

    party: Party | None
    constituency: str | None
    role: str | None
    period: str | None
    start_date: date | None
    end_date: date | None

    @property
    def party_id(self) -> int | None:
        return self.party.id if self.party is not None else None

    def matches(self, membership: Membership) -> bool:
        return (
            membership.party_id == self.party_id
            and membership.constituency == self.constituency
            and membership.role == self.role
            and membership.legislative_period == self.period
            and membership.start_date == self.start_date
            and membership.end_date == self.end_date
        )


def _is_open(membership: Membership | Seat | CommitteeSeat, on: date) -> bool:
    return membership.end_date is None or membership.end_date >= on


@dataclass(frozen=True)
class CommitteeSeat:
    """A committee membership as the file describes it."""

    committee: Committee
    role: CommitteeRole
    start_date: date | None
    end_date: date | None

    def matches(self, seat: CommitteeMembership) -> bool:
        return (
            seat.committee_id == self.committee.id
            and seat.role is self.role
            and seat.start_date == self.start_date
            and seat.end_date == self.end_date
        )


W = TypeVar("W")
E = TypeVar("E")


def _pair(wanted: list[W], existing: list[E], *tests: Callable[[W, E], bool]) -> list[tuple[W, E]]:
    """Pair the file's seats with the database's, the most specific test first; what is
    paired leaves both lists, so what remains is to add (wanted) or to end (existing)."""
    pairs: list[tuple[W, E]] = []
    for test in tests:
        for seat in list(wanted):
            found = next((held for held in existing if test(seat, held)), None)
            if found is not None:
                pairs.append((seat, found))
                wanted.remove(seat)
                existing.remove(found)
    return pairs


def committee_role(text: str | None) -> CommitteeRole:
    """A Popolo membership role on a committee ("Chairperson", "vice-chair"…) as ours."""
    words = set(re.findall(r"[^\W\d_]+", (text or "").casefold()))
    chairs = any(w.startswith("chair") or w in ("president", "convener", "convenor") for w in words)
    if chairs and words & {"vice", "deputy"}:
        return CommitteeRole.VICE_CHAIR
    if chairs:
        return CommitteeRole.CHAIR
    if "rapporteur" in words:
        return CommitteeRole.RAPPORTEUR
    return CommitteeRole.MEMBER


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, Party):
        return value.name
    return str(value)


# --- The import --------------------------------------------------------------------------------


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
    run = _RosterImport(roster, state, chamber_name, actor, on or today(), progress)
    run.run(organization_id)
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


class _RosterImport:
    def __init__(
        self,
        roster: RosterIn,
        state: State,
        chamber_name: str,
        actor: User | None,
        on: date,
        progress: Callable[[int], None] | None,
    ) -> None:
        self.roster = roster
        self.state = state
        self.chamber_name = chamber_name.strip()
        self.actor = actor
        self.on = on
        self.progress = progress or (lambda _n: None)
        self.report = RosterReport(state=state.name, chamber=self.chamber_name)
        self.report.warnings.extend(roster.warnings)
        self.organizations = {o.id: o for o in roster.organizations if o.id}
        self.parties: dict[str, Party | None] = {}
        # Who holds each identifier in the state (one holder each, as the database wants).
        self.holders: dict[tuple[str, str], Representative | PersonIn] = {}
        self.chamber: Chamber
        # The file's committees of this chamber, by the file's id; and each person's seats
        # on them. A file without committees leaves every committee seat alone.
        self.committees: dict[str, Committee] = {}
        self.committee_seats: dict[str, list[CommitteeSeat]] = defaultdict(list)

    # --- the steps --------------------------------------------------------------------------

    def run(self, organization_id: str | None) -> None:
        if not self.chamber_name:
            raise PopoloError("name the chamber to import into")
        chamber_org = self._file_chamber(organization_id)
        self._chamber(chamber_org)
        seats_of, selected = self._select_persons(chamber_org.id if chamber_org else None)
        self._committees(chamber_org, {p.id for p in selected if p.id})
        reps = self._load_representatives()
        taken = self._identifiers_of_other_states()
        self.holders = {(i.scheme, i.value): rep for rep in reps for i in rep.identifiers}
        matches = self._match(selected, reps)
        seen: set[int] = set()
        for person in selected:
            rep = matches.get(person.index)
            if rep is not None and rep.archived_at is not None:
                self.report.skipped.append(f"{person.name}: archived, left as it is")
                seen.add(rep.id)
            elif rep is None:
                seen.add(self._add(person, seats_of[person.index], taken).id)
            else:
                seen.add(rep.id)
                self._update(rep, person, seats_of[person.index], taken)
            self.progress(1)
        self._end_missing(reps, seen)

    def _file_chamber(self, organization_id: str | None) -> OrganizationIn | None:
        """Which organization of the file is the chamber (None: the file does not say)."""
        orgs = self.roster.organizations
        if organization_id is not None:
            found = self.organizations.get(organization_id)
            if found is None:
                raise PopoloError(f'the file has no organization with the id "{organization_id}"')
            return found
        party_ids = self._party_ids()
        named = [
            o
            for o in orgs
            if o.name
            and o.name.casefold() == self.chamber_name.casefold()
            and o.id not in party_ids
        ]
        if len(named) == 1:
            return named[0]
        existing = self._existing_chamber()
        if existing is not None and existing.popolo_id in self.organizations:
            return self.organizations[existing.popolo_id]
        houses = [o for o in orgs if o.classification in CHAMBER_CLASSIFICATIONS]
        if len(houses) == 1:
            return houses[0]
        committees = {o.id for o in orgs if o.classification == "committee"}
        used = Counter(
            m.organization_id
            for m in self.roster.memberships
            if m.organization_id
            and m.organization_id not in party_ids
            and m.organization_id not in committees
        )
        if len(used) > 1:
            # Legislative periods are the chamber's: a cabinet post or a party card has none.
            in_periods = used.keys() & {
                m.organization_id for m in self.roster.memberships if m.period_id
            }
            if len(in_periods) == 1:
                used = Counter(in_periods)
        if len(used) == 1:
            only = next(iter(used))
            return self.organizations.get(only) or OrganizationIn(only, None, None)
        if not used and not houses:
            return None
        candidates = sorted({o.id for o in houses if o.id} | set(used))
        raise PopoloError(
            "the file has several organizations that could be the chamber ("
            + ", ".join(candidates[:6])
            + "): choose one with --organization"
        )

    def _party_ids(self) -> set[str]:
        ids = {o.id for o in self.roster.organizations if o.id and o.classification == "party"}
        ids |= {m.on_behalf_of_id for m in self.roster.memberships if m.on_behalf_of_id}
        return ids

    def _existing_chamber(self) -> Chamber | None:
        chambers = db.session.scalars(
            sa.select(Chamber).where(Chamber.state_id == self.state.id)
        ).all()
        exact = [c for c in chambers if c.name == self.chamber_name]
        loose = [c for c in chambers if c.name.casefold() == self.chamber_name.casefold()]
        return (exact or loose or [None])[0]

    def _chamber(self, org: OrganizationIn | None) -> None:
        chamber = self._existing_chamber()
        if chamber is None:
            if self.actor is not None:
                require(self.actor, Action.CREATE, Chamber, state=self.state)
            if len(self.chamber_name) > 120:
                raise PopoloError("a chamber name is at most 120 characters")
            classification = org.classification if org else None
            kind = CHAMBER_CLASSIFICATIONS.get(classification or "", ChamberKind.UNICAMERAL)
            current = {
                m.person_id
                for m in self.roster.memberships
                if (org is None or m.organization_id in (org.id, None)) and m.end_date is None
            }
            chamber = Chamber(
                state=self.state,
                name=self.chamber_name,
                classification=kind,
                seats=(org.seats if org else None) or max(len(current), 1),
                position=len(self.state.chambers),
                popolo_id=_storable(org.id if org else None),
            )
            db.session.add(chamber)
            db.session.flush()
            record(self.actor, "chamber.created", chamber, after=snapshot(chamber))
            self.report.other_changes.append(
                f"new chamber: {chamber.name} ({chamber.classification.label.lower()}, "
                f"{chamber.seats} seats)"
            )
        elif (
            org is not None
            and _storable(org.id)
            and chamber.popolo_id is None
            and not OWN_ID.fullmatch(org.id or "")
        ):
            chamber.popolo_id = org.id
            db.session.flush()
            record(
                self.actor,
                "chamber.updated",
                chamber,
                before={"popolo_id": None},
                after={"popolo_id": org.id, "version": chamber.version},
            )
            self.report.other_changes.append(f"{chamber.name}: Popolo id set to {org.id}")
        self.chamber = chamber

    def _committees(self, chamber_org: OrganizationIn | None, members: set[str]) -> None:
        """The chamber's committees on which the file seats some of its `members` (a
        committee's parent is the chamber, or it names none): found by name or made, with
        each member's seats on them. The file speaks for these committees only; seats on
        others, and a file without committee memberships, are left alone."""
        committee_orgs = {
            o.id: o
            for o in self.roster.organizations
            if o.id
            and o.name
            and o.classification == "committee"
            and (o.parent_id is None or chamber_org is None or o.parent_id == chamber_org.id)
        }
        ours = [
            m
            for m in self.roster.memberships
            if m.organization_id in committee_orgs and m.person_id in members
        ]
        if not ours:
            return
        existing = list(self.chamber.committees)
        for org_id in dict.fromkeys(m.organization_id for m in ours if m.organization_id):
            org = committee_orgs[org_id]
            name = self._cut(org.name, 200, f'the committee "{org_id[:60]}"') or ""
            # The same name exactly; else the same name in another case, if only one.
            exact = [c for c in existing if c.name == name]
            loose = [c for c in existing if c.name.casefold() == name.casefold()]
            committee = (exact or (loose if len(loose) == 1 else []) or [None])[0]
            if committee is None:
                abbreviation = org.abbreviation if org.abbreviation else None
                if abbreviation is not None and len(abbreviation) > 20:
                    self.report.warnings.append(
                        f'the committee "{name[:60]}": abbreviation longer than 20 characters '
                        "left out"
                    )
                    abbreviation = None
                committee = Committee(chamber=self.chamber, name=name, abbreviation=abbreviation)
                db.session.add(committee)
                db.session.flush()
                record(self.actor, "committee.created", committee, after=snapshot(committee))
                self.report.other_changes.append(f"new committee: {committee.name}")
                existing.append(committee)
            self.committees[org_id] = committee
        for m in ours:
            committee = self.committees[m.organization_id or ""]
            self.committee_seats[m.person_id].append(
                CommitteeSeat(committee, committee_role(m.role), m.start_date, m.end_date)
            )

    def _select_persons(
        self, chamber_org_id: str | None
    ) -> tuple[dict[int, list[Seat]], list[PersonIn]]:
        """The persons who sit or sat in the chamber, with their seats from the file.

        A person the file gives no membership at all is taken as a member of the chamber
        (the file is its roster) with a seat of unknown dates.
        """
        party_ids = self._party_ids()

        committee_ids = {o.id for o in self.roster.organizations if o.classification == "committee"}

        def in_chamber(m: MembershipIn) -> bool:
            if chamber_org_id is None:
                return m.organization_id is None or (
                    m.organization_id not in party_ids and m.organization_id not in committee_ids
                )
            return m.organization_id in (chamber_org_id, None)

        persons_by_id = {p.id: p for p in self.roster.persons if p.id}
        chamber_memberships: dict[str, list[MembershipIn]] = defaultdict(list)
        anywhere: set[str] = set()
        for membership in self.roster.memberships:
            anywhere.add(membership.person_id)
            if membership.person_id not in persons_by_id:
                self.report.warnings.append(
                    f'memberships[{membership.index}] names the person "'
                    f'{membership.person_id[:60]}", who is not in the persons list: skipped'
                )
            elif in_chamber(membership):
                chamber_memberships[membership.person_id].append(membership)
        selected: list[PersonIn] = []
        seats_of: dict[int, list[Seat]] = {}
        for person in self.roster.persons:
            if person.id is not None and person.id in chamber_memberships:
                seats = [self._seat(m) for m in chamber_memberships[person.id]]
            elif person.id is None or person.id not in anywhere:
                seats = [Seat(None, None, None, None, None, None)]
            else:
                self.report.other_chambers += 1
                continue
            # One seat for each distinct description (files repeat memberships).
            seats_of[person.index] = list(dict.fromkeys(seats))
            selected.append(person)
        return seats_of, selected

    def _seat(self, m: MembershipIn) -> Seat:
        period = self.roster.periods.get(m.period_id) if m.period_id else None
        start = m.start_date or (period.start_date if period else None)
        end = m.end_date or (period.end_date if period else None)
        if start and end and end < start:
            raise PopoloError(
                f"memberships[{m.index}] ends ({end.isoformat()}) before it starts "
                f"({start.isoformat()}), counting its legislative period's dates"
            )
        constituency = None
        if m.area_id:
            constituency = self.roster.areas.get(m.area_id)
        if constituency is None and m.post_id and m.post_id in self.roster.posts:
            label, area_id = self.roster.posts[m.post_id]
            constituency = self.roster.areas.get(area_id or "") or label
        if constituency and constituency.casefold() in NO_AREA_NAMES:
            constituency = None
        name = period.name if period else m.period_id
        return Seat(
            party=self._party(m.on_behalf_of_id),
            constituency=self._cut(constituency, 200, f"memberships[{m.index}] constituency"),
            role=self._cut(m.role, 80, f"memberships[{m.index}].role"),
            period=self._cut(name, 80, f"memberships[{m.index}] legislative period"),
            start_date=start,
            end_date=end,
        )

    def _cut(self, value: str | None, limit: int, what: str) -> str | None:
        if value is not None and len(value) > limit:
            self.report.warnings.append(f"{what} is longer than {limit} characters: shortened")
            return value[:limit].rstrip()
        return value

    def _party(self, org_id: str | None) -> Party | None:
        if org_id is None:
            return None
        if org_id in self.parties:
            return self.parties[org_id]
        org = self.organizations.get(org_id)
        name = (org.name if org else None) or org_id.rsplit("/", 1)[-1] or org_id
        parties = db.session.scalars(sa.select(Party).where(Party.state_id == self.state.id)).all()
        own = _own_row(org_id, self.state, "party")
        party = (
            next((p for p in parties if p.popolo_id == org_id), None)
            or next((p for p in parties if own is not None and p.id == own), None)
            or next((p for p in parties if p.name.casefold() == name.casefold()), None)
        )
        if party is None and (name.casefold() in NO_PARTY_NAMES or org_id.endswith("/none")):
            self.parties[org_id] = None
            return None
        if party is None:
            if self.actor is not None:
                require(self.actor, Action.CREATE, Party, state=self.state)
            if len(name) > 200:
                raise PopoloError(f'the party "{name[:40]}…" has a name over 200 characters')
            abbreviation = org.abbreviation if org else None
            party = Party(
                state=self.state,
                name=name,
                abbreviation=abbreviation if abbreviation and len(abbreviation) <= 20 else None,
                # Even another database's own id is kept, so the next export says the same.
                popolo_id=_storable(org_id),
            )
            db.session.add(party)
            db.session.flush()
            record(self.actor, "party.created", party, after=snapshot(party))
            self.report.parties_added.append(name)
        elif party.popolo_id is None and _storable(org_id) and not OWN_ID.fullmatch(org_id):
            party.popolo_id = org_id
            db.session.flush()
            record(
                self.actor,
                "party.updated",
                party,
                before={"popolo_id": None},
                after={"popolo_id": org_id, "version": party.version},
            )
            self.report.other_changes.append(f"party {party.name}: Popolo id set to {org_id}")
        self.parties[org_id] = party
        return party

    def _load_representatives(self) -> list[Representative]:
        return list(
            db.session.scalars(
                sa.select(Representative)
                .where(Representative.state_id == self.state.id)
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

    def _identifiers_of_other_states(self) -> dict[tuple[str, str], str]:
        """Identifiers in the file that another state's representative already holds."""
        wanted: set[tuple[str, str]] = set()
        for person in self.roster.persons:
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
                    Representative.state_id != self.state.id,
                )
            )
            for scheme, value, name in rows:
                if (scheme, value) in wanted:
                    taken[(scheme, value)] = name
        return taken

    def _match(
        self, persons: list[PersonIn], reps: list[Representative]
    ) -> dict[int, Representative]:
        """Each person's representative: by Popolo id, other identifiers, our own id, or
        — for a representative not imported before — the same name, when unambiguous."""
        by_identifier: dict[tuple[str, str], Representative] = {}
        for rep in reps:
            for ident in rep.identifiers:
                by_identifier.setdefault((ident.scheme, ident.value), rep)
        by_id = {rep.id: rep for rep in reps}
        unlinked: dict[str, list[Representative]] = defaultdict(list)
        for rep in reps:
            sat_here = any(m.chamber_id == self.chamber.id for m in rep.memberships)
            linked = any(i.scheme == POPOLO_SCHEME for i in rep.identifiers)
            if rep.archived_at is None and not linked and (sat_here or not rep.memberships):
                unlinked[fold(rep.name)].append(rep)

        matches: dict[int, Representative] = {}
        claimed: dict[int, PersonIn] = {}

        def claim(person: PersonIn, rep: Representative) -> None:
            if rep.id in claimed:
                raise PopoloError(
                    f"{claimed[rep.id].label} and {person.label} are the same representative "
                    f"(#{rep.id}): the file lists one person twice"
                )
            claimed[rep.id] = person
            matches[person.index] = rep

        by_name: list[PersonIn] = []
        for person in persons:
            rep = by_identifier.get((POPOLO_SCHEME, person.id)) if person.id else None
            for key in person.identifiers:
                rep = rep or by_identifier.get(key)
            own = _own_row(person.id, self.state, "representative")
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
                self.report.warnings.append(
                    f"{len(group)} people named {group[0].name} in the file and "
                    f"{len(namesakes)} on record: none matched by name (give them identifiers)"
                )
        return matches

    # --- writing ------------------------------------------------------------------------------

    def _identifiers_for(
        self, person: PersonIn, rep: Representative | None, taken: dict[tuple[str, str], str]
    ) -> list[tuple[str, str]]:
        wanted = list(person.identifiers)
        own = _own_row(person.id, self.state, "representative")
        matched_by_own_id = rep is not None and own == rep.id
        if person.id and not matched_by_own_id:
            wanted.insert(0, (POPOLO_SCHEME, person.id))
        have = {(i.scheme, i.value) for i in rep.identifiers} if rep is not None else set()
        owner = rep if rep is not None else person
        result = []
        for key in wanted:
            if key in have or key in result:
                continue
            if key in taken:
                self.report.warnings.append(
                    f"{person.label}: the identifier {key[0]} {key[1]} already belongs to "
                    f"{taken[key]} of another state: not kept"
                )
                continue
            holder = self.holders.setdefault(key, owner)
            if holder is not owner:
                # Files have mistakes: two people with one Wikidata id.
                self.report.warnings.append(
                    f"{person.label}: the identifier {key[0]} {key[1]} already belongs to "
                    f"{holder.name}: not kept"
                )
                continue
            result.append(key)
        return result

    def _add(
        self, person: PersonIn, seats: list[Seat], taken: dict[tuple[str, str], str]
    ) -> Representative:
        sort_name = person.sort_name
        if not sort_name:
            given, family = person.given_name, person.family_name
            sort_name = f"{family}, {given}" if family and given else person.name
        rep = Representative(
            state=self.state,
            name=person.name,
            sort_name=sort_name[:200],
            given_name=person.given_name,
            family_name=person.family_name,
            gender=person.gender,
        )
        rep.other_names = [
            OtherName(name=n, lang=lang, note=note) for n, lang, note in person.other_names
        ]
        rep.contact_details = [
            ContactDetail(kind=kind, value=value, label=label)
            for kind, value, label in person.contacts
        ]
        rep.identifiers = [
            Identifier(scheme=scheme, value=value)
            for scheme, value in self._identifiers_for(person, None, taken)
        ]
        rep.memberships = [self._membership(seat) for seat in seats]
        rep.committee_memberships = [
            self._committee_membership(seat)
            for seat in dict.fromkeys(self.committee_seats.get(person.id or "", []))
        ]
        refresh_search_text(rep)
        db.session.add(rep)
        db.session.flush()
        record(
            self.actor,
            "representative.created",
            rep,
            after={
                **snapshot(rep),
                "other_names": [snapshot(n) for n in rep.other_names],
                "contact_details": [snapshot(c) for c in rep.contact_details],
                "identifiers": [snapshot(i) for i in rep.identifiers],
                "memberships": [snapshot(m) for m in rep.memberships],
                "committee_memberships": [snapshot(c) for c in rep.committee_memberships],
            },
            summary=f"Imported {rep.name} from a Popolo file",
        )
        self.report.added.append(person.name)
        return rep

    def _membership(self, seat: Seat) -> Membership:
        return Membership(
            chamber=self.chamber,
            party=seat.party,
            constituency=seat.constituency,
            role=seat.role,
            legislative_period=seat.period,
            start_date=seat.start_date,
            end_date=seat.end_date,
        )

    @staticmethod
    def _committee_membership(seat: CommitteeSeat) -> CommitteeMembership:
        return CommitteeMembership(
            committee=seat.committee,
            role=seat.role,
            start_date=seat.start_date,
            end_date=seat.end_date,
        )

    def _update(
        self,
        rep: Representative,
        person: PersonIn,
        seats: list[Seat],
        taken: dict[tuple[str, str], str],
    ) -> None:
        what: list[str] = []
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        known_as = rep.name
        for name in ("name", "given_name", "family_name", "sort_name", "gender"):
            value = getattr(person, name)
            if value is not None and value != getattr(rep, name):
                before[name], after[name] = getattr(rep, name), value
                setattr(rep, name, value)
                what.append(f"{name.replace('_', ' ')} {_fmt(before[name])} → {value}")
        have_names = {(o.name, o.lang, o.note) for o in rep.other_names}
        for other_name, lang, note in person.other_names:
            if (other_name, lang, note) not in have_names:
                rep.other_names.append(OtherName(name=other_name, lang=lang, note=note))
                after.setdefault("other_names_added", []).append(other_name)
                what.append(f"other name {other_name}" + (f" ({lang})" if lang else ""))
        # The same value is the same contact, whatever kind it was filed under.
        have_contacts = {c.value.casefold() for c in rep.contact_details}
        for kind, value, label in person.contacts:
            if value.casefold() not in have_contacts:
                rep.contact_details.append(ContactDetail(kind=kind, value=value, label=label))
                after.setdefault("contact_details_added", []).append(f"{kind.value}: {value}")
                what.append(f"{kind.label.lower()} {value}")
        for scheme, value in self._identifiers_for(person, rep, taken):
            rep.identifiers.append(Identifier(scheme=scheme, value=value))
            after.setdefault("identifiers_added", []).append(f"{scheme}: {value}")
            what.append(f"identifier {scheme} {value}")
        what += self._sync_seats(rep, seats, before, after)
        if self.committees:
            wanted = list(dict.fromkeys(self.committee_seats.get(person.id or "", [])))
            what += self._sync_committee_seats(rep, wanted, before, after)
        if not what:
            self.report.unchanged += 1
            return
        if {"name", "other_names_added"} & after.keys():
            refresh_search_text(rep)
        # Touching the row moves its version on, so a form opened before the import
        # gets a conflict instead of overwriting it.
        rep.updated_at = utcnow()
        db.session.flush()
        record(
            self.actor,
            "representative.updated",
            rep,
            before=before or None,
            after={**after, "version": rep.version},
            summary=f"Popolo import: {'; '.join(what)}"[:300],
        )
        self.report.changed.append((known_as, what))

    def _sync_seats(
        self,
        rep: Representative,
        seats: list[Seat],
        before: dict[str, Any],
        after: dict[str, Any],
    ) -> list[str]:
        """Bring the person's seats in this chamber in line with the file.

        Seats are paired, most specific first: the same seat exactly; the same term and
        start; the same term; an open seat with an open seat. What the file adds is added,
        a seat still open that the file no longer lists is ended, and past seats it does
        not list are history and stay.
        """
        existing = sorted(
            (m for m in rep.memberships if m.chamber_id == self.chamber.id),
            key=lambda m: (m.start_date or date.min, m.id or 0),
        )
        wanted = list(seats)
        pairs = _pair(
            wanted,
            existing,
            lambda s, m: s.matches(m),
            lambda s, m: (s.period, s.start_date) == (m.legislative_period, m.start_date),
            lambda s, m: s.period is not None and s.period == m.legislative_period,
            lambda s, m: _is_open(s, self.on) and _is_open(m, self.on),
        )

        what: list[str] = []
        for seat, membership in pairs:
            if seat.matches(membership):
                continue
            old = snapshot(membership)
            changes = []
            for attr, value in (
                ("party", seat.party),
                ("constituency", seat.constituency),
                ("role", seat.role),
                ("legislative_period", seat.period),
                ("start_date", seat.start_date),
                ("end_date", seat.end_date),
            ):
                current = getattr(membership, attr)
                if (current.id if isinstance(current, Party) else current) != (
                    value.id if isinstance(value, Party) else value
                ):
                    changes.append(f"{attr.replace('_', ' ')} {_fmt(current)} → {_fmt(value)}")
                    setattr(membership, attr, value)
            db.session.flush()
            before.setdefault("memberships", []).append(old)
            after.setdefault("memberships", []).append(snapshot(membership))
            what.append(f"seat in {self.chamber.name}: {', '.join(changes)}")
        for seat in wanted:
            membership = self._membership(seat)
            rep.memberships.append(membership)
            db.session.flush()
            after.setdefault("memberships_added", []).append(snapshot(membership))
            period = f" ({seat.period})" if seat.period else ""
            what.append(f"new seat in {self.chamber.name}{period}")
        for membership in existing:
            if self._end_seat(membership, "memberships", before, after):
                what.append(f"seat in {self.chamber.name} ended {membership.end_date}")
        return what

    def _sync_committee_seats(
        self,
        rep: Representative,
        wanted: list[CommitteeSeat],
        before: dict[str, Any],
        after: dict[str, Any],
    ) -> list[str]:
        """Bring the person's seats on the file's committees in line with it, as for the
        chamber: the same seat, or the same committee and start, or an open seat on the same
        committee, is kept (role and end updated); others are added; an open seat on one
        of these committees that the file no longer lists is ended. Seats on committees the
        file does not list are left alone."""
        ours = {c.id for c in self.committees.values()}
        existing = [c for c in rep.committee_memberships if c.committee_id in ours]
        wanted = list(wanted)
        pairs = _pair(
            wanted,
            existing,
            lambda s, c: s.matches(c),
            lambda s, c: s.committee.id == c.committee_id and s.start_date == c.start_date,
            lambda s, c: (
                s.committee.id == c.committee_id and _is_open(s, self.on) and _is_open(c, self.on)
            ),
        )
        what: list[str] = []
        for seat, held in pairs:
            if seat.matches(held):
                continue
            old = snapshot(held)
            held.role, held.start_date, held.end_date = seat.role, seat.start_date, seat.end_date
            db.session.flush()
            before.setdefault("committee_memberships", []).append(old)
            after.setdefault("committee_memberships", []).append(snapshot(held))
            what.append(f"{seat.committee.name}: {seat.role.label.lower()}")
        for seat in wanted:
            held = self._committee_membership(seat)
            rep.committee_memberships.append(held)
            db.session.flush()
            after.setdefault("committee_memberships_added", []).append(snapshot(held))
            what.append(f"new seat on {seat.committee.name} ({seat.role.label.lower()})")
        for held in existing:
            if self._end_seat(held, "committee_memberships", before, after):
                what.append(f"seat on {held.committee.name} ended {held.end_date}")
        return what

    def _end_seat(
        self,
        seat: Membership | CommitteeMembership,
        key: str,
        before: dict[str, Any],
        after: dict[str, Any],
    ) -> bool:
        """End a seat the file no longer lists, if it still runs; noted under `key`."""
        if not self._must_end(seat):
            return False
        old = snapshot(seat)
        seat.end_date = self._end_date(seat)
        db.session.flush()
        before.setdefault(key, []).append(old)
        after.setdefault(key, []).append(snapshot(seat))
        return True

    def _must_end(self, membership: Membership | CommitteeMembership) -> bool:
        """Whether a seat the file no longer lists is still running past its end date."""
        end = self._end_date(membership)
        return membership.end_date is None or membership.end_date > end

    def _end_date(self, membership: Membership | CommitteeMembership) -> date:
        """When a seat the file no longer lists ends: the end of the file's latest
        legislative period if that is over, else the day of the import."""
        periods = [p for p in self.roster.periods.values() if p.start_date]
        end = self.on
        if periods:
            latest = max(periods, key=lambda p: p.start_date or date.min)
            if latest.end_date is not None and latest.end_date < self.on:
                end = latest.end_date
        if membership.start_date is not None and end < membership.start_date:
            end = membership.start_date
        return end

    def _end_missing(self, reps: Iterable[Representative], seen: set[int]) -> None:
        """End the current seats in the chamber of the people the file leaves out."""
        for rep in reps:
            if rep.id in seen or rep.archived_at is not None:
                continue
            before: dict[str, Any] = {}
            after: dict[str, Any] = {}
            for m in rep.memberships:
                if m.chamber_id == self.chamber.id:
                    self._end_seat(m, "memberships", before, after)
            if not after:
                continue
            # Leaving the chamber ends the seats on its committees too, when the file says
            # who sits on committees at all.
            if self.committees:
                for c in rep.committee_memberships:
                    if c.committee.chamber_id == self.chamber.id:
                        self._end_seat(c, "committee_memberships", before, after)
            rep.updated_at = utcnow()
            db.session.flush()
            record(
                self.actor,
                "membership.ended",
                rep,
                before=before,
                after={**after, "version": rep.version},
                summary=f"Not in the imported roster of {self.chamber.name}: seat ended "
                f"{after['memberships'][0]['end_date']}",
            )
            self.report.ended.append(rep.name)
