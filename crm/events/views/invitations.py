"""Inviting representatives to an event, their answers, and withdrawing an invitation."""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import login_required
from flask_wtf import FlaskForm

from crm.auth.permissions import Action
from crm.events import queries, services
from crm.events.forms import CandidateFilterForm, InvitationForm, InviteForm
from crm.events.models import Invitation, Rsvp
from crm.events.views.common import bp
from crm.events.views.event import button_write, render_show
from crm.forms import page_number
from crm.parliament import queries as parliament_queries
from crm.parliament.forms import chosen_id, offer_seat_filters
from crm.parliament.queries import RepresentativeFilters
from crm.saving import save
from crm.web import found, found_for, permitted

# --- Invitations --------------------------------------------------------------------------


@bp.route("/events/<int:event_id>/invitations/new", methods=["GET", "POST"])
@login_required
def invite(event_id: int):
    event = found(queries.get_event(event_id))
    actor = permitted(Action.CREATE, Invitation, state=event.state)
    filter_form = CandidateFilterForm(request.args)
    chambers, parties = parliament_queries.state_filter_choices(event.state)
    offer_seat_filters(filter_form, chambers, parties)
    filters_valid = filter_form.validate()
    form = InviteForm()
    if form.validate_on_submit():
        saved = save(
            form,
            lambda: services.invite(
                actor,
                event,
                form.representative.data,
                on=g.today,
                do_not_contact_reason=form.do_not_contact_given,
            ),
        )
        if saved.ok:
            invited = saved.value
            names = ", ".join(i.representative.name for i in invited[:5])
            if len(invited) > 5:
                message = ngettext(
                    "Invited %(names)s and %(num)d more.",
                    "Invited %(names)s and %(num)d more.",
                    len(invited) - 5,
                    names=names,
                )
            else:
                message = _("Invited %(names)s.", names=names)
            flash(message, "success")
            return redirect(url_for("events.show", event_id=event.id, _anchor="invitations"))
    filters = RepresentativeFilters(
        state=event.state,
        chamber_id=chosen_id(filter_form.chamber),
        party_id=chosen_id(filter_form.party),
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
    invitation, actor = found_for(Action.EDIT, queries.get_invitation(event, invitation_id))
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
            return render_show(
                event, status=409, conflict=saved.conflict, row=(invitation_id, form)
            )
        if saved.ok:
            flash(
                _("Saved the invitation of %(name)s.", name=invitation.representative.name),
                "success",
            )
            return redirect(
                url_for("events.show", event_id=event.id, _anchor=f"invitation-{invitation.id}")
            )
    return render_show(event, status=422, row=(invitation_id, form))


@bp.post("/events/<int:event_id>/invitations/<int:invitation_id>/remove")
@login_required
def remove_invitation(event_id: int, invitation_id: int):
    event = found(queries.get_event(event_id))
    invitation, actor = found_for(Action.EDIT, queries.get_invitation(event, invitation_id))
    return button_write(
        event,
        FlaskForm(),
        lambda: services.remove_invitation(actor, invitation),
        # Named now: the write deletes the invitation.
        _("Withdrew the invitation of %(name)s.", name=invitation.representative.name),
        anchor="invitations",
    )
