"""The stages of ratification and the forecast."""

from __future__ import annotations

from flask import g

from crm.api import present, queries
from crm.api import schemas as s
from crm.api.auth import api_user
from crm.api.views.common import find_state, get
from crm.auth.permissions import Action, Page, require
from crm.db import utcnow
from crm.errors import NotFound
from crm.risk import services as risk_services
from crm.risk.kept import kept_forecasts
from crm.risk.queries import risk_config
from crm.states.queries import active_campaign

# --- Stages and risk -----------------------------------------------------------------------------


@get("/states/<iso2>/stages", s.list_of(s.StageOut, "StageList"), 404)
def stages(iso2: str):
    """The stages of the state's agreement, in order, with the votes held."""
    found = find_state(iso2)
    return present.items(present.stage(x) for x in queries.stages(found, active_campaign()))


@get("/risk", s.list_of(s.RiskSummaryOut, "RiskList"), 403)
def risk():
    """Every open state's ratification risk, most urgent first."""
    require(api_user(), Action.VIEW, Page.DASHBOARD)
    campaign = active_campaign()
    if campaign is None:
        return present.items([])
    # The forecasts kept after each write, not recomputed (crm/risk/kept.py).
    found = kept_forecasts(campaign, g.today, risk_config())
    return present.items(present.risk_summary(r.state, r.agreement, r.forecast) for r in found)


@get("/states/<iso2>/risk", s.StateRiskOut, 403, 404)
def state_risk(iso2: str):
    """The state's ratification risk with every number needed to check it."""
    require(api_user(), Action.VIEW, Page.DASHBOARD)
    found_state = find_state(iso2)
    campaign = active_campaign()
    if campaign is None:
        raise NotFound("There is no active campaign.")
    found = risk_services.forecasts(
        campaign, g.today, risk_config(), state_ids=[found_state.id], open_only=False
    )
    if not found:
        raise NotFound(f"{found_state.name} has no agreement in the active campaign.")
    return present.state_risk(found[0], campaign.slug, utcnow())
