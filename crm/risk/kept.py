"""Forecasts kept, not recomputed.

Computing a state's forecast reads every seat of the state; the dashboard and the API's
risk list did it for every state on every view (about two seconds at campaign scale). Each
state's forecast is kept instead (`KeptForecast`), written where it is computed anyway:

- in the transaction of every write that changes what it reads — the services say so
  through crm.risk.changes, and crm.risk.services forecasts those states before the commit
  (taking a snapshot when the risk moved) and keeps what it computed;
- by the daily snapshot, which forecasts every state for the new day.

A reader gets the kept forecasts of the day under the running settings; one of another day
or other settings (the first view after midnight before the daily task ran, a changed
RISK_MODEL) is computed again, for that state only, and kept for the next reader. What the
forecast does not read is not kept: each state's newest contact is read with the rest.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from crm.extensions import db
from crm.risk.model import ChamberForecast, RiskConfig, RiskLevel, StateForecast
from crm.risk.models import KeptForecast
from crm.states.models import Agreement, Campaign, Stage, State
from crm.states.queries import newest_contacts

if TYPE_CHECKING:  # crm.risk.services keeps what it computes: a cycle at run time
    from crm.risk.services import StateRisk


@dataclass(frozen=True)
class KeptRisk:
    """One state's kept forecast with what the pages show beside it."""

    state: State
    agreement: Agreement
    forecast: StateForecast
    next_vote: Stage | None
    last_contact: datetime | None


def settings_key(config: RiskConfig) -> str:
    """The settings a forecast was computed under, as a short fingerprint."""
    text = json.dumps(asdict(config), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def to_json(forecast: StateForecast) -> dict[str, Any]:
    """The forecast as JSON, without each member's probability (the pages that show those
    compute the state's forecast afresh)."""
    values = asdict(replace(forecast, chambers=()))
    values["level"] = forecast.level.value
    values["chambers"] = [
        {
            f.name: getattr(c, f.name)
            for f in fields(c)
            if f.name not in ("member_probabilities", "party_priors")
        }
        # Keyed by party, None for members of none: pairs, since JSON keys are strings.
        | {"party_priors": [[party, prior] for party, prior in c.party_priors.items()]}
        for c in forecast.chambers
    ]
    return values


def from_json(values: dict[str, Any]) -> StateForecast:
    chambers = tuple(
        ChamberForecast(
            **{**chamber, "party_priors": dict(chamber["party_priors"])}, member_probabilities={}
        )
        for chamber in values["chambers"]
    )
    return StateForecast(**{**values, "level": RiskLevel(values["level"]), "chambers": chambers})


def keep(
    campaign: Campaign,
    on: date,
    config: RiskConfig,
    results: Iterable[StateRisk],
    *,
    state_ids: Iterable[int] | None = None,
) -> None:
    """Keep these forecasts of `on`; of the states in `state_ids` (every state when None),
    those without a forecast among `results` (their agreement closed) keep none."""
    computed = {r.state.id: r for r in results}
    stmt = sa.select(KeptForecast).where(KeptForecast.campaign_id == campaign.id)
    if state_ids is not None:
        stmt = stmt.where(KeptForecast.state_id.in_(set(state_ids) | set(computed)))
    kept = {k.state_id: k for k in db.session.scalars(stmt)}
    key = settings_key(config)
    for state_id, result in computed.items():
        row = kept.pop(state_id, None)
        if row is None:
            row = KeptForecast(state_id=state_id, campaign_id=campaign.id)
            db.session.add(row)
        row.computed_on = on
        row.settings = key
        row.next_vote_id = result.context.next_vote.id if result.context.next_vote else None
        row.forecast = to_json(result.forecast)
    for row in kept.values():
        db.session.delete(row)
    db.session.flush()


def _stale(campaign: Campaign, on: date, key: str) -> list[int]:
    """The states with an open agreement whose kept forecast is missing or not of `on` under
    these settings (one query)."""
    rows = db.session.execute(
        sa.select(
            Agreement.state_id, Agreement.status, KeptForecast.computed_on, KeptForecast.settings
        )
        .outerjoin(
            KeptForecast,
            sa.and_(
                KeptForecast.state_id == Agreement.state_id,
                KeptForecast.campaign_id == Agreement.campaign_id,
            ),
        )
        .where(Agreement.campaign_id == campaign.id)
    )
    return [
        state_id
        for state_id, status, computed_on, settings in rows
        if status.is_open and (computed_on != on or settings != key)
    ]


def kept_forecasts(campaign: Campaign, on: date, config: RiskConfig) -> list[KeptRisk]:
    """Every state's forecast of `on` whose agreement is open, most urgent first: read
    where kept, computed (and kept) where not."""
    from crm.risk.services import forecasts, urgency
    from crm.web import side_write

    key = settings_key(config)
    stale = _stale(campaign, on, key)
    recomputed: dict[int, StateRisk] = {}
    if stale:
        results = forecasts(campaign, on, config, state_ids=stale)
        recomputed = {r.state.id: r for r in results}
        # Kept for the next reader in a short write of its own; a busy database only
        # means the next reader computes it too.
        side_write(lambda: keep(campaign, on, config, results, state_ids=stale), optional=True)
    rows = db.session.execute(
        sa.select(KeptForecast, Agreement, State, Stage)
        .join(State, State.id == KeptForecast.state_id)
        .join(
            Agreement,
            sa.and_(
                Agreement.state_id == KeptForecast.state_id,
                Agreement.campaign_id == KeptForecast.campaign_id,
            ),
        )
        .outerjoin(Stage, Stage.id == KeptForecast.next_vote_id)
        .where(KeptForecast.campaign_id == campaign.id)
    ).all()
    # A state computed now whose forecast could not be kept (the database was busy).
    unkept = [
        r for state_id, r in recomputed.items() if state_id not in {s.id for _k, _a, s, _v in rows}
    ]
    contacts = newest_contacts([s.id for _k, _a, s, _v in rows] + [r.state.id for r in unkept])
    found = [
        KeptRisk(
            state=state,
            agreement=agreement,
            forecast=r.forecast if (r := recomputed.get(state.id)) else from_json(kept.forecast),
            next_vote=vote,
            last_contact=contacts.get(state.id),
        )
        for kept, agreement, state, vote in rows
        if agreement.status.is_open
    ] + [
        KeptRisk(
            state=r.state,
            agreement=r.context.agreement,
            forecast=r.forecast,
            next_vote=r.context.next_vote,
            last_contact=contacts.get(r.state.id),
        )
        for r in unkept
    ]
    found.sort(key=lambda r: urgency(r.forecast, r.state.name))
    return found
