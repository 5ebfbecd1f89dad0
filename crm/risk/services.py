"""Forecasts for pages and commands, and the risk history (snapshots)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from crm.auth.permissions import may_see_restricted, stance_withheld
from crm.db import today
from crm.extensions import db
from crm.parliament.models import Party, Representative, StanceDate
from crm.parliament.queries import last_contacts
from crm.risk.changes import forget_on_rollback, take_changed_states
from crm.risk.kept import keep
from crm.risk.model import (
    RiskConfig,
    RiskLevel,
    StateForecast,
    StateInput,
    SwingEntry,
    state_forecast,
    swing_list,
)
from crm.risk.models import RiskSnapshot, SnapshotReason
from crm.risk.queries import StateContext, risk_config, state_contexts
from crm.states.models import Campaign, State
from crm.states.queries import active_campaign

log = logging.getLogger(__name__)

# Changes smaller than this are rounding, not news.
_MOVED = 1e-9


@dataclass
class StateRisk:
    context: StateContext
    forecast: StateForecast

    @property
    def state(self) -> State:
        return self.context.state


def forecasts(
    campaign: Campaign,
    on: date | None = None,
    config: RiskConfig | None = None,
    *,
    state_ids: list[int] | None = None,
    open_only: bool = True,
) -> list[StateRisk]:
    """Every (open) state's forecast, most urgent first.

    Computed from what every reader may know (`seen_by_everyone`): the forecast is kept and
    read by all, and its coverage counts the swing list's first members, who must not
    depend on contacts some readers may not see.
    """
    config = config or risk_config()
    contexts = state_contexts(
        campaign, on or today(), config, state_ids=state_ids, open_only=open_only
    )
    results = [StateRisk(c, state_forecast(seen_by_everyone(c), config)) for c in contexts]
    results.sort(key=lambda r: urgency(r.forecast, r.state.name))
    return results


_RANK = {level: n for n, level in enumerate(RiskLevel)}


def urgency(forecast: StateForecast, name: str) -> tuple[int, float, str]:
    """The order of states by urgency: critical first (a vote is near), then by risk."""
    return (_RANK[forecast.level], -forecast.risk, name)


def state_forecast_now(state: State, on: date, config: RiskConfig) -> StateRisk | None:
    """One state's forecast in the active campaign (None without a campaign or agreement)."""
    campaign = active_campaign()
    if campaign is None:
        return None
    found = forecasts(campaign, on, config, state_ids=[state.id], open_only=False)
    return found[0] if found else None


def seen_by_everyone(context: StateContext) -> StateInput:
    """The model's input as a reader who may not see the state's restricted contacts sees
    it: a member met only in those was not met (SPEC §2). Only the swing list reads whom
    was met; the probabilities are the same either way."""
    hidden = context.met_only_in_restricted
    if not hidden:
        return context.model_input
    return replace(
        context.model_input,
        chambers=tuple(
            replace(
                chamber,
                members=tuple(
                    replace(m, recently_met=False) if m.id in hidden else m for m in chamber.members
                ),
            )
            for chamber in context.model_input.chambers
        ),
    )


def swing(
    result: StateRisk, config: RiskConfig | None = None, limit: int = 25, *, reader: Any
) -> list[SwingEntry]:
    """Who to meet next in this state: the members whose move would lower the risk most.

    Members met recently are left out; for a reader who may not see the state's restricted
    contacts, one met only in those was not met (SPEC §2): leaving them out would tell that
    reader they were.
    """
    state_input = result.context.model_input
    if result.context.met_only_in_restricted and not may_see_restricted(reader, result.state.id):
        state_input = seen_by_everyone(result.context)
    return swing_list(state_input, config or risk_config(), limit=limit)


@dataclass(frozen=True)
class SwingRow:
    """One row of "Who to meet next" with what it takes to act on it, as one reader may see
    it: the stance's date (the month only, when observed in a restricted contact they may
    not read) and the latest contact they may see linked to the member."""

    rank: int
    entry: SwingEntry
    representative: Representative
    chamber: str
    party: str | None
    stance_date: StanceDate
    last_contact: datetime | None


