"""The list of states and the state page."""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, url_for
from flask_login import login_required

from crm.db import utcnow
from crm.states import queries

bp = Blueprint("states", __name__)


@bp.get("/")
@login_required
def home():
    return redirect(url_for("states.index"))


@bp.get("/states")
@login_required
def index():
    campaign = queries.active_campaign()
    rows = queries.states_overview(campaign, g.today)
    return render_template("states/index.html", campaign=campaign, rows=rows)


@bp.get("/states/<iso2>")
@login_required
def show(iso2: str):
    state = queries.get_state(iso2)
    if state is None:
        abort(404)
    if iso2 != state.iso2:
        return redirect(url_for("states.show", iso2=state.iso2), 301)
    campaign = queries.active_campaign()
    return render_template(
        "states/show.html",
        state=state,
        campaign=campaign,
        agreement=queries.agreement_for(state, campaign),
        chambers=queries.chamber_summaries(state, g.today),
        interactions=queries.recent_interactions(state),
        stance_records=queries.recent_stance_records(state),
        events=queries.upcoming_events(state, utcnow()),
        follow_ups=queries.open_follow_up_count(state),
    )
