"""The lists of events and the month calendar, of every state or one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields import SelectChoice

from crm.auth.permissions import may
from crm.db import utcnow
from crm.events import queries
from crm.events.forms import CalendarForm, EventFilterForm
from crm.events.models import Event, EventKind, EventStatus
from crm.events.views.common import bp
from crm.forms import page_number
from crm.states import queries as state_queries
from crm.states.home import home_states
from crm.states.models import State
from crm.web import found

# --- Lists and the calendar ---------------------------------------------------------------


@bp.get("/events", endpoint="index")
@bp.get("/states/<iso2>/events", endpoint="state_index")
@login_required
def index(iso2: str | None = None):
    return _of_state(iso2, _list)


@bp.get("/events/calendar", endpoint="calendar")
@bp.get("/states/<iso2>/events/calendar", endpoint="state_calendar")
@login_required
def calendar(iso2: str | None = None):
    return _of_state(iso2, _calendar)


def _of_state(iso2: str | None, page: Callable[[State | None], Any]):
    """Every state's page, or under /states/<iso2>/ one state's: a code spelled otherwise
    (`de`) moves for good to the state's own spelling, keeping the filters."""
    if iso2 is None:
        return page(None)
    state = found(state_queries.get_state(iso2))
    if iso2 != state.iso2:
        return redirect(url_for(request.endpoint, iso2=state.iso2, **request.args), 301)
    return page(state)


def _validate(
    form: EventFilterForm | CalendarForm, state: State | None
) -> tuple[bool, State | None]:
    """Validate a page's filters; returns whether they are valid, and the state whose events
    the page shows: its own (whose filter is not shown), else the one the filter names."""
    states = queries.all_states() if state is None else []
    form.state.choices = [SelectChoice("", _("All states"))] + [
        SelectChoice(s.iso2, s.name) for s in states
    ]
    if state is not None:
        form.state.data = ""
    elif form.state.data:
        form.state.data = form.state.data.upper()
    valid = form.validate()
    if state is None and form.state.data and not form.state.errors:
        state = next((s for s in states if s.iso2 == form.state.data), None)
    return valid, state


def _list(state: State | None):
    form = EventFilterForm(request.args)
    valid, chosen = _validate(form, state)
    filters = queries.EventFilters(
        state=chosen,
        kind=EventKind(form.kind.data) if form.kind.data and not form.kind.errors else None,
        status=EventStatus(form.status.data)
        if form.status.data and not form.status.errors
        else None,
        when=form.when.data if form.when.data and not form.when.errors else "upcoming",
        archived=bool(form.archived.data),
    )
    pagination = queries.paginate_events(
        filters, utcnow(), page_number(form), current_app.config["PAGE_SIZE"]
    )
    return render_template(
        "events/index.html",
        form=form,
        filters=filters,
        state=state,
        pagination=pagination,
        rsvps=queries.rsvp_counts([e.id for e in pagination.items]),
        endpoint="events.state_index" if state else "events.index",
        plannable=_plannable() if state is None else [],
    ), 200 if valid else 400


def _plannable() -> list[State]:
    """The reader's own states they may plan events in: every state's list offers those."""
    return [s for s in home_states(current_user) if may(current_user, "create", Event, state=s)]


def _calendar(state: State | None):
    form = CalendarForm(request.args)
    valid, chosen = _validate(form, state)
    if form.month.data and not form.month.errors:
        first = date(int(form.month.data[:4]), int(form.month.data[5:7]), 1)
    else:
        # "This month" where the calendar's events happen.
        zone = ZoneInfo(chosen.timezone if chosen else "UTC")
        first = datetime.now(zone).date().replace(day=1)
    month = queries.month_grid(first, queries.month_events(first, chosen))
    zone = ZoneInfo(chosen.timezone) if chosen else ZoneInfo("UTC")
    return render_template(
        "events/calendar.html",
        form=form,
        month=month,
        state=state,
        chosen=chosen,
        today=datetime.now(zone).date(),
        endpoint="events.state_calendar" if state else "events.calendar",
    ), 200 if valid else 400
