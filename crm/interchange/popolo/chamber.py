"""Which organization of a Popolo file is the chamber being imported, and the chamber itself:
found by name in the state, or made."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import sqlalchemy as sa

from crm.audit.services import record, snapshot
from crm.auth.permissions import Action, require
from crm.extensions import db
from crm.interchange.popolo.ids import OWN_ID, storable
from crm.interchange.popolo.read import PopoloError
from crm.interchange.popolo.report import RosterReport
from crm.interchange.popolo.roster_in import OrganizationIn, RosterIn
from crm.parliament.models import Chamber, ChamberKind
from crm.said import Said

if TYPE_CHECKING:
    from crm.auth.models import User
    from crm.states.models import State

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


def party_ids(roster: RosterIn) -> set[str]:
    """The file's organizations that are parties: so classified, or sat for."""
    ids = {o.id for o in roster.organizations if o.id and o.classification == "party"}
    ids |= {m.on_behalf_of_id for m in roster.memberships if m.on_behalf_of_id}
    return ids


def existing_chamber(state: State, name: str) -> Chamber | None:
    """The state's chamber of this name: exactly, else in another case."""
    chambers = db.session.scalars(sa.select(Chamber).where(Chamber.state_id == state.id)).all()
    exact = [c for c in chambers if c.name == name]
    loose = [c for c in chambers if c.name.casefold() == name.casefold()]
    return (exact or loose or [None])[0]


def file_chamber(
    roster: RosterIn,
    state: State,
    chamber_name: str,
    organization_id: str | None,
    *,
    how_to_choose: str | Said = "choose one with --organization",
) -> OrganizationIn | None:
    """Which organization of the file is the chamber (None: the file does not say); when
    several could be, the error ends by saying `how_to_choose` one."""
    orgs = roster.organizations
    organizations = {o.id: o for o in orgs if o.id}
    if organization_id is not None:
        found = organizations.get(organization_id)
        if found is None:
            raise PopoloError(
                Said.gettext(
                    'the file has no organization with the id "%(id)s"', id=organization_id
                )
            )
        return found
    parties = party_ids(roster)
    named = [
        o
        for o in orgs
        if o.name and o.name.casefold() == chamber_name.casefold() and o.id not in parties
    ]
    if len(named) == 1:
        return named[0]
    existing = existing_chamber(state, chamber_name)
    if existing is not None and existing.popolo_id in organizations:
        return organizations[existing.popolo_id]
    houses = [o for o in orgs if o.classification in CHAMBER_CLASSIFICATIONS]
    if len(houses) == 1:
        return houses[0]
    committees = {o.id for o in orgs if o.classification == "committee"}
    used = Counter(
        m.organization_id
        for m in roster.memberships
        if m.organization_id
        and m.organization_id not in parties
        and m.organization_id not in committees
    )
    if len(used) > 1:
        # Legislative periods are the chamber's: a cabinet post or a party card has none.
        in_periods = used.keys() & {m.organization_id for m in roster.memberships if m.period_id}
        if len(in_periods) == 1:
            used = Counter(in_periods)
    if len(used) == 1:
        only = next(iter(used))
        return organizations.get(only) or OrganizationIn(only, None, None)
    if not used and not houses:
        return None
    candidates = sorted({o.id for o in houses if o.id} | set(used))
    raise PopoloError(
        Said.gettext(
            "the file has several organizations that could be the chamber (%(ids)s): %(how)s",
            ids=", ".join(candidates[:6]),
            how=how_to_choose,
        )
    )


def ensure_chamber(
    roster: RosterIn,
    state: State,
    chamber_name: str,
    org: OrganizationIn | None,
    actor: User | None,
    report: RosterReport,
) -> Chamber:
    """The chamber to import into: the state's of this name (given the file's Popolo id if
    it has none), or a new one sized by the file."""
    chamber = existing_chamber(state, chamber_name)
    if chamber is None:
        if actor is not None:
            require(actor, Action.CREATE, Chamber, state=state)
        if len(chamber_name) > 120:
            # Only the command line makes chambers: its words are English.
            raise PopoloError("a chamber name is at most 120 characters")
        classification = org.classification if org else None
        kind = CHAMBER_CLASSIFICATIONS.get(classification or "", ChamberKind.UNICAMERAL)
        current = {
            m.person_id
            for m in roster.memberships
            if (org is None or m.organization_id in (org.id, None)) and m.end_date is None
        }
        chamber = Chamber(
            state=state,
            name=chamber_name,
            classification=kind,
            seats=(org.seats if org else None) or max(len(current), 1),
            position=len(state.chambers),
            popolo_id=storable(org.id if org else None),
        )
        db.session.add(chamber)
        db.session.flush()
        record(actor, "chamber.created", chamber, after=snapshot(chamber))
        # Only the command line makes chambers: its words are English.
        report.other_changes.append(
            f"new chamber: {chamber.name} ({chamber.classification.english.lower()}, "
            f"{chamber.seats} seats)"
        )
    elif (
        org is not None
        and storable(org.id)
        and chamber.popolo_id is None
        and not OWN_ID.fullmatch(org.id or "")
    ):
        chamber.popolo_id = org.id
        db.session.flush()
        record(
            actor,
            "chamber.updated",
            chamber,
            before={"popolo_id": None},
            after={"popolo_id": org.id, "version": chamber.version},
        )
        report.other_changes.append(
            Said.gettext("%(chamber)s: Popolo id set to %(id)s", chamber=chamber.name, id=org.id)
        )
    return chamber
