"""Pages of the events feature: lists, the month calendar, the event page and its forms."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms.fields import SelectChoice

from crm.auth.permissions import Action, require
from crm.db import utcnow
from crm.errors import Conflict, DomainError
from crm.events import queries, services
from crm.events.forms import (
    FOLD_CHOICES,
    ActionForm,
    CalendarForm,
    CandidateFilterForm,
    EventFilterForm,
    EventForm,
    InvitationForm,
    InviteForm,
)
from crm.events.models import Event, EventKind, EventStatus, Invitation, Rsvp
from crm.extensions import db
from crm.forms import page_number
from crm.parliament import queries as parliament_queries
from crm.parliament.queries import RepresentativeFilters
from crm.states import queries as state_queries
from crm.states.models import State
from crm.web import current_actor, form_status, found, save

bp = Blueprint("events", __name__)


# --- Helpers shared with other features' templates ---------------------------------------


@bp.app_template_global()
def event_after_vote(event: Event) -> bool:
    """Whether the event starts after the stage it targets (stage and state loaded)."""
    return services.starts_after_stage(event, event.stage, event.state.timezone)


@bp.app_template_filter()
def in_zone(value: datetime | None, timezone: str, fmt: str = "%d %b %Y %H:%M %Z") -> str:
    """A UTC datetime formatted in a time zone (%Z gives the zone's abbreviation)."""
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(timezone)).strftime(fmt)


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
    form.state.choices = [SelectChoice("", "All states")] + [
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
    ), 200 if valid else 400


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


# --- One event ----------------------------------------------------------------------------


@bp.get("/events/<int:event_id>")
@login_required
def show(event_id: int):
    return _render_show(found(queries.get_event(event_id)))


def _invitation_form(invitation: Invitation) -> InvitationForm:
    attended = {True: "yes", False: "no"}.get(invitation.attended, "")  # type: ignore[arg-type]
    form = InvitationForm(
        formdata=None,
        data={
            "rsvp": invitation.rsvp.value,
            "attended": attended,
            "note": invitation.note or "",
            "version": str(invitation.version),
        },
    )
    return form.number(invitation.id)


def _render_show(
    event: Event,
    *,
    status: int = 200,
    message: str | None = None,
    conflict: Conflict | None = None,
    row: tuple[int, InvitationForm] | None = None,
):
    invitations = queries.invitations_of(event)
    forms = {i.id: _invitation_form(i) for i in invitations}
    if row is not None:
        forms[row[0]] = row[1].number(row[0])
    return render_template(
        "events/show.html",
        event=event,
        state=event.state,
        invitations=invitations,
        seats=parliament_queries.current_seats([i.representative_id for i in invitations], g.today),
        forms=forms,
        failed_row=row[0] if row else None,
        action_form=ActionForm(formdata=None, data={"version": str(event.version)}),
        message=message,
        conflict=conflict,
        started=event.starts_at <= utcnow(),
    ), status


def _form_data(event: Event) -> dict[str, Any]:
    zone = ZoneInfo(event.state.timezone)
    starts = event.starts_at.astimezone(zone)
    ends = event.ends_at.astimezone(zone) if event.ends_at else None
    return {
        "version": str(event.version),
        "title": event.title,
        "kind": event.kind.value,
        "status": event.status.value,
        "city": event.city,
        "venue": event.venue,
        "starts_at": starts.replace(tzinfo=None),
        "starts_at_fold": str(starts.fold),
        "ends_at": ends.replace(tzinfo=None) if ends else None,
        "ends_at_fold": str(ends.fold) if ends else "",
        "section": str(event.section_id or ""),
        "stage": str(event.stage_id or ""),
        "expected_attendance": event.expected_attendance,
        "description": event.description,
        "actual_attendance": event.actual_attendance,
        "signatures_handed_over": event.signatures_handed_over,
        "press_links": list(event.press_links or []),
        "outcome": event.outcome,
    }


def _ambiguity(form: EventForm, timezone: str) -> dict[str, bool]:
    """Offer a choice between the two readings of a time the clocks pass twice."""
    shown = {}
    for name, fold_field in (("starts_at", form.starts_at_fold), ("ends_at", form.ends_at_fold)):
        value = getattr(form, name).data if not getattr(form, name).errors else None
        options = services.ambiguous_options(value, timezone)
        if options:
            fold_field.choices = [FOLD_CHOICES[0]] + [
                SelectChoice(str(o.fold), o.label) for o in options
            ]
        shown[name] = bool(options)
    return shown


