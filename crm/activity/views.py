"""The campaign's week, for coordinators and admins: what happened across the campaign, and
the follow-ups overdue in every state."""

from __future__ import annotations

from flask import Blueprint, current_app, g, render_template, request
from flask_login import login_required

from crm.activity import queries
from crm.activity.forms import KIND_LABELS, FeedFilterForm, OverdueFilterForm, Places
from crm.auth.permissions import Action, Page
from crm.db import utcnow
from crm.forms import page_number
from crm.interactions.forms import StatusForm
from crm.states.queries import all_states
from crm.web import permitted

bp = Blueprint("activity", __name__)


def _kept_args(*names: str) -> dict[str, list[str]]:
    # The page links keep the filters, and only them (other arguments could steer url_for).
    return {name: request.args.getlist(name) for name in names if name in request.args}


def _read(form: FeedFilterForm | OverdueFilterForm) -> tuple[bool, Places]:
    """Whether the filters are all valid, and the state and section that can be used."""
    states = all_states()
    form.set_choices(states, queries.sections())
    valid = form.validate()
    return valid, form.places(states)


@bp.get("/activity")
@login_required
def feed():
    reader = permitted(Action.VIEW, Page.ACTIVITY)
    form = FeedFilterForm(request.args)
    valid, places = _read(form)
    filters = queries.FeedFilters(**places, kinds=form.chosen_kinds(), **form.period())
    pagination = queries.feed_page(
        reader, filters, page_number(form), current_app.config["PAGE_SIZE"], utcnow()
    )
    return render_template(
        "activity/feed.html",
        form=form,
        pagination=pagination,
        kind_labels=KIND_LABELS,
        args=_kept_args("state", "section", "kind", "since", "until"),
    ), (200 if valid else 400)


@bp.get("/activity/overdue")
@login_required
def overdue():
    permitted(Action.VIEW, Page.ACTIVITY)
    form = OverdueFilterForm(request.args)
    valid, places = _read(form)
    filters = queries.OverdueFilters(**places)
    pagination = queries.overdue_page(
        g.today, filters, page_number(form), current_app.config["PAGE_SIZE"]
    )
    return render_template(
        "activity/overdue.html",
        form=form,
        pagination=pagination,
        status_form=StatusForm(),
        next_url=request.full_path.rstrip("?"),
        args=_kept_args("state", "section"),
    ), (200 if valid else 400)
