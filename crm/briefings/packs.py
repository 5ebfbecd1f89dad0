"""What goes into each briefing pack, read in a fixed number of queries.

Each builder returns a plain object that the print templates (templates/pdf/) only lay
out: no template touches the database. Whether restricted content is shown is decided
here, once, by `may_see_restricted` for the reader the pack is made for.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from crm.auth.models import User
from crm.auth.permissions import is_restricted, may_see_restricted
from crm.charts import Hemicycle, Sparkline, hemicycle
from crm.db import today, utcnow
from crm.events import queries as event_queries
from crm.events.models import Event
from crm.extensions import db
from crm.interactions.models import FollowUp, FollowUpStatus, Interaction
from crm.parliament import queries as parliament_queries
from crm.parliament.models import (
    CommitteeMembership,
    Membership,
    Party,
    Representative,
    StanceDate,
    StanceRecord,
)
from crm.risk import services as risk_services
from crm.risk.model import RiskConfig, RiskLevel, SwingEntry
from crm.risk.queries import risk_config, risk_trends
from crm.states import queries as state_queries
from crm.states.models import Agreement, Campaign, Stage, StageStatus, State
from crm.states.queries import ChamberSummary, current_membership_filter

# What the packs hold at most. The state pack must lay out well inside gunicorn's 30-second
# worker timeout for the largest parliament (India: 790 members); WeasyPrint spends about
# 8 ms per table row, so the roster appendix is capped and says where the full one is.
ROSTER_CAP = 250
CONTACT_DAYS = 90
CONTACTS_CAP = 40
FOLLOW_UPS_CAP = 40
EVENTS_CAP = 12
TARGETS = 12
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
            return "the command line"
        return f"{self.actor.name} ({self.actor.email})"

    @property
    def role(self) -> str:
        return self.actor.role.label if self.actor is not None else "Operator"


def imprint(actor: User | None) -> Imprint:
    return Imprint(
        actor=actor,
        at=utcnow().replace(microsecond=0),
        reference=_reference(),
        demo=bool(current_app.config.get("DEMO_ALLOWED", False)),
    )


# --- Shared pieces --------------------------------------------------------------------------


def _stance_counts_chart(summary: ChamberSummary) -> Hemicycle:
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
    """What to ask a member at a meeting, given where they stand."""
    ours, theirs = _side(goal)
    position = _relative(stance, goal)
    return {
        "opposed": [
            "Ask what would change their mind, and offer the coalition's legal analysis "
            "of the state's obligations under the Rome Statute.",
            f"Ask them not to speak {theirs} ratification in committee or in the plenary.",
            "If they will not move, ask them to abstain or to support a constitutional "
            "review before any vote.",
        ],
        "leaning_away": [
            "Ask them to keep an open mind until the committee has heard the legal analysis.",
            "Offer a meeting with a legal expert of the coalition.",
            "Ask them to abstain if the party line requires support.",
        ],
        "undecided": [
            "Go through the key messages and leave the briefing paper.",
            "Ask which concerns weigh most, and answer them in writing within a week.",
            f"Ask them to vote {ours} ratification.",
        ],
        "leaning_our_way": [
            f"Ask them to vote {ours} ratification and to say so in their party group.",
            "Ask them to raise the state's obligations under the Rome Statute in committee.",
            "Ask them to speak in the plenary debate.",
        ],
        "with_us": [
            f"Thank them; ask them to speak publicly {ours} ratification.",
            "Ask them to persuade undecided colleagues (see the priority targets).",
            "Ask them to put questions to the government on its obligations.",
        ],
        "unknown": [
            "Find out where they stand: ask directly, and record the stance afterwards.",
            "Go through the key messages and leave the briefing paper.",
            f"Ask them to vote {ours} ratification.",
        ],
    }[position]


@dataclass
class Seat:
    """A member's current seat, for lists."""

    chamber: str
    chamber_id: int
    party: Party | None
    constituency: str | None


def _current_seats(rep_ids: Sequence[int], on: date) -> dict[int, Seat]:
    """Each representative's current chamber seat (one query, parties in a second)."""
    seats = parliament_queries.current_seats(list(rep_ids), on)
    return {
        rep_id: Seat(m.chamber.name, m.chamber_id, m.party, m.constituency)
        for rep_id, m in seats.items()
    }