def swing_rows(
    result: StateRisk, config: RiskConfig | None = None, limit: int = 25, *, reader: Any
) -> list[SwingRow]:
    """The swing list of the state's page and its CSV file (three queries)."""
    entries = swing(result, config, limit=limit, reader=reader)
    ids = [entry.member_id for entry in entries]
    people = {
        rep.id: rep
        for rep in db.session.scalars(sa.select(Representative).where(Representative.id.in_(ids)))
    }
    parties = {
        party.id: party.short_name
        for party in db.session.scalars(sa.select(Party).where(Party.state_id == result.state.id))
    }
    contacts = last_contacts(ids, reader=reader)
    rows = []
    for rank, entry in enumerate(entries, 1):
        rep = people[entry.member_id]
        party_id = result.context.members[entry.member_id][1]
        rows.append(
            SwingRow(
                rank=rank,
                entry=entry,
                representative=rep,
                chamber=result.context.chambers[entry.chamber_id].name,
                party=parties.get(party_id) if party_id is not None else None,
                stance_date=rep.stance_date(withheld=stance_withheld(reader, rep)),
                last_contact=contacts.get(rep.id),
            )
        )
    return rows


def _snapshot(
    result: StateRisk, campaign: Campaign, on: date, reason: SnapshotReason
) -> RiskSnapshot:
    forecast = result.forecast
    return RiskSnapshot(
        state_id=result.state.id,
        campaign_id=campaign.id,
        taken_on=on,
        reason=reason,
        probability=forecast.probability,
        risk=forecast.risk,
        level=forecast.level.value,
        coverage=forecast.coverage,
        chambers=[
            {
                "id": c.chamber_id,
                "pass_probability": c.pass_probability,
                "expected_yes": c.expected_yes,
                "threshold": c.threshold,
            }
            for c in forecast.chambers
        ],
    )


def last_snapshots(campaign: Campaign, state_ids: Iterable[int]) -> dict[int, RiskSnapshot]:
    ids = list(state_ids)
    latest = (
        sa.select(sa.func.max(RiskSnapshot.id))
        .where(RiskSnapshot.campaign_id == campaign.id, RiskSnapshot.state_id.in_(ids))
        .group_by(RiskSnapshot.state_id)
    )
    return {
        s.state_id: s
        for s in db.session.scalars(sa.select(RiskSnapshot).where(RiskSnapshot.id.in_(latest)))
    }


def take_snapshots(
    campaign: Campaign,
    reason: SnapshotReason,
    *,
    on: date | None = None,
    state_ids: list[int] | None = None,
) -> int:
    """Snapshot the states' risk; a daily snapshot is taken once per day and state, a change
    snapshot only when the risk moved since the last one. Returns how many were written."""
    on = on or today()
    config = risk_config()
    results = forecasts(campaign, on, config, state_ids=state_ids)
    # What was computed is kept for the pages (crm/risk/kept.py).
    keep(campaign, on, config, results, state_ids=state_ids)
    previous = last_snapshots(campaign, [r.state.id for r in results])
    written = 0
    for result in results:
        last = previous.get(result.state.id)
        if reason is SnapshotReason.DAILY and last is not None and last.taken_on == on:
            continue
        if (
            reason is SnapshotReason.CHANGE
            and last is not None
            and abs(last.risk - result.forecast.risk) < _MOVED
        ):
            continue
        db.session.add(_snapshot(result, campaign, on, reason))
        written += 1
    db.session.flush()
    return written


def backfill(campaign: Campaign, days: int, step: int = 7) -> int:
    """Rebuild past snapshots from dated stance records, every `step` days back to `days`."""
    written = 0
    start = today() - timedelta(days=days)
    taken = set(
        db.session.execute(
            sa.select(RiskSnapshot.state_id, RiskSnapshot.taken_on).where(
                RiskSnapshot.campaign_id == campaign.id, RiskSnapshot.taken_on >= start
            )
        ).all()
    )
    for offset in range(days, 0, -step):
        on = today() - timedelta(days=offset)
        for result in forecasts(campaign, on):
            if (result.state.id, on) in taken:
                continue
            db.session.add(_snapshot(result, campaign, on, SnapshotReason.BACKFILL))
            written += 1
    db.session.flush()
    return written


# --- a snapshot whenever a change moves a state's risk -----------------------------------
# The services that change what the forecast reads say so (crm.risk.changes.inputs_changed).


def _snapshot_changed_states(session: Session) -> None:
    state_ids = take_changed_states(session)
    if not state_ids:
        return
    try:
        campaign = active_campaign()
        if campaign is not None:
            take_snapshots(campaign, SnapshotReason.CHANGE, state_ids=sorted(state_ids))
    except Exception:
        # A failed forecast must never cost a section its saved meeting.
        if current_app.testing:
            raise
        log.exception("could not snapshot the risk of states %s", sorted(state_ids))


