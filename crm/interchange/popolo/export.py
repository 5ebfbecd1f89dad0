"""Exporting a chamber as Popolo JSON, in the shape EveryPolitician files have.

The document is a function of the data alone — no timestamps, a fixed order, ids that do
not depend on the database's row numbers wherever a Popolo id is known — so that the
importer reads it back with no change, and a database filled from it exports the same
document again.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from crm.extensions import db
from crm.interchange.popolo.chamber import POPOLO_CHAMBER_CLASSIFICATIONS
from crm.interchange.popolo.ids import POPOLO_SCHEME, own_id
from crm.interchange.popolo.roster_in import POPOLO_CONTACT_TYPES
from crm.parliament.models import (
    Chamber,
    Committee,
    CommitteeMembership,
    Membership,
    Party,
    Representative,
)
from crm.states.models import State


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "x"


def _ids(prefix: str, names: Iterable[str]) -> dict[str, str]:
    """Readable, unique ids for names, the same for the same set of names."""
    ids: dict[str, str] = {}
    used: set[str] = set()
    for name in sorted(set(names)):
        base = f"{prefix}/{_slug(name)}"
        candidate, n = base, 1
        while candidate in used:
            n += 1
            candidate = f"{base}-{n}"
        used.add(candidate)
        ids[name] = candidate
    return ids


def _dated(row: dict[str, Any], seat: Membership | CommitteeMembership) -> dict[str, Any]:
    """A membership row with the seat's dates, where known."""
    if seat.start_date:
        row["start_date"] = seat.start_date.isoformat()
    if seat.end_date:
        row["end_date"] = seat.end_date.isoformat()
    return row


def _sort(rows: list[dict[str, Any]], *keys: str) -> None:
    """A fixed order, so the same data always give the same document."""
    rows.sort(key=lambda row: tuple(row.get(key, "") for key in keys))


def person_id(rep: Representative) -> str:
    """The Popolo id a representative is exported under."""
    popolo = sorted(i.value for i in rep.identifiers if i.scheme == POPOLO_SCHEME)
    return popolo[0] if popolo else own_id(rep.state, "representative", rep.id)


def party_id(state: State, party: Party) -> str:
    return party.popolo_id or own_id(state, "party", party.id)


def chamber_id(chamber: Chamber) -> str:
    return chamber.popolo_id or own_id(chamber.state, "chamber", chamber.id)


def _person(rep: Representative, pid: str) -> dict[str, Any]:
    person: dict[str, Any] = {"id": pid, "name": rep.name, "sort_name": rep.sort_name}
    for key in ("given_name", "family_name", "gender"):
        if getattr(rep, key):
            person[key] = getattr(rep, key)
    other_names = []
    for other in sorted(rep.other_names, key=lambda o: (o.name, o.lang or "", o.note or "")):
        entry = {"name": other.name}
        if other.lang:
            entry["lang"] = other.lang
        if other.note:
            entry["note"] = other.note
        other_names.append(entry)
    if other_names:
        person["other_names"] = other_names
    identifiers = sorted(
        (i.scheme, i.value)
        for i in rep.identifiers
        if not (i.scheme == POPOLO_SCHEME and i.value == pid)
    )
    if identifiers:
        person["identifiers"] = [{"scheme": s, "identifier": v} for s, v in identifiers]
    contacts = []
    for detail in sorted(
        rep.contact_details, key=lambda c: (POPOLO_CONTACT_TYPES[c.kind], c.value, c.label or "")
    ):
        entry = {"type": POPOLO_CONTACT_TYPES[detail.kind], "value": detail.value}
        if detail.label:
            entry["label"] = detail.label
        contacts.append(entry)
    if contacts:
        person["contact_details"] = contacts
    return person