def _committee_seats(rep_ids: Sequence[int], on: date) -> dict[int, list[CommitteeMembership]]:
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


def _people(rep_ids: Sequence[int]) -> dict[int, Representative]:
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


# --- The state pack -----------------------------------------------------------------------


@dataclass
class Target:
    """A priority target with a short profile."""

    rank: int
    rep: Representative
    seat: Seat | None
    committees: list[CommitteeMembership]
    last_contact: datetime | None
    swing: SwingEntry | None
    asks: list[str]


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


@dataclass
class StatePack(Withholding):
    imprint: Imprint
    state: State
    campaign: Campaign | None
    agreement: Agreement | None
    can_see_restricted: bool
    today: date
    risk: risk_services.StateRisk | None
    model: RiskConfig
    chambers: list[ChamberSummary]
    charts: dict[int, Hemicycle]
    expected_yes: dict[tuple[int, str | None], float]
    targets: list[Target]
    targets_are_swing: bool
    contacts: list[Interaction]
    contacts_total: int
    stages: list[Stage]
    events: list[Event]
    late_events: set[int]
    follow_ups: list[FollowUp]
    follow_ups_total: int
    overdue: int
    roster: Roster
    next_stage: Stage | None = None
    last_contact: datetime | None = None

    kind = "state"

    @property
    def title(self) -> str:
        return f"Briefing pack: {self.state.name}"

    @property
    def target(self) -> State:
        return self.state


def _recent_contacts(state: State, since: datetime) -> tuple[list[Interaction], int]:
    where = (
        Interaction.state_id == state.id,
        Interaction.archived_at.is_(None),
        Interaction.occurred_at >= since,
    )
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Interaction).where(*where))
    rows = db.session.scalars(
        sa.select(Interaction)
        .where(*where)
        .options(selectinload(Interaction.representatives), selectinload(Interaction.participants))
        .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
        .limit(CONTACTS_CAP)
    )
    return list(rows), int(total or 0)


def _open_follow_ups(state: State, on: date) -> tuple[list[FollowUp], int, int]:
    where = (
        FollowUp.state_id == state.id,
        FollowUp.status == FollowUpStatus.OPEN,
        FollowUp.archived_at.is_(None),
    )
    total, overdue = db.session.execute(
        sa.select(sa.func.count(), sa.func.count().filter(FollowUp.due_on < on)).where(*where)
    ).one()
    rows = db.session.scalars(
        sa.select(FollowUp)
        .where(*where)
        .options(
            selectinload(FollowUp.assignee),
            selectinload(FollowUp.representative),
            selectinload(FollowUp.interaction),
        )
        .order_by(FollowUp.due_on.is_(None), FollowUp.due_on, FollowUp.id)
        .limit(FOLLOW_UPS_CAP)
    )
    return list(rows), int(total or 0), int(overdue or 0)


def _targets(
    state: State,
    result: risk_services.StateRisk | None,
    config: RiskConfig,
    goal: str,
    on: date,
    reader: User | None,
) -> tuple[list[Target], bool]:
    """The swing list with profiles; where no vote can change the risk (an executive
    decision, no sitting parliament), the most influential members instead."""
    swing = risk_services.swing(result, config, limit=TARGETS, reader=reader) if result else []
    if swing:
        ids = [e.member_id for e in swing]
        entries: dict[int, SwingEntry | None] = {e.member_id: e for e in swing}
    else:
        ids = list(
            db.session.scalars(
                sa.select(Representative.id)
                .where(
                    Representative.state_id == state.id,
                    Representative.archived_at.is_(None),
                    Representative.do_not_contact.is_(False),
                    sa.exists().where(
                        Membership.representative_id == Representative.id,
                        current_membership_filter(on),
                    ),
                )
                .order_by(
                    Representative.influence.desc(), Representative.sort_name, Representative.id
                )
                .limit(TARGETS)
            )
        )
        entries = dict.fromkeys(ids)
    people = _people(ids)
    seats = _current_seats(ids, on)
    committees = _committee_seats(ids, on)
    contacts = parliament_queries.last_contacts(ids, reader=reader)
    targets = []
    for rank, rep_id in enumerate(ids, start=1):
        rep = people[rep_id]
        targets.append(
            Target(
                rank=rank,
                rep=rep,
                seat=seats.get(rep_id),
                committees=committees.get(rep_id, []),
                last_contact=contacts.get(rep_id),
                swing=entries[rep_id],
                asks=asks(rep.stance.value, goal)[:2],
            )
        )
    return targets, bool(swing)


