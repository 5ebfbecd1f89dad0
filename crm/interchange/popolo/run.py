"""What every step of one roster import shares: the file, the chamber it goes into, who
runs it and on what day, and the report each step adds to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from crm.interchange.popolo.read import shortened
from crm.interchange.popolo.report import RosterReport
from crm.interchange.popolo.roster_in import RosterIn
from crm.parliament.models import Chamber, CommitteeMembership, Membership
from crm.said import Said

if TYPE_CHECKING:
    from crm.auth.models import User
    from crm.states.models import State


@dataclass
class RosterRun:
    roster: RosterIn
    state: State
    chamber: Chamber
    actor: User | None
    on: date
    report: RosterReport

    def cut(self, value: str | None, limit: int, what: str | Said) -> str | None:
        """`value` at most `limit` characters long, with a warning when it was longer."""
        if value is not None and len(value) > limit:
            self.report.warnings.append(shortened(what, limit))
            return value[:limit].rstrip()
        return value

    def end_date(self, membership: Membership | CommitteeMembership) -> date:
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
