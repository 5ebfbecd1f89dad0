"""What the packs share: what they hold at most, who made a pack, the asks that fit a stance,
seats and people read in bulk, the roster, and what a pack withholds from its reader."""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from crm.auth.models import User
from crm.auth.permissions import is_restricted
from crm.charts import Hemicycle, hemicycle
from crm.db import utcnow
from crm.extensions import db
from crm.parliament import queries as parliament_queries
from crm.parliament.models import CommitteeMembership, Membership, Party, Representative, StanceDate
from crm.risk.model import RiskConfig
from crm.states.models import State
from crm.states.queries import ChamberSummary, current_membership_filter

# What the packs hold at most. A state pack is asked for while someone waits (target: 1.5 s
# for Romania's 485 members), and WeasyPrint spends milliseconds on each table row and
# each profile: the roster appendix holds the members most worth meeting and says where
# the full roster is (a PDF of its own, linked from the state's page and from the pack),
# and the priority targets are the few to meet next, each with a profile.
ROSTER_CAP = 40
CONTACT_DAYS = 90
CONTACTS_CAP = 40
FOLLOW_UPS_CAP = 40
EVENTS_CAP = 12
TARGETS = 6
STANCE_HISTORY_CAP = 10
REP_CONTACTS_CAP = 6

# --- Who made a pack ------------------------------------------------------------------------


def _reference() -> str:
    token = secrets.token_hex(4).upper()
    return f"{token[:4]}-{token[4:]}"


@dataclass(frozen=True)
class Imprint:
    """Who a pack was made for and when, and the reference that ties a printed copy to
    its audit entry (leaks can be traced)."""

    actor: User | None
    at: datetime
    reference: str
    demo: bool

    @property
    def by(self) -> str:
        if self.actor is None:
            return str(_("the command line"))
        return f"{self.actor.name} ({self.actor.email})"

    @property
    def role(self) -> str:
        return self.actor.role.label if self.actor is not None else _("Operator")


def imprint(actor: User | None) -> Imprint:
    return Imprint(
        actor=actor,
        at=utcnow().replace(microsecond=0),
        reference=_reference(),
        demo=bool(current_app.config.get("DEMO_ALLOWED", False)),
    )


# --- Shared pieces --------------------------------------------------------------------------


def stance_counts_chart(summary: ChamberSummary) -> Hemicycle:
    stances = [stance.value for stance, count in summary.stances.items() for _ in range(count)]
    return hemicycle(stances, summary.chamber.seats)


def _side(goal: str) -> tuple[str, str]:
    """(the vote the campaign asks for, the vote it fights)."""
    return ("against", "for") if goal == "block" else ("for", "against")


def _relative(stance: str, goal: str) -> str:
    """A stance relative to the campaign: with_us, leaning_our_way, undecided,
    leaning_away, opposed or unknown."""
    toward = {
        "against_ratification": "with_us",
        "leaning_against": "leaning_our_way",
        "undecided": "undecided",
        "leaning_for": "leaning_away",
        "for_ratification": "opposed",
        "unknown": "unknown",
    }[stance]
    if goal != "block":
        toward = {
            "with_us": "opposed",
            "leaning_our_way": "leaning_away",
            "leaning_away": "leaning_our_way",
            "opposed": "with_us",
        }.get(toward, toward)
    return toward


def asks(stance: str, goal: str) -> list[str]:
    """What to ask a member at a meeting, given where they stand (in the reader's
    language). Each ask that names a side is written out for both: "for" and "against"
    ratification are said differently in other languages than by one word."""
    ours, _theirs = _side(goal)
    position = _relative(stance, goal)
    # The campaign's side: "for" when it wants the agreement ratified, else "against".
    with_us = ours == "for"
    if position == "opposed":
        return [
            _(
                "Ask what would change their mind, and offer the coalition's legal analysis "
                "of the state's obligations under the Rome Statute."
            ),
            _("Ask them not to speak against ratification in committee or in the plenary.")
            if with_us
            else _("Ask them not to speak for ratification in committee or in the plenary."),
            _(
                "If they will not move, ask them to abstain or to support a constitutional "
                "review before any vote."
            ),
        ]
    if position == "leaning_away":
        return [
            _("Ask them to keep an open mind until the committee has heard the legal analysis."),
            _("Offer a meeting with a legal expert of the coalition."),
            _("Ask them to abstain if the party line requires support."),
        ]
    vote = (
        _("Ask them to vote for ratification.")
        if with_us
        else _("Ask them to vote against ratification.")
    )
    if position == "undecided":
        return [
            _("Go through the key messages and leave the briefing paper."),
            _("Ask which concerns weigh most, and answer them in writing within a week."),
            vote,
        ]
    if position == "leaning_our_way":
        return [
            _("Ask them to vote for ratification and to say so in their party group.")
            if with_us
            else _("Ask them to vote against ratification and to say so in their party group."),
            _("Ask them to raise the state's obligations under the Rome Statute in committee."),
            _("Ask them to speak in the plenary debate."),
        ]
    if position == "with_us":
        return [
            _("Thank them; ask them to speak publicly for ratification.")
            if with_us
            else _("Thank them; ask them to speak publicly against ratification."),
            _("Ask them to persuade undecided colleagues (see the priority targets)."),
            _("Ask them to put questions to the government on its obligations."),
        ]
    return [  # unknown
        _("Find out where they stand: ask directly, and record the stance afterwards."),
        _("Go through the key messages and leave the briefing paper."),
        vote,
    ]