def state_pack(
    state: State, actor: User | None, *, roster_cap: int | None = ROSTER_CAP
) -> StatePack:
    """Everything the state pack shows, for `actor` (None: the command line, which sees
    no restricted content)."""
    on = today()
    now = utcnow()
    config = risk_config()
    campaign = state_queries.active_campaign()
    agreement = state_queries.agreement_for(state, campaign)
    result = None
    if campaign is not None and agreement is not None:
        found = risk_services.forecasts(campaign, on, config, state_ids=[state.id], open_only=False)
        result = found[0] if found else None
    chambers = state_queries.chamber_summaries(state, on)
    expected: dict[tuple[int, str | None], float] = {}
    # Expected votes mean something only where parliament decides.
    if result is not None and result.forecast.route == "parliament":
        for chamber_id, rows in risk_services.party_breakdown(result, config).items():
            for row in rows:
                expected[(chamber_id, row.party_key)] = row.expected_yes
    goal = campaign.goal.value if campaign is not None else "block"
    targets, are_swing = _targets(state, result, config, goal, on, actor)
    contacts, contacts_total = _recent_contacts(state, now - timedelta(days=CONTACT_DAYS))
    events = event_queries.upcoming_events(state, now, limit=EVENTS_CAP)
    follow_ups, follow_ups_total, overdue = _open_follow_ups(state, on)
    stages = list(agreement.stages) if agreement is not None else []
    upcoming = [
        s
        for s in stages
        if s.status in (StageStatus.SCHEDULED, StageStatus.POSTPONED)
        and s.scheduled_on is not None
        and s.scheduled_on >= on
    ]
    can_see = may_see_restricted(actor, state.id)
    return StatePack(
        imprint=imprint(actor),
        state=state,
        campaign=campaign,
        agreement=agreement,
        can_see_restricted=can_see,
        today=on,
        risk=result,
        model=config,
        chambers=chambers,
        charts={s.chamber.id: _stance_counts_chart(s) for s in chambers},
        expected_yes=expected,
        targets=targets,
        targets_are_swing=are_swing,
        contacts=contacts,
        contacts_total=contacts_total,
        stages=stages,
        events=events,
        late_events=event_queries.late_event_ids(events),
        follow_ups=follow_ups,
        follow_ups_total=follow_ups_total,
        overdue=overdue,
        roster=roster(state, on, config, cap=roster_cap, can_see_restricted=can_see),
        next_stage=min(upcoming, key=lambda s: s.scheduled_on or on, default=None),
        last_contact=result.context.last_contact if result is not None else None,
    )


# --- The full roster, for the command line ------------------------------------------------


@dataclass
class RosterPack(Withholding):
    imprint: Imprint
    state: State
    campaign: Campaign | None
    roster: Roster
    today: date
    can_see_restricted: bool = False

    kind = "roster"

    @property
    def title(self) -> str:
        return f"Roster: {self.state.name}"

    @property
    def target(self) -> State:
        return self.state


def roster_pack(state: State, actor: User | None) -> RosterPack:
    """Every current member of the state's chambers with their stance (no cap)."""
    on = today()
    can_see = may_see_restricted(actor, state.id)
    return RosterPack(
        imprint=imprint(actor),
        state=state,
        campaign=state_queries.active_campaign(),
        roster=roster(state, on, risk_config(), cap=None, can_see_restricted=can_see),
        today=on,
        can_see_restricted=can_see,
    )


# --- The representative one-pager ---------------------------------------------------------


@dataclass
class RepresentativePack(Withholding):
    imprint: Imprint
    rep: Representative
    state: State
    campaign: Campaign | None
    can_see_restricted: bool
    today: date
    seats: list[Membership]
    committees: list[CommitteeMembership]
    stance_history: list[StanceRecord]
    stance_history_total: int
    contacts: list[Interaction]
    follow_ups: list[FollowUp]
    last_contact: datetime | None
    asks: list[str]
    stale: bool
    probability: float | None
    swing_rank: int | None
    swing: SwingEntry | None
    next_stage: Stage | None
    level: RiskLevel | None

    kind = "representative"

    @property
    def title(self) -> str:
        return f"Meeting brief: {self.rep.name}"

    @property
    def target(self) -> Representative:
        return self.rep


