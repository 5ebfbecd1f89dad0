"""The coordinators' overview: every open state's risk, trend, next vote, seat charts and
its probability over the last twelve months."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from crm.auth.models import User
from crm.briefings.packs.common import Imprint, Pack, imprint
from crm.charts import Hemicycle, Sparkline, hemicycle
from crm.db import today
from crm.extensions import db
from crm.i18n import marked
from crm.risk import services as risk_services
from crm.risk.history import History, histories
from crm.risk.model import RiskConfig, RiskLevel
from crm.risk.queries import risk_config, risk_trends
from crm.states import queries as state_queries
from crm.states.models import Agreement, Campaign, State

# --- The coordinator overview ---------------------------------------------------------------


@dataclass
class OverviewRow:
    risk: risk_services.StateRisk
    trend: Sparkline | None
    charts: list[tuple[str, Hemicycle]]
    history: History | None = None


@dataclass
class OverviewPack(Pack):
    imprint: Imprint
    campaign: Campaign | None
    today: date
    rows: list[OverviewRow]
    levels: dict[RiskLevel, int]
    closed: list[tuple[Agreement, State]]
    model: RiskConfig
    can_see_restricted: bool = False

    kind = "overview"
    heading = marked("Coordinator overview")
    about = None


def overview_pack(actor: User | None) -> OverviewPack:
    """Every open state's risk, trend, next vote and seat charts."""
    on = today()
    config = risk_config()
    campaign = state_queries.active_campaign()
    rows: list[OverviewRow] = []
    closed: list[tuple[Agreement, State]] = []
    if campaign is not None:
        results = risk_services.forecasts(campaign, on, config)
        state_ids = [r.state.id for r in results]
        trends = risk_trends(campaign, state_ids, on)
        # Every state's twelve months at once: a fixed number of queries (the overview is
        # benchmarked). The overview marks and dates each change; what caused it is on the
        # state's risk page (listing every cause of 19 states took a 45-page overview).
        history = histories(campaign, state_ids, on, config, reader=actor, causes=False)
        for result in results:
            charts = [
                (
                    result.context.chambers[c.id].name,
                    hemicycle([m.stance for m in c.members], c.seats),
                )
                for c in result.context.model_input.chambers
            ]
            rows.append(
                OverviewRow(
                    result, trends.get(result.state.id), charts, history.get(result.state.id)
                )
            )
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