def export_chamber(chamber: Chamber) -> dict[str, Any]:
    """The chamber's members, past and present, with their parties and seats (not archived
    representatives: they are out of the roster on purpose)."""
    state = chamber.state
    memberships = list(
        db.session.scalars(
            sa.select(Membership)
            .join(Membership.representative)
            .where(Membership.chamber_id == chamber.id, Representative.archived_at.is_(None))
            .options(selectinload(Membership.party))
        )
    )
    rep_ids = sorted({m.representative_id for m in memberships})
    reps: dict[int, Representative] = {}
    for start in range(0, len(rep_ids), 500):
        for rep in db.session.scalars(
            sa.select(Representative)
            .where(Representative.id.in_(rep_ids[start : start + 500]))
            .options(
                selectinload(Representative.identifiers),
                selectinload(Representative.other_names),
                selectinload(Representative.contact_details),
                selectinload(Representative.state),
            )
        ):
            reps[rep.id] = rep
    pids = {rep.id: person_id(rep) for rep in reps.values()}
    org_id = chamber_id(chamber)
    areas = _ids("area", (m.constituency for m in memberships if m.constituency))
    periods = _ids("term", (m.legislative_period for m in memberships if m.legislative_period))
    parties = {m.party.id: m.party for m in memberships if m.party is not None}

    rows = []
    by_period: dict[str, list[Membership]] = defaultdict(list)
    for m in memberships:
        row: dict[str, Any] = {"person_id": pids[m.representative_id], "organization_id": org_id}
        if m.role:
            row["role"] = m.role
        if m.party is not None:
            row["on_behalf_of_id"] = party_id(state, m.party)
        if m.constituency:
            row["area_id"] = areas[m.constituency]
        if m.legislative_period:
            row["legislative_period_id"] = periods[m.legislative_period]
            by_period[m.legislative_period].append(m)
        rows.append(_dated(row, m))
    _sort(rows, "person_id", "start_date", "end_date", "legislative_period_id",
          "on_behalf_of_id", "area_id", "role")  # fmt: skip

    # Committee seats: each committee of the chamber that an exported member sits or sat on.
    committee_seats = (
        list(
            db.session.scalars(
                sa.select(CommitteeMembership)
                .join(CommitteeMembership.committee)
                .where(
                    Committee.chamber_id == chamber.id,
                    CommitteeMembership.representative_id.in_(rep_ids),
                )
                .options(selectinload(CommitteeMembership.committee))
            )
        )
        if rep_ids
        else []
    )
    committees = {seat.committee.id: seat.committee for seat in committee_seats}
    # Named, not numbered, so that a database filled from the file exports the same ids.
    by_name = _ids("committee", (c.name for c in committees.values()))
    committee_ids = {cid: by_name[c.name] for cid, c in committees.items()}
    committee_rows = [
        _dated(
            {
                "person_id": pids[seat.representative_id],
                "organization_id": committee_ids[seat.committee_id],
                "role": seat.role.value,
            },
            seat,
        )
        for seat in committee_seats
    ]
    _sort(committee_rows, "person_id", "organization_id", "start_date", "end_date", "role")
    rows += committee_rows

    events = []
    for name, period_id in sorted(periods.items(), key=lambda item: item[1]):
        event: dict[str, Any] = {
            "id": period_id,
            "name": name,
            "classification": "legislative period",
            "organization_id": org_id,
        }
        seats = by_period[name]
        # A period's dates are given only when every seat in it has them: the importer
        # falls back on them for a seat without dates, which must not gain any.
        if all(m.start_date for m in seats):
            event["start_date"] = min(m.start_date for m in seats if m.start_date).isoformat()
        if all(m.end_date for m in seats):
            event["end_date"] = max(m.end_date for m in seats if m.end_date).isoformat()
        events.append(event)

    persons = sorted(
        (_person(rep, pids[rep.id]) for rep in reps.values()),
        key=lambda p: (p["sort_name"].casefold(), p["name"], p["id"]),
    )
    organizations: list[dict[str, Any]] = [
        {
            "id": org_id,
            "name": chamber.name,
            "classification": POPOLO_CHAMBER_CLASSIFICATIONS[chamber.classification],
            "seats": chamber.seats,
        }
    ]
    for party in sorted(parties.values(), key=lambda p: (p.name, p.id)):
        org: dict[str, Any] = {
            "id": party_id(state, party),
            "name": party.name,
            "classification": "party",
        }
        if party.abbreviation:
            org["abbreviation"] = party.abbreviation
        organizations.append(org)
    for committee in sorted(committees.values(), key=lambda c: (c.name, c.id)):
        org = {
            "id": committee_ids[committee.id],
            "name": committee.name,
            "classification": "committee",
            "parent_id": org_id,
        }
        if committee.abbreviation:
            org["abbreviation"] = committee.abbreviation
        organizations.append(org)
    return {
        "meta": {"source": "ICC Campaign CRM", "state": state.iso2, "chamber": chamber.name},
        "persons": persons,
        "organizations": organizations,
        "memberships": rows,
        "events": events,
        "areas": [
            {"id": area_id, "name": name, "type": "constituency"}
            for name, area_id in sorted(areas.items(), key=lambda item: item[1])
        ],
    }