def _values(form: EventForm, state: State, stages) -> dict[str, Any]:
    """The service's values from a valid form; times become UTC (may raise ValidationFailed)."""
    starts = services.local_to_utc(
        form.starts_at.data, state.timezone, fold=form.starts_fold, field="starts_at"
    )
    ends = None
    if form.ends_at.data:
        ends = services.local_to_utc(
            form.ends_at.data, state.timezone, fold=form.ends_fold, field="ends_at"
        )
    sections = {str(s.id): s for s in state.sections}
    by_id = {str(s.id): s for s in stages}
    return {
        "title": form.title.data,
        "kind": EventKind(form.kind.data),
        "status": EventStatus(form.status.data),
        "city": form.city.data,
        "venue": form.venue.data,
        "starts_at": starts,
        "ends_at": ends,
        "description": form.description.data,
        "section": sections.get(form.section.data or ""),
        "stage": by_id.get(form.stage.data or ""),
        "expected_attendance": form.expected_attendance.data,
        "actual_attendance": form.actual_attendance.data,
        "signatures_handed_over": form.signatures_handed_over.data,
        "press_links": form.press_links.data,
        "outcome": form.outcome.data,
    }


def _flash_if_late(event: Event) -> None:
    if services.starts_after_stage(event, event.stage, event.state.timezone):
        day = services.vote_date(event.stage)
        flash(
            f"Note: this event starts after the {event.stage.kind.label.lower()} it aims at "
            f"({day:%d %b %Y}). The campaign wants events before the vote.",
            "warning",
        )


@bp.route("/states/<iso2>/events/new", methods=["GET", "POST"])
@login_required
def new(iso2: str):
    state = found(state_queries.get_state(iso2))
    actor = current_actor()
    require(actor, Action.CREATE, Event, state=state)
    stages = queries.stages_of(state)
    form = EventForm()
    form.set_choices(sections=state.sections, stages=stages, current_status=None)
    if request.method == "GET":
        own = next((s for s in state.sections if s in actor.sections), None)
        form.section.data = str(own.id) if own else ""
        form.status.data = EventStatus.PLANNED.value
        form.city.data = state.capital
    ambiguous = _ambiguity(form, state.timezone)
    if form.validate_on_submit():
        saved = save(
            form, lambda: services.create_event(actor, state, _values(form, state, stages))
        )
        if saved.ok:
            flash(f"Planned “{saved.value.title}”.", "success")
            _flash_if_late(saved.value)
            return redirect(url_for("events.show", event_id=saved.value.id))
    status = form_status()
    return render_template(
        "events/form.html", state=state, event=None, form=form, ambiguous=ambiguous, conflict=None
    ), status


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@login_required
def edit(event_id: int):
    event = found(queries.get_event(event_id))
    actor = current_actor()
    require(actor, Action.EDIT, event)
    state = event.state
    stages = queries.stages_of(state)
    form = EventForm(data=_form_data(event) if request.method == "GET" else None)
    form.set_choices(sections=state.sections, stages=stages, current_status=event.status)
    ambiguous = _ambiguity(form, state.timezone)
    conflict = None
    if form.validate_on_submit():
        saved = save(
            form,
            lambda: services.update_event(
                actor, event, _values(form, state, stages), expected_version=form.expected_version
            ),
        )
        if saved.ok:
            flash(f"Saved “{event.title}”.", "success")
            _flash_if_late(event)
            return redirect(url_for("events.show", event_id=event.id))
        conflict = saved.conflict
    status = form_status(conflict)
    return render_template(
        "events/form.html",
        state=state,
        event=event,
        form=form,
        ambiguous=ambiguous,
        conflict=conflict,
    ), status


def _event_action(event_id: int, permission: Action, act, done: str):
    """Run a one-button action (cancel, archive, restore) and go back to the event."""
    event = found(queries.get_event(event_id))
    actor = current_actor()
    require(actor, permission, event)
    form = ActionForm()
    if not form.validate_on_submit():
        return _render_show(event, status=422, message="The form was out of date; try again.")
    try:
        act(actor, event, form.expected_version)
    except Conflict as error:
        db.session.rollback()
        return _render_show(event, status=409, conflict=error)
    except DomainError as error:
        db.session.rollback()
        return _render_show(event, status=422, message=error.message)
    flash(done.format(title=event.title), "success")
    return redirect(url_for("events.show", event_id=event.id))


@bp.post("/events/<int:event_id>/cancel")
@login_required
def cancel(event_id: int):
    return _event_action(
        event_id,
        Action.EDIT,
        lambda actor, event, version: services.cancel_event(actor, event, expected_version=version),
        "Cancelled “{title}”. It stays in the lists, marked cancelled.",
    )


