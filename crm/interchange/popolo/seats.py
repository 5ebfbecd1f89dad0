"""A person's seats in the chamber and on its committees, brought in line with the file:
kept, changed, added, or ended — never deleted, so the chamber's history stays."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from crm.audit.services import record, snapshot
from crm.db import utcnow
from crm.extensions import db
from crm.interchange import wording
from crm.interchange.popolo.committees import Committees, CommitteeSeat
from crm.interchange.popolo.report import shown
from crm.interchange.popolo.run import RosterRun
from crm.parliament.models import Chamber, CommitteeMembership, Membership, Party, Representative
from crm.said import Said


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

    def membership(self, chamber: Chamber) -> Membership:
        return Membership(
            chamber=chamber,
            party=self.party,
            constituency=self.constituency,
            role=self.role,
            legislative_period=self.period,
            start_date=self.start_date,
            end_date=self.end_date,
        )


def _is_open(seat: Membership | CommitteeMembership | Seat | CommitteeSeat, on: date) -> bool:
    return seat.end_date is None or seat.end_date >= on


W = TypeVar("W")
E = TypeVar("E")
Seated = TypeVar("Seated", Membership, CommitteeMembership)


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


def sync_seats(
    run: RosterRun,
    rep: Representative,
    seats: list[Seat],
    before: dict[str, Any],
    after: dict[str, Any],
) -> list[Said]:
    """Bring the person's seats in this chamber in line with the file.

    Seats are paired, most specific first: the same seat exactly; the same term and
    start; the same term; an open seat with an open seat. What the file adds is added,
    a seat still open that the file no longer lists is ended, and past seats it does
    not list are history and stay.
    """
    chamber = run.chamber
    existing = sorted(
        (m for m in rep.memberships if m.chamber_id == chamber.id),
        key=lambda m: (m.start_date or date.min, m.id or 0),
    )
    wanted = list(seats)
    pairs = _pair(
        wanted,
        existing,
        lambda s, m: s.matches(m),
        lambda s, m: (s.period, s.start_date) == (m.legislative_period, m.start_date),
        lambda s, m: s.period is not None and s.period == m.legislative_period,
        lambda s, m: _is_open(s, run.on) and _is_open(m, run.on),
    )

    what: list[Said] = []
    for seat, membership in pairs:
        if seat.matches(membership):
            continue
        changes = []
        with _noted(membership, "memberships", before, after):
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
                    changes.append(wording.changed(attr, shown(current), shown(value)))
                    setattr(membership, attr, value)
        what.append(
            Said.gettext("seat in %(chamber)s: %(changes)s", chamber=chamber.name, changes=changes)
        )
    for seat in wanted:
        _added(rep.memberships, seat.membership(chamber), "memberships", after)
        what.append(wording.new_seat(chamber.name, seat.period))
    for membership in existing:
        if _end_seat(run, membership, "memberships", before, after):
            what.append(
                Said.gettext(
                    "seat in %(chamber)s ended %(date)s",
                    chamber=chamber.name,
                    date=str(membership.end_date),
                )
            )
    return what


def sync_committee_seats(
    run: RosterRun,
    committees: Committees,
    rep: Representative,
    wanted: list[CommitteeSeat],
    before: dict[str, Any],
    after: dict[str, Any],
) -> list[Said]:
    """Bring the person's seats on the file's committees in line with it, as for the
    chamber: the same seat, or the same committee and start, or an open seat on the same
    committee, is kept (role and end updated); others are added; an open seat on one
    of these committees that the file no longer lists is ended. Seats on committees the
    file does not list are left alone."""
    ours = {c.id for c in committees.by_org_id.values()}
    existing = [c for c in rep.committee_memberships if c.committee_id in ours]
    wanted = list(wanted)
    pairs = _pair(
        wanted,
        existing,
        lambda s, c: s.matches(c),
        lambda s, c: s.committee.id == c.committee_id and s.start_date == c.start_date,
        lambda s, c: (
            s.committee.id == c.committee_id and _is_open(s, run.on) and _is_open(c, run.on)
        ),
    )
    what: list[Said] = []
    for seat, held in pairs:
        if seat.matches(held):
            continue
        with _noted(held, "committee_memberships", before, after):
            held.role, held.start_date, held.end_date = seat.role, seat.start_date, seat.end_date
        what.append(
            Said.gettext(
                "%(committee)s: %(role)s",
                committee=seat.committee.name,
                role=wording.role(seat.role),
            )
        )
    for seat in wanted:
        _added(rep.committee_memberships, seat.membership(), "committee_memberships", after)
        what.append(
            Said.gettext(
                "new seat on %(committee)s (%(role)s)",
                committee=seat.committee.name,
                role=wording.role(seat.role),
            )
        )
    for held in existing:
        if _end_seat(run, held, "committee_memberships", before, after):
            what.append(
                Said.gettext(
                    "seat on %(committee)s ended %(date)s",
                    committee=held.committee.name,
                    date=str(held.end_date),
                )
            )
    return what


def _end_seat(
    run: RosterRun,
    seat: Membership | CommitteeMembership,
    key: str,
    before: dict[str, Any],
    after: dict[str, Any],
) -> bool:
    """End a seat the file no longer lists, if it still runs past the day it ends on;
    noted under `key`."""
    end = run.end_date(seat)
    if seat.end_date is not None and seat.end_date <= end:
        return False
    with _noted(seat, key, before, after):
        seat.end_date = end
    return True


@contextmanager
def _noted(
    seat: Membership | CommitteeMembership, key: str, before: dict[str, Any], after: dict[str, Any]
) -> Iterator[None]:
    """Note the seat as it was before the block changed it and as it is after, under `key`
    of the person's audit entry."""
    old = snapshot(seat)
    yield
    db.session.flush()
    before.setdefault(key, []).append(old)
    after.setdefault(key, []).append(snapshot(seat))


def _added(seats: list[Seated], seat: Seated, key: str, after: dict[str, Any]) -> None:
    """Give the person a new seat, noted under `<key>_added` of their audit entry."""
    seats.append(seat)
    db.session.flush()
    after.setdefault(f"{key}_added", []).append(snapshot(seat))


def end_missing(
    run: RosterRun, committees: Committees, reps: Iterable[Representative], seen: set[int]
) -> None:
    """End the current seats in the chamber of the people the file leaves out."""
    for rep in reps:
        if rep.id in seen or rep.archived_at is not None:
            continue
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        for m in rep.memberships:
            if m.chamber_id == run.chamber.id:
                _end_seat(run, m, "memberships", before, after)
        if not after:
            continue
        # Leaving the chamber ends the seats on its committees too, when the file says
        # who sits on committees at all.
        if committees.by_org_id:
            for c in rep.committee_memberships:
                if c.committee.chamber_id == run.chamber.id:
                    _end_seat(run, c, "committee_memberships", before, after)
        rep.updated_at = utcnow()
        db.session.flush()
        record(
            run.actor,
            "membership.ended",
            rep,
            before=before,
            after={**after, "version": rep.version},
            summary=f"Not in the imported roster of {run.chamber.name}: seat ended "
            f"{after['memberships'][0]['end_date']}",
        )
        run.report.ended.append(rep.name)
