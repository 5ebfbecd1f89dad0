"""One event: its page, its form (new and edit), and cancelling, archiving or restoring it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms.fields import SelectChoice

from crm.auth.permissions import Action
from crm.dates import format_when
from crm.db import utcnow
from crm.errors import Conflict, DomainError
from crm.events import queries, services
from crm.events.forms import FOLD_CHOICES, ActionForm, EventForm, InvitationForm, NewEventForm
from crm.events.models import Event, EventKind, EventStatus, Invitation
from crm.events.views.common import bp
from crm.extensions import db
from crm.i18n import marked
from crm.parliament import queries as parliament_queries
from crm.saving import form_status, save, save_once
from crm.states import queries as state_queries
from crm.states.models import State
from crm.web import found, found_for, permitted

# --- One event ----------------------------------------------------------------------------


@bp.get("/events/<int:event_id>")
@login_required
def show(event_id: int):
    return render_show(found(queries.get_event(event_id)))


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


def render_show(
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
            _(
                "Note: this event starts after the %(stage)s it aims at (%(date)s). The "
                "campaign wants events before the vote.",
                stage=event.stage.kind.label.lower(),
                date=format_when(day, "%d %b %Y"),
            ),
            "warning",
        )


@bp.route("/states/<iso2>/events/new", methods=["GET", "POST"])
@login_required
def new(iso2: str):
    state = found(state_queries.get_state(iso2))
    actor = permitted(Action.CREATE, Event, state=state)
    stages = queries.stages_of(state)
    form = NewEventForm()
    form.set_choices(sections=state.sections, stages=stages, current_status=None)
    if request.method == "GET":
        own = next((s for s in state.sections if s in actor.sections), None)
        form.section.data = str(own.id) if own else ""
        form.status.data = EventStatus.PLANNED.value
        form.city.data = state.capital
    ambiguous = _ambiguity(form, state.timezone)
    if form.validate_on_submit():
        saved = save_once(
            form,
            lambda: services.create_event(actor, state, _values(form, state, stages)),
            location=lambda event: url_for("events.show", event_id=event.id),
            already=_("This event was already saved."),
        )
        if saved.ok:
            if not saved.replayed:
                flash(_("Planned “%(title)s”.", title=saved.value.title), "success")
                _flash_if_late(saved.value)
            return redirect(saved.location)
    status = form_status()
    return render_template(
        "events/form.html", state=state, event=None, form=form, ambiguous=ambiguous, conflict=None
    ), status


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@login_required
def edit(event_id: int):
    event, actor = found_for(Action.EDIT, queries.get_event(event_id))
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
            flash(_("Saved “%(title)s”.", title=event.title), "success")
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


def button_write(
    event: Event,
    form: FlaskForm,
    write: Callable[[], object],
    done: str,
    *,
    anchor: str | None = None,
):
    """A one-button write from the event's page, then back to it (at `anchor`). A form out
    of date, a conflict or a refusal shows the page again, with what went wrong."""
    if not form.validate_on_submit():
        return render_show(event, status=422, message=_("The form was out of date; try again."))
    try:
        write()
    except Conflict as error:
        db.session.rollback()
        return render_show(event, status=409, conflict=error)
    except DomainError as error:
        db.session.rollback()
        return render_show(event, status=422, message=error.message)
    flash(done, "success")
    return redirect(url_for("events.show", event_id=event.id, _anchor=anchor))


def _event_action(event_id: int, permission: Action, act, done: str):
    """Run a one-button action on the event (cancel, archive, restore); `done` is marked for
    the catalogs, said with the event's title as %(title)s."""
    event, actor = found_for(permission, queries.get_event(event_id))
    form = ActionForm()
    return button_write(
        event,
        form,
        lambda: act(actor, event, expected_version=form.expected_version),
        _(done, title=event.title),
    )


@bp.post("/events/<int:event_id>/cancel")
@login_required
def cancel(event_id: int):
    return _event_action(
        event_id,
        Action.EDIT,
        services.cancel_event,
        marked("Cancelled “%(title)s”. It stays in the lists, marked cancelled."),
    )


@bp.post("/events/<int:event_id>/archive")
@login_required
def archive(event_id: int):
    return _event_action(
        event_id,
        Action.ARCHIVE,
        services.archive_event,
        marked("Archived “%(title)s”. An administrator can restore it."),
    )


@bp.post("/events/<int:event_id>/restore")
@login_required
def restore(event_id: int):
    return _event_action(
        event_id,
        Action.RESTORE,
        lambda actor, event, expected_version: services.restore_event(actor, event),
        marked("Restored “%(title)s”."),
    )
