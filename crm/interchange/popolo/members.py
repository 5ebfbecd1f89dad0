"""The persons of a Popolo file who sit or sat in the chamber, with their seats."""

from __future__ import annotations

from collections import defaultdict

from crm.interchange.popolo.chamber import party_ids
from crm.interchange.popolo.parties import Parties
from crm.interchange.popolo.read import PopoloError
from crm.interchange.popolo.roster_in import MembershipIn, PersonIn
from crm.interchange.popolo.run import RosterRun
from crm.interchange.popolo.seats import Seat
from crm.said import Said

# Area names that mean "no constituency".
NO_AREA_NAMES = frozenset({"n/a", "none", "-", "unknown"})


def select_persons(
    run: RosterRun, chamber_org_id: str | None, parties: Parties
) -> tuple[dict[int, list[Seat]], list[PersonIn]]:
    """The persons who sit or sat in the chamber, with their seats from the file.

    A person the file gives no membership at all is taken as a member of the chamber
    (the file is its roster) with a seat of unknown dates.
    """
    roster = run.roster
    of_parties = party_ids(roster)
    committee_ids = {o.id for o in roster.organizations if o.classification == "committee"}

    def in_chamber(m: MembershipIn) -> bool:
        if chamber_org_id is None:
            return m.organization_id is None or (
                m.organization_id not in of_parties and m.organization_id not in committee_ids
            )
        return m.organization_id in (chamber_org_id, None)

    persons_by_id = {p.id: p for p in roster.persons if p.id}
    chamber_memberships: dict[str, list[MembershipIn]] = defaultdict(list)
    anywhere: set[str] = set()
    for membership in roster.memberships:
        anywhere.add(membership.person_id)
        if membership.person_id not in persons_by_id:
            run.report.warnings.append(
                Said.gettext(
                    'memberships[%(index)d] names the person "%(id)s", who is not in the '
                    "persons list: skipped",
                    index=membership.index,
                    id=membership.person_id[:60],
                )
            )
        elif in_chamber(membership):
            chamber_memberships[membership.person_id].append(membership)
    selected: list[PersonIn] = []
    seats_of: dict[int, list[Seat]] = {}
    for person in roster.persons:
        if person.id is not None and person.id in chamber_memberships:
            seats = [_seat(run, m, parties) for m in chamber_memberships[person.id]]
        elif person.id is None or person.id not in anywhere:
            seats = [Seat(None, None, None, None, None, None)]
        else:
            run.report.other_chambers += 1
            continue
        # One seat for each distinct description (files repeat memberships).
        seats_of[person.index] = list(dict.fromkeys(seats))
        selected.append(person)
    return seats_of, selected


def _seat(run: RosterRun, m: MembershipIn, parties: Parties) -> Seat:
    """A membership of the file as a seat: dates from its legislative period when it has
    none, the constituency from its area or post."""
    roster = run.roster
    period = roster.periods.get(m.period_id) if m.period_id else None
    start = m.start_date or (period.start_date if period else None)
    end = m.end_date or (period.end_date if period else None)
    if start and end and end < start:
        raise PopoloError(
            Said.gettext(
                "memberships[%(index)d] ends (%(end)s) before it starts (%(start)s), counting "
                "its legislative period's dates",
                index=m.index,
                end=end,
                start=start,
            )
        )
    constituency = None
    if m.area_id:
        constituency = roster.areas.get(m.area_id)
    if constituency is None and m.post_id and m.post_id in roster.posts:
        label, area_id = roster.posts[m.post_id]
        constituency = roster.areas.get(area_id or "") or label
    if constituency and constituency.casefold() in NO_AREA_NAMES:
        constituency = None
    name = period.name if period else m.period_id
    return Seat(
        party=parties.get(m.on_behalf_of_id),
        constituency=run.cut(
            constituency, 200, Said.gettext("memberships[%(index)d] constituency", index=m.index)
        ),
        role=run.cut(m.role, 80, f"memberships[{m.index}].role"),
        period=run.cut(
            name, 80, Said.gettext("memberships[%(index)d] legislative period", index=m.index)
        ),
        start_date=start,
        end_date=end,
    )
