"""API endpoints."""

from __future__ import annotations

from flask import Blueprint, g, jsonify

from crm.api.auth import api_user, token_required
from crm.auth.permissions import Page, require
from crm.db import utcnow
from crm.errors import NotFound
from crm.risk import services as risk_services
from crm.risk.queries import risk_config
from crm.states.queries import active_campaign, get_state

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/states/<iso2>/risk")
@token_required
def state_risk(iso2: str):
    """The state's ratification risk with every number needed to check it."""
    require(api_user(), "view", Page.DASHBOARD)
    state = get_state(iso2)
    campaign = active_campaign()
    if state is None or campaign is None:
        raise NotFound(f"No state {iso2!r} in the active campaign.")
    found = risk_services.forecasts(
        campaign, g.today, risk_config(), state_ids=[state.id], open_only=False
    )
    if not found:
        raise NotFound(f"{state.name} has no agreement in the active campaign.")
    result = found[0]
    f = result.forecast
    chambers = {c.id: c for c in result.context.model_input.chambers}
    return jsonify(
        state=state.iso2,
        name=state.name,
        campaign=campaign.slug,
        goal=f.goal,
        route=f.route,
        agreement_status=result.context.agreement.status.value,
        probability=f.probability,
        risk=f.risk,
        level=f.level.value,
        coverage=f.coverage,
        days_to_next_vote=f.days_to_next_vote,
        computed_at=utcnow().isoformat(),
        chambers=[
            {
                "id": c.chamber_id,
                "name": c.name,
                "majority_rule": c.majority_rule,
                "seats": c.seats,
                "attendance": c.attendance,
                "status": c.status,
                "pass_probability": c.pass_probability,
                "model_pass_probability": c.model_pass_probability,
                "expected_yes": c.expected_yes,
                "expected_no": c.expected_no,
                "threshold": c.threshold,
                "threshold_label": c.threshold_label,
                "members": [
                    {"id": m.id, "probability": c.member_probabilities[m.id]}
                    for m in chambers[c.chamber_id].members
                ],
            }
            for c in f.chambers
        ],
    )
