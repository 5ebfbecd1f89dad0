"""The chamber's committees a Popolo file seats its members on, and those seats."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from crm.audit.services import record, snapshot
from crm.extensions import db
from crm.interchange.popolo.roster_in import OrganizationIn, PersonIn
from crm.interchange.popolo.run import RosterRun
from crm.parliament.models import Committee, CommitteeMembership, CommitteeRole
from crm.said import Said


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

    def membership(self) -> CommitteeMembership:
        return CommitteeMembership(
            committee=self.committee,
            role=self.role,
            start_date=self.start_date,
            end_date=self.end_date,
        )


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


@dataclass
class Committees:
    """The file's committees of the chamber, by the file's id, and each person's seats on
    them. Empty when the file seats nobody on them: then every committee seat is left alone."""

    by_org_id: dict[str, Committee] = field(default_factory=dict)
    seats: dict[str, list[CommitteeSeat]] = field(default_factory=lambda: defaultdict(list))

    def seats_of(self, person: PersonIn) -> list[CommitteeSeat]:
        """The person's seats, once each (files repeat memberships)."""
        return list(dict.fromkeys(self.seats.get(person.id or "", [])))


def import_committees(
    run: RosterRun, chamber_org: OrganizationIn | None, members: set[str]
) -> Committees:
    """The chamber's committees on which the file seats some of its `members` (a
    committee's parent is the chamber, or it names none): found by name or made, with
    each member's seats on them. The file speaks for these committees only; seats on
    others, and a file without committee memberships, are left alone."""
    committee_orgs = {
        o.id: o
        for o in run.roster.organizations
        if o.id
        and o.name
        and o.classification == "committee"
        and (o.parent_id is None or chamber_org is None or o.parent_id == chamber_org.id)
    }
    ours = [
        m
        for m in run.roster.memberships
        if m.organization_id in committee_orgs and m.person_id in members
    ]
    committees = Committees()
    if not ours:
        return committees
    existing = list(run.chamber.committees)
    for org_id in dict.fromkeys(m.organization_id for m in ours if m.organization_id):
        org = committee_orgs[org_id]
        committee = Said.gettext('the committee "%(id)s"', id=org_id[:60])
        name = run.cut(org.name, 200, committee) or ""
        # The same name exactly; else the same name in another case, if only one.
        exact = [c for c in existing if c.name == name]
        loose = [c for c in existing if c.name.casefold() == name.casefold()]
        committee = (exact or (loose if len(loose) == 1 else []) or [None])[0]
        if committee is None:
            committee = _add(run, name, org.abbreviation)
            existing.append(committee)
        committees.by_org_id[org_id] = committee
    for m in ours:
        committee = committees.by_org_id[m.organization_id or ""]
        committees.seats[m.person_id].append(
            CommitteeSeat(committee, committee_role(m.role), m.start_date, m.end_date)
        )
    return committees


def _add(run: RosterRun, name: str, abbreviation: str | None) -> Committee:
    abbreviation = abbreviation if abbreviation else None
    if abbreviation is not None and len(abbreviation) > 20:
        run.report.warnings.append(
            Said.gettext(
                'the committee "%(name)s": abbreviation longer than 20 characters left out',
                name=name[:60],
            )
        )
        abbreviation = None
    committee = Committee(chamber=run.chamber, name=name, abbreviation=abbreviation)
    db.session.add(committee)
    db.session.flush()
    record(run.actor, "committee.created", committee, after=snapshot(committee))
    run.report.other_changes.append(
        Said.gettext("new committee: %(committee)s", committee=committee.name)
    )
    return committee