def representative_pack(rep: Representative, actor: User | None) -> RepresentativePack:
    """Everything the one-pager shows; `rep` comes from `parliament.queries.get_representative`
    (memberships, committee seats, names and contact details loaded)."""
    on = today()
    config = risk_config()
    state = rep.state
    campaign = state_queries.active_campaign()
    goal = campaign.goal.value if campaign is not None else "block"
    history = parliament_queries.stance_history(rep, reader=actor)
    probability = swing_rank = entry = next_stage = level = None
    if campaign is not None:
        found = risk_services.forecasts(campaign, on, config, state_ids=[state.id], open_only=False)
        if found:
            result = found[0]
            level = result.forecast.level
            next_stage = result.context.next_vote
            for chamber in result.forecast.chambers:
                if rep.id in chamber.member_probabilities:
                    probability = chamber.member_probabilities[rep.id]
            for n, candidate in enumerate(
                risk_services.swing(result, config, limit=25, reader=actor), 1
            ):
                if candidate.member_id == rep.id:
                    swing_rank, entry = n, candidate
    can_see_restricted = may_see_restricted(actor, state.id)
    seen = rep.stance_date(withheld=rep.stance_restricted and not can_see_restricted)
    return RepresentativePack(
        imprint=imprint(actor),
        rep=rep,
        state=state,
        campaign=campaign,
        can_see_restricted=can_see_restricted,
        today=on,
        seats=[m for m in rep.memberships if m.is_current(on)],
        committees=sorted(
            (c for c in rep.committee_memberships if c.is_current(on)),
            key=lambda c: (not c.committee.is_key, c.committee.name),
        ),
        stance_history=history[:STANCE_HISTORY_CAP],
        stance_history_total=len(history),
        contacts=parliament_queries.contacts(rep, reader=actor, limit=REP_CONTACTS_CAP),
        follow_ups=parliament_queries.open_follow_ups(rep, reader=actor),
        last_contact=parliament_queries.last_contacts([rep.id], reader=actor).get(rep.id),
        asks=asks(rep.stance.value, goal),
        stale=seen.is_stale(on, config.stale_days),
        probability=probability,
        swing_rank=swing_rank,
        swing=entry,
        next_stage=next_stage,
        level=level,
    )


# --- The coordinator overview ---------------------------------------------------------------


@dataclass
class OverviewRow:
    risk: risk_services.StateRisk
    trend: Sparkline | None
    charts: list[tuple[str, Hemicycle]]


@dataclass
class OverviewPack(Withholding):
    imprint: Imprint
    campaign: Campaign | None
    today: date
    rows: list[OverviewRow]
    levels: dict[RiskLevel, int]
    closed: list[tuple[Agreement, State]]
    model: RiskConfig
    can_see_restricted: bool = False

    kind = "overview"
    target = None

    @property
    def title(self) -> str:
        return "Coordinator overview"


def overview_pack(actor: User | None) -> OverviewPack:
    """Every open state's risk, trend, next vote and seat charts."""
    on = today()
    config = risk_config()
    campaign = state_queries.active_campaign()
    rows: list[OverviewRow] = []
    closed: list[tuple[Agreement, State]] = []
    if campaign is not None:
        results = risk_services.forecasts(campaign, on, config)
        trends = risk_trends(campaign, [r.state.id for r in results], on)
        for result in results:
            charts = [
                (
                    result.context.chambers[c.id].name,
                    hemicycle([m.stance for m in c.members], c.seats),
                )
                for c in result.context.model_input.chambers
            ]
            rows.append(OverviewRow(result, trends.get(result.state.id), charts))
        closed = [
            (a, s)
            for a, s in db.session.execute(
                sa.select(Agreement, State)
                .join(State, State.id == Agreement.state_id)
                .where(Agreement.campaign_id == campaign.id)
                .order_by(State.name)
            )
            if not a.status.is_open
        ]
    return OverviewPack(
        imprint=imprint(actor),
        campaign=campaign,
        today=on,
        rows=rows,
        levels={
            level: sum(1 for r in rows if r.risk.forecast.level is level) for level in RiskLevel
        },
        closed=closed,
        model=config,
    )
