"""The representative list, the representative page, and the list of archived records."""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields import SelectChoice

from crm.auth.permissions import Action, may, require
from crm.events import queries as event_queries
from crm.forms import page_number, requested_page
from crm.parliament import queries
from crm.parliament.forms import RepresentativeFilterForm, chosen_id, offer_seat_filters
from crm.parliament.models import Representative, Stance
from crm.parliament.queries import RepresentativeFilters
from crm.parliament.views.common import bp
from crm.web import current_actor, found


@bp.get("/representatives")
@login_required
def index():
    form = RepresentativeFilterForm(request.args)
    states = queries.all_states()
    state = next((s for s in states if s.iso2 == (form.state.data or "").upper()), None)
    chambers, parties = queries.state_filter_choices(state)
    form.state.choices = [SelectChoice("", _("All states"))] + [
        SelectChoice(s.iso2, s.name) for s in states
    ]
    offer_seat_filters(form, chambers, parties)
    if form.state.data:
        form.state.data = form.state.data.upper()
    valid = form.validate()
    if form.state.errors:
        state = None
    filters = RepresentativeFilters(
        state=state,
        chamber_id=chosen_id(form.chamber),
        party_id=chosen_id(form.party),
        stance=Stance(form.stance.data) if form.stance.data and not form.stance.errors else None,
        q=(form.q.data or "") if not form.q.errors else "",
        include_former=bool(form.former.data),
    )
    page = page_number(form)
    pagination = queries.paginate_representatives(
        filters, g.today, page, current_app.config["PAGE_SIZE"], current_app.config["COUNT_CAP"]
    )
    ids = [r.id for r in pagination.items]
    status = 200 if valid else 400
    return render_template(
        "parliament/index.html",
        form=form,
        filters=filters,
        pagination=pagination,
        seats=queries.current_seats(ids, g.today),
        last_contacts=queries.last_contacts(ids, reader=current_user),
    ), status


@bp.get("/representatives/<int:representative_id>")
@login_required
def show(representative_id: int):
    representative = found(queries.get_representative_page(representative_id))
    if representative.merged_into_id is not None:
        # A merged-away record's links (bookmarks, old contacts) lead to the kept one.
        flash(_("That record was merged into this one."), "info")
        return redirect(url_for("parliament.show", representative_id=representative.merged_into_id))
    reader = current_actor()
    may_restore = may(reader, Action.RESTORE, representative)
    return render_template(
        "parliament/show.html",
        rep=representative,
        stance_records=queries.stance_history(representative, reader=reader),
        contacts=queries.contacts(representative, reader=reader),
        follow_ups=queries.open_follow_ups(representative, reader=reader),
        invitations=event_queries.invitations_of_representative(representative),
        # Stances archived as recorded in error, for those who may restore them.
        archived_stances=queries.archived_stance_records(representative) if may_restore else [],
    )


@bp.get("/representatives/archived")
@login_required
def archived():
    # Only those who may restore see what there is to restore.
    require(current_actor(), Action.RESTORE, Representative)
    pagination = queries.paginate_archived_representatives(
        requested_page(), current_app.config["PAGE_SIZE"]
    )
    return render_template(
        "parliament/archived.html",
        pagination=pagination,
        stance_records=queries.archived_stance_records(),
    )
