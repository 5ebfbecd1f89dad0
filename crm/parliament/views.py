"""The representative list and the representative page."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from wtforms.fields import SelectChoice

from crm.auth.permissions import Action, require
from crm.errors import Conflict, DomainError
from crm.extensions import db
from crm.forms import show_error
from crm.parliament import queries, services
from crm.parliament.forms import RepresentativeFilterForm, RepresentativeForm, StanceForm
from crm.parliament.models import (
    Confidence,
    Representative,
    Stance,
    StanceRecord,
    StanceSource,
)
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


def _representative_or_404(representative_id: int) -> Representative:
    representative = queries.get_representative(representative_id)
    if representative is None:
        abort(404)
    return representative


@bp.route("/representatives/<int:representative_id>/edit", methods=["GET", "POST"])
@login_required
def edit(representative_id: int):
    rep = _representative_or_404(representative_id)
    actor = current_user._get_current_object()
    require(actor, Action.EDIT, rep)
    form = RepresentativeForm(obj=rep)
    if request.method == "GET":
        form.version.data = str(rep.version)
    conflict = None
    if form.validate_on_submit():
        changes = {name: getattr(form, name).data for name in services.EDITABLE_FIELDS}
        try:
            services.update_representative(
                actor, rep, changes, expected_version=form.expected_version
            )
        except Conflict as error:
            db.session.rollback()
            conflict = error
            form.version.data = str(error.changes["current_version"])
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(f"Saved {rep.name}.", "success")
            return redirect(url_for("parliament.show", representative_id=rep.id))
    status = 409 if conflict else (422 if request.method == "POST" else 200)
    return render_template("parliament/edit.html", rep=rep, form=form, conflict=conflict), status


@bp.route("/representatives/<int:representative_id>/stances/new", methods=["GET", "POST"])
@login_required
def new_stance(representative_id: int):
    rep = _representative_or_404(representative_id)
    actor = current_user._get_current_object()
    require(actor, Action.CREATE, StanceRecord, state=rep.state)
    form = StanceForm()
    if request.method == "GET":
        form.observed_on.data = g.today
    if form.validate_on_submit():
        try:
            services.record_stance(
                actor,
                rep,
                stance=Stance(form.stance.data),
                source=StanceSource(form.source.data),
                confidence=Confidence(form.confidence.data),
                observed_on=form.observed_on.data,
                note=form.note.data,
            )
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(f"Recorded {rep.name}'s stance.", "success")
            return redirect(url_for("parliament.show", representative_id=rep.id))
    status = 422 if request.method == "POST" else 200
    return render_template("parliament/stance_form.html", rep=rep, form=form), status
