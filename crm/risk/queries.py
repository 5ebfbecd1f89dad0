"""Reading what the risk model needs from the database, in a fixed number of queries.

The model (crm/risk/model.py) takes plain inputs; this module turns states, chambers,
memberships, stances, contacts and stages into those inputs, for all states at once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from crm.charts import Sparkline, sparkline
from crm.db import month_end
from crm.extensions import db
from crm.interactions.models import Confidentiality, Interaction, interaction_representatives
from crm.parliament.models import Chamber, Membership, Party, Representative, StanceRecord
from crm.risk.model import ChamberInput, Member, RiskConfig, StateInput
from crm.risk.models import RiskSnapshot
from crm.states.models import Agreement, Campaign, Stage, StageKind, StageResult, StageStatus, State
from crm.states.queries import current_membership_filter, newest_contacts

VOTE_KINDS = (StageKind.COMMITTEE_VOTE, StageKind.PLENARY_VOTE)
# How far back a state's risk trend goes, on the pages and in the packs.
TREND_DAYS = 90


@dataclass
class StateContext:
    """A state, its agreement, what the model needs, and what the pages show beside it."""

    state: State
    agreement: Agreement
    model_input: StateInput
    chambers: dict[int, Chamber]
    next_vote: Stage | None = None
    last_contact: datetime | None = None
    members: dict[int, tuple[int, int | None]] = field(default_factory=dict)  # id → chamber, party
    # Members met recently only in restricted contacts: for a reader who may not see those,
    # they were not met (see crm.risk.services.swing).
    met_only_in_restricted: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Trends:
    """Each state's risk and coverage over the last TREND_DAYS days, by state id (a state
    with no snapshot in that time, or none with coverage, is missing from that one)."""

    risk: dict[int, Sparkline]
    coverage: dict[int, Sparkline]


def snapshot_trends(
    campaign: Campaign, state_ids: list[int], on: date, coverage_target: float | None = None
) -> Trends:
    """The states' risk and coverage over the last TREND_DAYS days up to `on`, from their
    snapshots, every state's at once (one query); the last snapshot of a day stands for the
    day. `coverage_target` draws the target across the coverage lines."""
    start = on - timedelta(days=TREND_DAYS)
    rows = db.session.execute(
        sa.select(
            RiskSnapshot.state_id, RiskSnapshot.taken_on, RiskSnapshot.risk, RiskSnapshot.coverage
        )
        .where(
            RiskSnapshot.campaign_id == campaign.id,
            RiskSnapshot.state_id.in_(state_ids),
            RiskSnapshot.taken_on >= start,
        )
        .order_by(RiskSnapshot.taken_on, RiskSnapshot.id)
    )
    risks: dict[int, dict[date, float]] = defaultdict(dict)
    coverages: dict[int, dict[date, float | None]] = defaultdict(dict)
    for state_id, taken_on, risk, coverage in rows:
        risks[state_id][taken_on] = risk
        # None: no seat left to cover that day; it breaks no line, it has no point on it.
        coverages[state_id][taken_on] = coverage
    return Trends(
        risk={
            state_id: sparkline(sorted(points.items()), start, on)
            for state_id, points in risks.items()
        },
        coverage={
            state_id: sparkline(
                sorted((day, v) for day, v in points.items() if v is not None),
                start,
                on,
                guide=coverage_target,
            )
            for state_id, points in coverages.items()
            if any(v is not None for v in points.values())
        },
    )


def risk_trends(campaign: Campaign, state_ids: list[int], on: date) -> dict[int, Sparkline]:
    """Each state's risk over the last TREND_DAYS days up to `on`, from its snapshots (one
    query); the last snapshot of a day stands for the day."""
    return snapshot_trends(campaign, state_ids, on).risk


def risk_config() -> RiskConfig:
    from flask import current_app

    return RiskConfig.from_mapping(current_app.config.get("RISK_MODEL", {}))


def _stances_as_of(rep_ids: list[int], on: date) -> dict[int, tuple[str, date]]:
    """Each representative's newest stance observed on or before `on` (for history). One
    observed in a restricted contact counts from its month's end, as in the live forecast:
    everyone reads the history, and a step on its day would date the contact (SPEC §2)."""
    restricted = sa.exists().where(
        Interaction.id == StanceRecord.interaction_id,
        Interaction.confidentiality == Confidentiality.RESTRICTED,
    )
    # The last day whose month has ended by `on`: a restricted stance counts only if
    # observed on or before it.
    month_done = on if on == month_end(on) else on.replace(day=1) - timedelta(days=1)
    ranked = (
        sa.select(
            StanceRecord.representative_id,
            StanceRecord.stance,
            StanceRecord.observed_on,
            restricted.label("restricted"),
            sa.func.row_number()
            .over(
                partition_by=StanceRecord.representative_id,
                order_by=(StanceRecord.observed_on.desc(), StanceRecord.id.desc()),
            )
            .label("rank"),
        )
        .where(
            StanceRecord.representative_id.in_(rep_ids),
            StanceRecord.archived_at.is_(None),
            StanceRecord.observed_on <= on,
            sa.or_(~restricted, StanceRecord.observed_on <= month_done),
        )
        .subquery()
    )
    rows = db.session.execute(
        sa.select(
            ranked.c.representative_id, ranked.c.stance, ranked.c.observed_on, ranked.c.restricted
        ).where(ranked.c.rank == 1)
    )
    return {
        rep_id: (stance.value, month_end(observed) if hidden else observed)
        for rep_id, stance, observed, hidden in rows
    }


def state_contexts(
    campaign: Campaign,
    on: date,
    config: RiskConfig,
    *,
    state_ids: list[int] | None = None,
    open_only: bool = True,
) -> list[StateContext]:
    """The model inputs of every state (or the given ones) of the campaign, as of `on`.

    `on` is today for the dashboard; an earlier day rebuilds the inputs from the stance
    records observed by then (for history and for forecasts made before a vote).
    """
    stmt = (
        sa.select(Agreement, State)
        .join(State, State.id == Agreement.state_id)
        .where(Agreement.campaign_id == campaign.id)
        .order_by(State.name)
    )
    if state_ids is not None:
        stmt = stmt.where(Agreement.state_id.in_(state_ids))
    pairs = [(a, s) for a, s in db.session.execute(stmt) if a.status.is_open or not open_only]
    if not pairs:
        return []
    ids = [s.id for _a, s in pairs]

    chambers = db.session.scalars(
        sa.select(Chamber).where(Chamber.state_id.in_(ids)).order_by(Chamber.position, Chamber.id)
    ).all()
    # Read through the connection, the stance as its stored text: a state's every seat is
    # read here (100,000 rows at campaign scale), and the ORM's row handling doubled that.
    seats = (
        db.session.connection()
        .execute(
            sa.select(
                Membership.chamber_id,
                Membership.party_id,
                Representative.id,
                sa.type_coerce(Representative.stance, sa.String),
                Representative.stance_on,
                Representative.stance_restricted,
                Representative.influence,
                Representative.do_not_contact,
                Party.in_government,
            )
            .join(Representative, Representative.id == Membership.representative_id)
            .outerjoin(Party, Party.id == Membership.party_id)
            .where(
                Representative.state_id.in_(ids),
                Representative.archived_at.is_(None),
                current_membership_filter(on),
            )
            .order_by(Membership.chamber_id, Representative.id)
        )
        .all()
    )
    rep_ids = [row[2] for row in seats]
    as_of = _stances_as_of(rep_ids, on) if on < date.today() and rep_ids else None

    since = datetime.combine(on - timedelta(days=config.recent_contact_days), time(), UTC)
    link = interaction_representatives
    met_recently: set[int] = set()
    met_openly: set[int] = set()
    for rep_id, confidentiality in db.session.execute(
        sa.select(link.c.representative_id, Interaction.confidentiality)
        .join(Interaction, Interaction.id == link.c.interaction_id)
        .where(
            Interaction.state_id.in_(ids),
            Interaction.archived_at.is_(None),
            Interaction.occurred_at >= since,
            Interaction.occurred_at < datetime.combine(on + timedelta(days=1), time(), UTC),
        )
        .distinct()
    ):
        met_recently.add(rep_id)
        if Confidentiality(confidentiality) is not Confidentiality.RESTRICTED:
            met_openly.add(rep_id)
    # Taken once: inside the loop below, it made the dashboard at campaign scale (a million
    # contacts) take 14.5 s instead of about 1.2 s.
    met_only_in_restricted = met_recently - met_openly
    last_contacts = newest_contacts(ids)

    stages = db.session.scalars(
        sa.select(Stage)
        .join(Agreement, Agreement.id == Stage.agreement_id)
        .where(Agreement.campaign_id == campaign.id, Agreement.state_id.in_(ids))
        .order_by(Stage.scheduled_on, Stage.position)
    ).all()

    members_by_chamber: dict[int, list[Member]] = defaultdict(list)
    seat_of: dict[int, tuple[int, int | None]] = {}
    stale_before = on - timedelta(days=config.stale_days)
    recent_since = on - timedelta(days=config.coverage_days)
    for (
        chamber_id,
        party_id,
        rep_id,
        stance,
        stance_on,
        restricted,
        influence,
        dnc,
        in_gov,
    ) in seats:
        if as_of is not None:
            stance_value, stance_on = as_of.get(rep_id, ("unknown", None))
        else:
            stance_value = stance
            if restricted and stance_on is not None:
                # Observed in a restricted contact: everyone reads this forecast, so its
                # flags (stale, recently recorded) turn at the month's end, not on a day
                # that would date the contact (SPEC §2).
                stance_on = month_end(stance_on)
        seat_of[rep_id] = (chamber_id, party_id)
        members_by_chamber[chamber_id].append(
            Member(
                id=rep_id,
                stance=stance_value,
                stale=stance_value != "unknown"
                and stance_on is not None
                and stance_on < stale_before,
                party_key=str(party_id) if party_id is not None else None,
                in_government=bool(in_gov),
                influence=influence,
                do_not_contact=dnc,
                recently_met=rep_id in met_recently,
                stance_recorded_recently=stance_on is not None and stance_on >= recent_since,
                stance_on=stance_on,
            )
        )

    # Grouped once: filtering every list for every state is quadratic (200 states and
    # 100,000 members made that seconds).
    stages_of: dict[int, list[Stage]] = defaultdict(list)
    for stage in stages:
        stages_of[stage.agreement_id].append(stage)
    chambers_of: dict[int, list[Chamber]] = defaultdict(list)
    for chamber in chambers:
        chambers_of[chamber.state_id].append(chamber)
    state_of_chamber = {chamber.id: chamber.state_id for chamber in chambers}
    seats_of: dict[int, dict[int, tuple[int, int | None]]] = defaultdict(dict)
    for rep_id, seat in seat_of.items():
        seat_state = state_of_chamber.get(seat[0])
        if seat_state is not None:  # a seat in another state's chamber belongs to neither
            seats_of[seat_state][rep_id] = seat

    contexts = []
    for agreement, state in pairs:
        state_stages = stages_of[agreement.id]
        chamber_status = _chamber_statuses(state_stages, on)
        state_chambers = chambers_of[state.id]
        upcoming = [
            (s.scheduled_on, s)
            for s in state_stages
            # Ahead has a date; saying it again tells the type checker.
            if s.kind in VOTE_KINDS and s.is_ahead(on) and s.scheduled_on is not None
        ]
        next_on, next_vote = min(upcoming, key=lambda pair: pair[0], default=(None, None))
        model_input = StateInput(
            goal=campaign.goal.value,
            route=agreement.route.value,
            executive_probability=agreement.executive_probability,
            chambers=tuple(
                ChamberInput(
                    id=c.id,
                    name=c.name,
                    seats=c.seats,
                    majority_rule=c.majority_rule.value,
                    attendance=c.attendance,
                    members=tuple(members_by_chamber.get(c.id, ())),
                    status=chamber_status.get(c.id, "pending"),
                )
                for c in state_chambers
            ),
            days_to_next_vote=(next_on - on).days if next_on is not None else None,
        )
        contexts.append(
            StateContext(
                state=state,
                agreement=agreement,
                model_input=model_input,
                chambers={c.id: c for c in state_chambers},
                next_vote=next_vote,
                last_contact=last_contacts.get(state.id),
                members=seats_of[state.id],
                met_only_in_restricted=frozenset(
                    seats_of[state.id].keys() & met_only_in_restricted
                ),
            )
        )
    return contexts


def _chamber_statuses(stages: list[Stage], on: date) -> dict[int, str]:
    """A chamber whose plenary vote was held counts as its result (SPEC §3.2)."""
    statuses: dict[int, str] = {}
    for stage in stages:
        if (
            stage.kind is StageKind.PLENARY_VOTE
            and stage.status is StageStatus.HELD
            and stage.chamber_id is not None
            and (stage.held_on is None or stage.held_on <= on)
        ):
            if stage.result is StageResult.PASS:
                statuses[stage.chamber_id] = "passed"
            elif stage.result is StageResult.FAIL:
                statuses[stage.chamber_id] = "failed"
    return statuses
