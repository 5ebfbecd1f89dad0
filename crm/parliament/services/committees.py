"""Committee seats and roles (member, chair, vice chair, rapporteur).

A committee seat is a child row of the representative's record, changed and audited
through `records.touch_parent` like their seats in a chamber, and never deleted.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from flask_babel import gettext as _

from crm.errors import ValidationFailed
from crm.parliament.models import Committee, CommitteeMembership, CommitteeRole, Representative
from crm.parliament.services.rules import begin_change, check_date, period
from crm.parliament.services.seats import add_seat, end_seat, still_held

if TYPE_CHECKING:
    from crm.auth.models import User


def add_committee_membership(
    actor: User,
    representative: Representative,
    *,
    committee: Committee,
    role: CommitteeRole,
    start_date: date,
    expected_version: int | None = None,
) -> CommitteeMembership:
    """Add a committee seat (member, chair, vice chair, rapporteur)."""
    begin_change(actor, representative, expected_version)
    if committee.chamber.state_id != representative.state_id:
        raise ValidationFailed(
            _("Choose a committee of a chamber of this representative's state."), field="committee"
        )
    role = CommitteeRole(role)
    check_date(start_date, "start_date")
    same_committee = (
        c for c in representative.committee_memberships if c.committee_id == committee.id
    )
    held = still_held(same_committee, start_date)
    if held is not None:
        raise ValidationFailed(
            _(
                "They already sit on %(committee)s on that date (%(period)s): end that seat first.",
                committee=committee.name,
                period=period(held.start_date, held.end_date),
            ),
            field="start_date",
        )
    return add_seat(
        actor,
        representative.committee_memberships,
        CommitteeMembership(committee=committee, role=role, start_date=start_date),
        key="committee_membership",
        # The audit log keeps English, whoever reads it.
        summary=f"{role.english} of {committee.name} from {start_date:%d %b %Y}",
    )


def end_committee_membership(
    actor: User, seat: CommitteeMembership, *, end_date: date, expected_version: int | None = None
) -> None:
    """End a committee seat; the representative keeps it in their history."""
    end_seat(
        actor,
        seat,
        end_date=end_date,
        expected_version=expected_version,
        key="committee_membership",
        seat_name=f"{seat.role.english} of {seat.committee.name}",
    )