def init_change_snapshots() -> None:
    """Listen once, for every session the app makes."""
    for name, listener in (
        ("before_commit", _snapshot_changed_states),
        ("after_soft_rollback", forget_on_rollback),
    ):
        if not sa.event.contains(Session, name, listener):
            sa.event.listen(Session, name, listener)


# --- explanations for the state risk page ------------------------------------------------


@dataclass
class PartyRow:
    party_key: str | None
    seats: int
    stances: dict[str, int]
    mean_probability: float
    expected_yes: float


def party_breakdown(
    result: StateRisk, config: RiskConfig | None = None
) -> dict[int, list[PartyRow]]:
    """Per chamber, per party: seats, stances, mean probability used, expected yes."""
    from crm.risk.model import member_probabilities

    config = config or risk_config()
    out: dict[int, list[PartyRow]] = {}
    for chamber in result.context.model_input.chambers:
        probabilities = member_probabilities(chamber, config)
        rows: dict[str | None, PartyRow] = {}
        for member in chamber.members:
            row = rows.setdefault(member.party_key, PartyRow(member.party_key, 0, {}, 0.0, 0.0))
            row.seats += 1
            row.stances[member.stance] = row.stances.get(member.stance, 0) + 1
            row.mean_probability += probabilities[member.id]
            row.expected_yes += chamber.attendance * probabilities[member.id]
        for row in rows.values():
            row.mean_probability /= row.seats
        out[chamber.id] = sorted(rows.values(), key=lambda r: -r.seats)
    return out


@dataclass
class VoteReview:
    """How the forecast made the day before a held vote compares with the votes cast."""

    stage_id: int
    held_on: date
    label: str
    members_compared: int
    brier: float | None
    forecast_yes: float
    actual_yes: int
    actual_no: int
    pass_probability: float | None
    passed: bool | None


def vote_reviews(campaign: Campaign, state_id: int) -> list[VoteReview]:
    """Brier scores of the day-before forecasts for each held vote with recorded votes."""
    from crm.risk.model import brier_score, member_probabilities
    from crm.states.models import Agreement, Stage, StageResult, StageStatus
    from crm.votes.models import Vote, VoteEvent, VoteOption

    config = risk_config()
    events = db.session.execute(
        sa.select(Stage, VoteEvent)
        .join(VoteEvent, VoteEvent.stage_id == Stage.id)
        .join(Agreement, Agreement.id == Stage.agreement_id)
        .where(
            Agreement.campaign_id == campaign.id,
            Agreement.state_id == state_id,
            Stage.status == StageStatus.HELD,
        )
        .order_by(Stage.held_on)
    ).all()
    reviews = []
    for stage, vote_event in events:
        held_on = vote_event.held_on or stage.held_on
        if held_on is None:
            continue
        votes = db.session.execute(
            sa.select(Vote.representative_id, Vote.option).where(
                Vote.vote_event_id == vote_event.id,
                Vote.option.in_([VoteOption.YES, VoteOption.NO]),
            )
        ).all()
        if not votes:
            continue
        contexts = state_contexts(
            campaign, held_on - timedelta(days=1), config, state_ids=[state_id], open_only=False
        )
        probabilities: dict[int, float] = {}
        pass_probability = None
        if contexts:
            before = contexts[0].model_input
            for chamber in before.chambers:
                probabilities.update(member_probabilities(chamber, config))
            if stage.committee_id is None:
                # A plenary vote: how likely the chamber was to pass it, the day before.
                pass_probability = next(
                    (
                        c.model_pass_probability
                        for c in state_forecast(before, config).chambers
                        if c.chamber_id == stage.chamber_id
                    ),
                    None,
                )
        pairs = [(probabilities[r], o is VoteOption.YES) for r, o in votes if r in probabilities]
        reviews.append(
            VoteReview(
                stage_id=stage.id,
                held_on=held_on,
                label=stage.kind.label
                + (f" — {stage.committee.name}" if stage.committee else "")
                + (f" — {stage.chamber.name}" if stage.chamber and not stage.committee else ""),
                members_compared=len(pairs),
                brier=brier_score([p for p, _o in pairs], [o for _p, o in pairs])
                if pairs
                else None,
                forecast_yes=sum(p for p, _o in pairs),
                actual_yes=sum(1 for _r, o in votes if o is VoteOption.YES),
                actual_no=sum(1 for _r, o in votes if o is VoteOption.NO),
                pass_probability=pass_probability,
                passed=None if stage.result is None else stage.result is StageResult.PASS,
            )
        )
    return reviews
