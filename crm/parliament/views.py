"""The representative list and the representative page."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, g, render_template, request
from flask_login import login_required
from wtforms.fields import SelectChoice

from crm.parliament import queries
from crm.parliament.forms import RepresentativeFilterForm
from crm.parliament.models import Stance
from crm.parliament.queries import RepresentativeFilters

bp = Blueprint("parliament", __name__)


@bp.get("/representatives")
@login_required
def index():
    form = RepresentativeFilterForm(request.args)
    states = queries.all_states()
    state = next((s for s in states if s.iso2 == (form.state.data or "").upper()), None)
    chambers, parties = queries.state_filter_choices(state)
    form.state.choices = [SelectChoice("", "All states")] + [
        SelectChoice(s.iso2, s.name) for s in states
    ]
    form.chamber.choices = [SelectChoice("", "All chambers")] + [
        SelectChoice(str(c.id), c.name) for c in chambers
    ]
    form.party.choices = [SelectChoice("", "All parties")] + [
        SelectChoice(str(p.id), p.name) for p in parties
    ]
    if form.state.data:
        form.state.data = form.state.data.upper()
    valid = form.validate()
    if form.state.errors:
        state = None
    filters = RepresentativeFilters(
        state=state,
        chamber_id=int(form.chamber.data)
        if form.chamber.data and not form.chamber.errors
        else None,
        party_id=int(form.party.data) if form.party.data and not form.party.errors else None,
        stance=Stance(form.stance.data) if form.stance.data and not form.stance.errors else None,
        q=(form.q.data or "") if not form.q.errors else "",
        include_former=bool(form.former.data),
    )
    page = form.page.data if form.page.data and not form.page.errors else 1
    pagination = queries.paginate_representatives(
        filters, g.today, page, current_app.config["PAGE_SIZE"]
    )
    ids = [r.id for r in pagination.items]
    status = 200 if valid else 400
    return render_template(
        "parliament/index.html",
        form=form,
        filters=filters,
        pagination=pagination,
        seats=queries.current_seats(ids, g.today),
        last_contacts=queries.last_contacts(ids),
    ), status


@bp.get("/representatives/<int:representative_id>")
@login_required
def show(representative_id: int):
    representative = queries.get_representative(representative_id)
    if representative is None:
        abort(404)
    return render_template(
        "parliament/show.html",
        rep=representative,
        stance_records=queries.stance_history(representative),
        contacts=queries.contacts(representative),
        follow_ups=queries.open_follow_ups(representative),
    )
