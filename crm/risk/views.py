"""The coordinators' dashboard and the page explaining one state's risk."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, g, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import BooleanField, Form, IntegerField, SearchField, SelectField
from wtforms.fields import SelectChoice
from wtforms.validators import Length, NumberRange, Optional

from crm.auth.permissions import Action, Page, may, require
from crm.charts import hemicycle
from crm.extensions import db
from crm.interactions.forms import Translated
from crm.interactions.models import Interaction
from crm.parliament.models import Party
from crm.risk import services
from crm.risk.history import histories
from crm.risk.kept import kept_forecasts
from crm.risk.model import RiskLevel
from crm.risk.queries import risk_config, snapshot_trends
from crm.risk.wording import (
    COIN_FLIP_BRIER,
    brier_verdict,
    chamber_outlook,
    coverage_gaps,
    coverage_percent,
    coverage_rule,
    dashboard_groups,
    target_percent,
)
from crm.states.models import Agreement, State
from crm.states.queries import active_campaign, get_state

bp = Blueprint("risk", __name__)
# The model's figures in plain words, for the pages and the PDFs alike (crm/risk/wording.py).
bp.add_app_template_global(chamber_outlook, "chamber_outlook")
bp.add_app_template_global(brier_verdict, "brier_verdict")
bp.add_app_template_global(COIN_FLIP_BRIER, "COIN_FLIP_BRIER")
bp.add_app_template_global(coverage_gaps, "coverage_gaps")
bp.add_app_template_global(coverage_percent, "coverage_percent")
bp.add_app_template_global(coverage_rule, "coverage_rule")
bp.add_app_template_global(target_percent, "target_percent")


# The levels' names as the filter offers them (lazy: the form is defined at import).
_LEVEL_NAMES = {
    RiskLevel.CRITICAL: _l("Critical"),
    RiskLevel.HIGH: _l("High"),
    RiskLevel.MEDIUM: _l("Medium"),
    RiskLevel.LOW: _l("Low"),
}


class DashboardFilterForm(Translated, Form):
    q = SearchField(_l("State"), validators=[Optional(), Length(max=60)])
    level = SelectField(
        _l("Risk level"),
        choices=[SelectChoice("", _l("Any level"))]
        + [SelectChoice(level.value, _LEVEL_NAMES[level]) for level in RiskLevel],
        default="",
    )
    within = IntegerField(
        _l("Next vote within (days)"), validators=[Optional(), NumberRange(min=0, max=3650)]
    )
    # The name kept from "Only coverage under 50 %": links with it still work.
    low_coverage = BooleanField(_l("Only states below the coverage target"))


@bp.get("/dashboard")
@login_required
def dashboard():
    require(current_user, "view", Page.DASHBOARD)
    campaign = active_campaign()
    form = DashboardFilterForm(request.args)
    valid = form.validate()
    if campaign is None:
        return render_template("risk/dashboard.html", campaign=None, form=form, rows=[])
    config = risk_config()
    # The forecasts kept after each write, not recomputed per view (crm/risk/kept.py).
    results = kept_forecasts(campaign, g.today, config)
    shown = results
    if valid:
        if form.q.data:
            needle = form.q.data.strip().casefold()
            shown = [
                r
                for r in shown
                if needle in r.state.name.casefold() or needle == r.state.iso2.casefold()
            ]
        if form.level.data:
            shown = [r for r in shown if r.forecast.level.value == form.level.data]
        if form.within.data is not None:
            shown = [
                r
                for r in shown
                if r.forecast.days_to_next_vote is not None
                and r.forecast.days_to_next_vote <= form.within.data
            ]
        if form.low_coverage.data:
            # Flagged when the forecast was kept: a target missed, the seats' or the
            # swing list's (crm/risk/model.py state_forecast).
            shown = [r for r in shown if r.forecast.coverage_flagged]
    closed = db.session.execute(
        sa.select(Agreement, State)
        .join(State, State.id == Agreement.state_id)
        .where(Agreement.campaign_id == campaign.id)
        .order_by(State.name)
    ).all()
    closed = [(a, s) for a, s in closed if not a.status.is_open]
    # Risk and coverage of every state from the snapshots, in one query.
    trends = snapshot_trends(
        campaign, [r.state.id for r in results], g.today, config.coverage_target
    )
    return render_template(
        "risk/dashboard.html",
        campaign=campaign,
        form=form,
        rows=shown,
        # Grouped by level with each level's rule beside it, so that a "critical" state at
        # 53 % above a "high" one at 99 % explains itself (a vote is near).
        groups=dashboard_groups(shown, config, campaign.goal.value),
        total=len(results),
        summary=dashboard_groups(results, config, campaign.goal.value, keep_empty_levels=True),
        closed=closed,
        trends=trends.risk,
        coverage_trends=trends.coverage,
        model=config,
    ), (200 if valid else 400)


@bp.get("/states/<iso2>/risk")
@login_required
def state_risk(iso2: str):
    require(current_user, "view", Page.DASHBOARD)
    state = get_state(iso2)
    if state is None:
        abort(404)
    config = risk_config()
    result = services.state_forecast_now(state, g.today, config)
    if result is None:
        abort(404)
    campaign = active_campaign()
    trends = snapshot_trends(campaign, [state.id], g.today, config.coverage_target)
    swing = services.swing_rows(result, config, limit=25, reader=current_user)
    parties = {
        str(p.id): p for p in db.session.scalars(sa.select(Party).where(Party.state_id == state.id))
    }
    charts = {
        chamber.id: hemicycle([m.stance for m in chamber.members], chamber.seats)
        for chamber in result.context.model_input.chambers
    }
    return render_template(
        "risk/state.html",
        state=state,
        campaign=campaign,
        result=result,
        forecast=result.forecast,
        swing=swing,
        may_log=may(current_user, Action.CREATE, Interaction, state=state),
        parties=parties,
        breakdown=services.party_breakdown(result, config),
        charts=charts,
        reviews=services.vote_reviews(campaign, state.id),
        risk_trend=trends.risk.get(state.id),
        coverage_trend=trends.coverage.get(state.id),
        # The last twelve months, with the changes marked and what the dated records say
        # caused them, as this reader may see them (crm/risk/history.py).
        history=histories(campaign, [state.id], g.today, config, reader=current_user)[state.id]
        if campaign is not None
        else None,
        model=config,
    )
