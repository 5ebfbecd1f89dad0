"""Seats in a chamber: adding one, ending one, and a change of party during a term.

A seat is a child row of the representative's record: each change moves the
representative's version on and is audited on them (`records.touch_parent`). Seats are
never deleted: an ended seat stays in the person's history.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, TypeVar

from flask_babel import gettext as _

from crm import records
from crm.audit.services import snapshot
from crm.errors import ValidationFailed
from crm.parliament.models import Chamber, CommitteeMembership, Membership, Party, Representative
from crm.parliament.services.rules import begin_change, check_date, day, period
from crm.risk.changes import inputs_changed

if TYPE_CHECKING:
    from crm.auth.models import User

S = TypeVar("S", Membership, CommitteeMembership)


@dataclass(frozen=True)
class NewSeat:
    chamber: Chamber
    party: Party | None
    start_date: date
    constituency: str | None = None
    legislative_period: str | None = None


def new_membership(seat: NewSeat) -> Membership:
    """The row of a new seat, its texts checked and stripped."""
    constituency = (seat.constituency or "").strip() or None
    term = (seat.legislative_period or "").strip() or None
    if constituency and len(constituency) > 200:
        raise ValidationFailed(_("A constituency is at most 200 characters."), field="constituency")
    if term and len(term) > 80:
        raise ValidationFailed(_("A term is at most 80 characters."), field="legislative_period")
    return Membership(
        chamber=seat.chamber,
        party=seat.party,
        constituency=constituency,
        legislative_period=term,
        start_date=seat.start_date,
    )


def check_seat(state_id: int, chamber: Chamber, party: Party | None, start_date: date) -> None:
    """A seat is in a chamber of the person's state, for a party of that state (or none)."""
    if chamber.state_id != state_id:
        raise ValidationFailed(
            _("Choose a chamber of this representative's state."), field="chamber"
        )
    if party is not None and party.state_id != state_id:
        raise ValidationFailed(
            _("Choose a party of this representative's state, or independent."), field="party"
        )
    check_date(start_date, "start_date")


def _check_end(start: date | None, current_end: date | None, end_date: date) -> None:
    """A seat (in a chamber or on a committee) ends once, and not before it began."""
    if current_end is not None:
        raise ValidationFailed(_("This seat already ended on %(date)s.", date=day(current_end)))
    if start is not None and end_date < start:
        raise ValidationFailed(
            _("The end date cannot be before the seat began (%(date)s).", date=day(start)),
            field="end_date",
        )
    check_date(end_date, "end_date")


def still_held(seats: Iterable[S], start: date) -> S | None:
    """The first of these seats (in one chamber, or on one committee) still held on `start`:
    seats in one place may not overlap."""
    return next((seat for seat in seats if seat.end_date is None or seat.end_date >= start), None)


def add_seat(actor: User, seats: list[S], seat: S, *, key: str, summary: str) -> S:
    """Add a new seat to the representative's `seats` in a chamber or on a committee
    (audited as `<key>.added`)."""
    seats.append(seat)
    records.touch_parent(
        actor,
        seat.representative,
        f"{key}.added",
        after=lambda: {key: snapshot(seat)},
        summary=summary,
    )
    return seat


def end_seat(
    actor: User,
    seat: Membership | CommitteeMembership,
    *,
    end_date: date,
    expected_version: int | None,
    key: str,
    seat_name: str,
) -> None:
    """End a seat in a chamber or on a committee (audited as `<key>.ended`); the
    representative keeps it in their history."""
    representative = seat.representative
    begin_change(actor, representative, expected_version)
    _check_end(seat.start_date, seat.end_date, end_date)
    before = snapshot(seat)
    seat.end_date = end_date
    records.touch_parent(
        actor,
        representative,
        f"{key}.ended",
        before={key: before},
        after=lambda: {key: snapshot(seat)},
        summary=f"{seat_name} ended {end_date:%d %b %Y}",
    )


def add_membership(
    actor: User,
    representative: Representative,
    seat: NewSeat,
    *,
    expected_version: int | None = None,
) -> Membership:
    """Add a seat (after an election, say). Seats in one chamber may not overlap."""
    begin_change(actor, representative, expected_version)
    check_seat(representative.state_id, seat.chamber, seat.party, seat.start_date)
    same_chamber = (m for m in representative.memberships if m.chamber_id == seat.chamber.id)
    held = still_held(same_chamber, seat.start_date)
    if held is not None:
        raise ValidationFailed(
            _(
                "They already hold a seat in %(chamber)s on that date (%(period)s). End that "
                "seat first, or use “Move party” for a change of party.",
                chamber=seat.chamber.name,
                period=period(held.start_date, held.end_date),
            ),
            field="start_date",
        )
    membership = add_seat(
        actor,
        representative.memberships,
        new_membership(seat),
        key="membership",
        summary=f"Seat in {seat.chamber.name} from {seat.start_date:%d %b %Y}",
    )
    inputs_changed(representative.state_id)
    return membership


def end_membership(
    actor: User, membership: Membership, *, end_date: date, expected_version: int | None = None
) -> None:
    """End a seat; the representative keeps it in their history."""
    end_seat(
        actor,
        membership,
        end_date=end_date,
        expected_version=expected_version,
        key="membership",
        seat_name=f"Seat in {membership.chamber.name}",
    )
    inputs_changed(membership.representative.state_id)


def move_party(
    actor: User,
    membership: Membership,
    *,
    party: Party | None,
    changed_on: date,
    expected_version: int | None = None,
) -> Membership:
    """A change of party: the seat ends the day before, and a new one opens on the day,
    in the same chamber and constituency, for the new party (None: independent)."""
    representative = membership.representative
    begin_change(actor, representative, expected_version)
    if membership.end_date is not None:
        raise ValidationFailed(
            _("This seat has ended: add a new seat instead."), field="membership"
        )
    if party is not None and party.state_id != representative.state_id:
        raise ValidationFailed(
            _("Choose a party of this representative's state, or independent."), field="party"
        )
    if (party.id if party else None) == membership.party_id:
        raise ValidationFailed(
            _("They already sit for that party.")
            if party
            else _("They already sit as independent."),
            field="party",
        )
    check_date(changed_on, "changed_on")
    if membership.start_date is not None and changed_on <= membership.start_date:
        raise ValidationFailed(
            _(
                "The change must come after the seat began (%(date)s).",
                date=day(membership.start_date),
            ),
            field="changed_on",
        )
    before = snapshot(membership)
    membership.end_date = changed_on - timedelta(days=1)
    moved = Membership(
        chamber=membership.chamber,
        party=party,
        constituency=membership.constituency,
        role=membership.role,
        legislative_period=membership.legislative_period,
        start_date=changed_on,
    )
    representative.memberships.append(moved)
    old_name = membership.party.name if membership.party else "independent"
    records.touch_parent(
        actor,
        representative,
        "membership.party_changed",
        before={"membership": before},
        after=lambda: {"membership": snapshot(membership), "new_membership": snapshot(moved)},
        summary=f"From {old_name} to {party.name if party else 'independent'} on "
        f"{changed_on:%d %b %Y}",
    )
    inputs_changed(representative.state_id)
    return moved