@bp.post("/events/<int:event_id>/archive")
@login_required
def archive(event_id: int):
    return _event_action(
        event_id,
        Action.ARCHIVE,
        lambda actor, event, version: services.archive_event(
            actor, event, expected_version=version
        ),
        "Archived “{title}”. An administrator can restore it.",
    )


@bp.post("/events/<int:event_id>/restore")
@login_required
def restore(event_id: int):
    return _event_action(
        event_id,
        Action.RESTORE,
        lambda actor, event, _version: services.restore_event(actor, event),
        "Restored “{title}”.",
    )


# --- Invitations --------------------------------------------------------------------------


@bp.route("/events/<int:event_id>/invitations/new", methods=["GET", "POST"])
@login_required
def invite(event_id: int):
    event = found(queries.get_event(event_id))
    actor = current_actor()
    require(actor, Action.CREATE, Invitation, state=event.state)
    filter_form = CandidateFilterForm(request.args)
    chambers, parties = parliament_queries.state_filter_choices(event.state)
    filter_form.chamber.choices = [SelectChoice("", "All chambers")] + [
        SelectChoice(str(c.id), c.name) for c in chambers
    ]
    filter_form.party.choices = [SelectChoice("", "All parties")] + [
        SelectChoice(str(p.id), p.name) for p in parties
    ]
    filters_valid = filter_form.validate()
    form = InviteForm()
    if form.validate_on_submit():
        saved = save(
            form, lambda: services.invite(actor, event, form.representative.data, on=g.today)
        )
        if saved.ok:
            invited = saved.value
            names = ", ".join(i.representative.name for i in invited[:5])
            more = f" and {len(invited) - 5} more" if len(invited) > 5 else ""
            flash(f"Invited {names}{more}.", "success")
            return redirect(url_for("events.show", event_id=event.id, _anchor="invitations"))
    filters = RepresentativeFilters(
        state=event.state,
        chamber_id=int(filter_form.chamber.data)
        if filter_form.chamber.data and not filter_form.chamber.errors
        else None,
        party_id=int(filter_form.party.data)
        if filter_form.party.data and not filter_form.party.errors
        else None,
        q=(filter_form.q.data or "") if not filter_form.q.errors else "",
    )
    pagination = queries.candidates(
        event, filters, g.today, page_number(filter_form), current_app.config["PAGE_SIZE"]
    )
    status = 422 if request.method == "POST" else (200 if filters_valid else 400)
    return render_template(
        "events/invite.html",
        event=event,
        state=event.state,
        form=form,
        filter_form=filter_form,
        pagination=pagination,
        seats=parliament_queries.current_seats([r.id for r in pagination.items], g.today),
        chosen=set(form.representative.data or []),
    ), status


@bp.post("/events/<int:event_id>/invitations/<int:invitation_id>")
@login_required
def update_invitation(event_id: int, invitation_id: int):
    event = found(queries.get_event(event_id))
    invitation = found(queries.get_invitation(event, invitation_id))
    actor = current_actor()
    require(actor, Action.EDIT, invitation)
    form = InvitationForm()
    if form.validate_on_submit():
        saved = save(
            form,
            lambda: services.update_invitation(
                actor,
                invitation,
                rsvp=Rsvp(form.rsvp.data),
                attended=form.attended_value,
                note=form.note.data,
                expected_version=form.expected_version,
            ),
        )
        if saved.conflict is not None:
            return _render_show(
                event, status=409, conflict=saved.conflict, row=(invitation_id, form)
            )
        if saved.ok:
            flash(f"Saved the invitation of {invitation.representative.name}.", "success")
            return redirect(
                url_for("events.show", event_id=event.id, _anchor=f"invitation-{invitation.id}")
            )
    return _render_show(event, status=422, row=(invitation_id, form))


@bp.post("/events/<int:event_id>/invitations/<int:invitation_id>/remove")
@login_required
def remove_invitation(event_id: int, invitation_id: int):
    event = found(queries.get_event(event_id))
    invitation = found(queries.get_invitation(event, invitation_id))
    actor = current_actor()
    require(actor, Action.EDIT, invitation)
    if not FlaskForm().validate_on_submit():
        return _render_show(event, status=422, message="The form was out of date; try again.")
    name = invitation.representative.name
    try:
        services.remove_invitation(actor, invitation)
    except DomainError as error:
        db.session.rollback()
        return _render_show(event, status=422, message=error.message)
    flash(f"Withdrew the invitation of {name}.", "success")
    return redirect(url_for("events.show", event_id=event.id, _anchor="invitations"))