@dataclass
class Seat:
    """A member's current seat, for lists."""

    chamber: str
    chamber_id: int
    party: Party | None
    constituency: str | None


def current_seats(rep_ids: Sequence[int], on: date) -> dict[int, Seat]:
    """Each representative's current chamber seat (one query, parties in a second)."""
    seats = parliament_queries.current_seats(list(rep_ids), on)
    return {
        rep_id: Seat(m.chamber.name, m.chamber_id, m.party, m.constituency)
        for rep_id, m in seats.items()
    }


def committee_seats(rep_ids: Sequence[int], on: date) -> dict[int, list[CommitteeMembership]]:
    """Current committee seats of the representatives, key committees first (two queries)."""
    if not rep_ids:
        return {}
    rows = db.session.scalars(
        sa.select(CommitteeMembership)
        .where(
            CommitteeMembership.representative_id.in_(list(rep_ids)),
            sa.or_(CommitteeMembership.end_date.is_(None), CommitteeMembership.end_date >= on),
        )
        .options(selectinload(CommitteeMembership.committee))
    )
    out: dict[int, list[CommitteeMembership]] = defaultdict(list)
    for seat in rows:
        if seat.is_current(on):
            out[seat.representative_id].append(seat)
    for seats in out.values():
        seats.sort(key=lambda s: (not s.committee.is_key, s.committee.name))
    return out


def people_by_id(rep_ids: Sequence[int]) -> dict[int, Representative]:
    """Representatives with their other names (two queries)."""
    if not rep_ids:
        return {}
    return {
        r.id: r
        for r in db.session.scalars(
            sa.select(Representative)
            .where(Representative.id.in_(list(rep_ids)))
            .options(selectinload(Representative.other_names))
        )
    }


# --- The roster ---------------------------------------------------------------------------


@dataclass
class RosterRow:
    rep: Representative
    chamber_id: int
    party: Party | None
    constituency: str | None
    stale: bool


@dataclass
class Roster:
    """The current members of a state's chambers with their stances, possibly capped."""

    by_chamber: list[tuple[str, list[RosterRow]]]
    shown: int
    total: int

    @property
    def capped(self) -> bool:
        return self.shown < self.total


def roster(
    state: State,
    on: date,
    config: RiskConfig,
    cap: int | None = ROSTER_CAP,
    *,
    can_see_restricted: bool,
) -> Roster:
    """Every current member, by chamber; when capped, the most influential first.

    Three queries: the count, the seats with their people, and their other names.
    """
    base = (
        sa.select(Membership)
        .join(Representative, Representative.id == Membership.representative_id)
        .where(
            Representative.state_id == state.id,
            Representative.archived_at.is_(None),
            current_membership_filter(on),
        )
    )
    total = db.session.scalar(sa.select(sa.func.count()).select_from(base.subquery())) or 0
    stmt = base.options(
        selectinload(Membership.representative).selectinload(Representative.other_names),
        selectinload(Membership.party),
    )
    if cap is not None and total > cap:
        stmt = stmt.order_by(
            Representative.influence.desc(), Representative.sort_name, Representative.id
        ).limit(cap)
    else:
        stmt = stmt.order_by(Representative.sort_name, Representative.id)
    seats = list(db.session.scalars(stmt))
    chamber_names = {c.id: c.name for c in state.chambers}
    grouped: dict[int, list[RosterRow]] = defaultdict(list)
    for m in seats:
        rep = m.representative
        # Judged from the date the reader may see: no flag tells the day of a contact.
        seen = rep.stance_date(withheld=rep.stance_restricted and not can_see_restricted)
        grouped[m.chamber_id].append(
            RosterRow(
                rep=rep,
                chamber_id=m.chamber_id,
                party=m.party,
                constituency=m.constituency,
                stale=seen.is_stale(on, config.stale_days),
            )
        )
    by_chamber = []
    for chamber in sorted(state.chambers, key=lambda c: (c.position, c.id)):
        rows = sorted(grouped.get(chamber.id, []), key=lambda r: (r.rep.sort_name, r.rep.id))
        if rows:
            by_chamber.append((chamber_names[chamber.id], rows))
    return Roster(by_chamber=by_chamber, shown=len(seats), total=total)


class Withholding:
    """What a pack made for one reader withholds: a restricted contact they may not read is
    linked to no person (SPEC §2), as on the pages (`crm.auth.permissions.withheld`)."""

    can_see_restricted: bool

    def withheld(self, target: Any) -> bool:
        return is_restricted(target) and not self.can_see_restricted

    def stance_date(self, rep: Representative) -> StanceDate:
        """The current stance's date as the reader may see it (a month only, when it was
        observed in a restricted contact they may not read)."""
        return rep.stance_date(withheld=rep.stance_restricted and not self.can_see_restricted)


class Pack(Withholding):
    """What the pages and the audit log say of a pack: its kind, its title, and the record
    it is about (none for the overview)."""

    kind: ClassVar[str]
    # The title, marked for the catalogs (crm.i18n.marked), with the name of the record
    # the pack is about as `%(name)s`: "Roster: %(name)s" is "Roster: Romania".
    heading: ClassVar[str]
    # The field holding that record.
    about: ClassVar[str | None] = "state"

    @property
    def target(self) -> State | Representative | None:
        target: State | Representative | None = getattr(self, self.about) if self.about else None
        return target

    @property
    def title(self) -> str:
        """The title in the reader's language."""
        target = self.target
        return str(_(self.heading) if target is None else _(self.heading, name=target.name))
