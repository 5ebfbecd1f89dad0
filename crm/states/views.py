"""A section's home page, the list of states, the state page, and the agreement with its
stages of ratification."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from crm.auth.models import Role
from crm.auth.permissions import Action
from crm.db import utcnow
from crm.errors import ValidationFailed
from crm.events import queries as event_queries
from crm.forms import requested_page
from crm.i18n import marked
from crm.parliament.models import Chamber, Committee
from crm.saving import form_status, save
from crm.states import home as home_reads
from crm.states import queries
from crm.states import services as state_services
from crm.states.forms import ACTION_FORMS, AgreementForm, MoveForm, StageForm
from crm.states.models import Agreement, AgreementStatus, RatificationRoute, Stage, StageKind, State
from crm.votes import queries as vote_queries
from crm.votes.models import VoteOption
from crm.web import current_actor, found, found_for, permitted

# How many of a state's next events its page lists.
UPCOMING_EVENTS = 5

bp = Blueprint("states", __name__)


@bp.get("/")
@login_required
def home():
    actor = current_actor()
    if actor.role is not Role.SECTION:
        # The dashboard is the home page of those who watch every state (SPEC §1).
        return redirect(url_for("risk.dashboard"))
    # A section member's day is their own states: what to log, plan, follow up and whom to
    # meet next, first, on a phone (the list of every state stays at /states).
    return render_template(
        "states/home.html",
        homes=home_reads.section_home(
            actor, queries.active_campaign(), g.today, utcnow(), reader=actor
        ),
        next_url=request.full_path.rstrip("?"),
    )


@bp.get("/states")
@login_required
def index():
    campaign = queries.active_campaign()
    pagination = queries.paginate_states(requested_page(), current_app.config["PAGE_SIZE"])
    rows = queries.states_overview(campaign, g.today, pagination.items)
    return render_template("states/index.html", campaign=campaign, rows=rows, pagination=pagination)


@bp.get("/states/<iso2>")
@login_required
def show(iso2: str):
    state = found(queries.get_state(iso2))
    if iso2 != state.iso2:
        return redirect(url_for("states.show", iso2=state.iso2), 301)
    campaign = queries.active_campaign()
    events = event_queries.upcoming_events(state, utcnow(), limit=UPCOMING_EVENTS)
    return render_template(
        "states/show.html",
        state=state,
        campaign=campaign,
        agreement=queries.agreement_for(state, campaign),
        chambers=queries.chamber_summaries(state, g.today),
        interactions=queries.recent_interactions(state),
        stance_records=queries.recent_stance_records(state, reader=current_user),
        events=events,
        late_events=event_queries.late_event_ids(events),
        follow_ups=queries.open_follow_up_count(state),
    )


# --- The agreement and its stages of ratification ----------------------------------------------


def _agreement_or_404(iso2: str) -> tuple[State, Agreement]:
    state = found(queries.get_state(iso2))
    return state, found(queries.agreement_for(state, queries.active_campaign()))


@bp.get("/states/<iso2>/agreement")
@login_required
def agreement(iso2: str):
    state, agreement = _agreement_or_404(iso2)
    if iso2 != state.iso2:
        return redirect(url_for("states.agreement", iso2=state.iso2), 301)
    return render_template(
        "states/agreement.html", state=state, agreement=agreement, campaign=agreement.campaign
    )


@bp.route("/states/<iso2>/agreement/edit", methods=["GET", "POST"])
@login_required
def edit_agreement(iso2: str):
    state, agreement = _agreement_or_404(iso2)
    actor = permitted(Action.EDIT, agreement)
    if request.method == "GET":
        form = AgreementForm(obj=agreement)
        form.version.data = str(agreement.version)
        form.status.data = agreement.status.value
        form.route.data = agreement.route.value
        probability = agreement.executive_probability
        form.executive_probability.data = (
            round(probability * 100) if probability is not None else None
        )
    else:
        form = AgreementForm()
    conflict = None
    if form.validate_on_submit():
        percent = form.executive_probability.data
        changes = {
            "status": AgreementStatus(form.status.data),
            "route": RatificationRoute(form.route.data),
            "route_note": form.route_note.data,
            "signed_on": form.signed_on.data,
            "executive_probability": percent / 100 if percent is not None else None,
            "notes": form.notes.data,
        }
        saved = save(
            form,
            lambda: state_services.update_agreement(
                actor, agreement, changes, expected_version=form.expected_version
            ),
        )
        if saved.ok:
            flash(_("Saved the agreement of %(state)s.", state=state.name), "success")
            return redirect(url_for("states.agreement", iso2=state.iso2))
        conflict = saved.conflict
    status = form_status(conflict)
    return render_template(
        "states/agreement_edit.html", state=state, agreement=agreement, form=form, conflict=conflict
    ), status


def _place_from(form: StageForm) -> tuple[Chamber | None, Committee | None]:
    """The chamber and committee chosen in a stage form (unknown ids are refused)."""
    chamber = committee = None
    if form.chamber.data:
        chamber = vote_queries.get_chamber(int(form.chamber.data))
        if chamber is None:
            raise ValidationFailed(_("There is no such chamber."), field="chamber")
    if form.committee.data:
        committee = vote_queries.get_committee(int(form.committee.data))
        if committee is None:
            raise ValidationFailed(_("There is no such committee."), field="committee")
    return chamber, committee


def _position_from(form: StageForm) -> int | None:
    return form.position.data - 1 if form.position.data is not None else None


@bp.route("/states/<iso2>/stages/new", methods=["GET", "POST"])
@login_required
def new_stage(iso2: str):
    state, agreement = _agreement_or_404(iso2)
    actor = permitted(Action.CREATE, Stage, state=state)
    form = StageForm()
    form.set_choices(vote_queries.chambers_with_committees(state.id))
    if form.validate_on_submit():

        def write() -> Stage:
            chamber, committee = _place_from(form)
            return state_services.add_stage(
                actor,
                agreement,
                kind=StageKind(form.kind.data),
                chamber=chamber,
                committee=committee,
                scheduled_on=form.scheduled_on.data,
                notes=form.notes.data,
                position=_position_from(form),
            )

        saved = save(form, write)
        if saved.ok:
            flash(_("Added the stage “%(stage)s”.", stage=saved.value.kind.label), "success")
            return redirect(url_for("states.agreement", iso2=state.iso2))
    status = form_status()
    return render_template(
        "states/stage_form.html", state=state, agreement=agreement, stage=None, form=form
    ), status


@bp.get("/stages/<int:stage_id>")
@login_required
def stage(stage_id: int):
    return _render_stage(found(vote_queries.get_stage(stage_id)))


def _render_stage(stage: Stage, posted=None, conflict=None, status: int = 200):
    """The stage page, with one form per action (the posted one keeps its input)."""
    forms = {}
    for name, form_class in ACTION_FORMS.items():
        if posted is not None and posted._prefix == f"{name}-":
            forms[name] = posted
            continue
        form = form_class(prefix=name, formdata=None)
        form.version.data = str(stage.version)
        forms[name] = form
    vote_event = stage.vote_event
    return render_template(
        "states/stage.html",
        stage=stage,
        agreement=stage.agreement,
        state=stage.agreement.state,
        forms=forms,
        posted=posted,
        conflict=conflict,
        vote_event=vote_event,
        counts=vote_queries.counts_of(vote_event),
        roll_call=vote_queries.votes_by_party(vote_event),
        options=list(VoteOption),
    ), status


@bp.route("/stages/<int:stage_id>/edit", methods=["GET", "POST"])
@login_required
def edit_stage(stage_id: int):
    stage, actor = found_for(Action.EDIT, vote_queries.get_stage(stage_id))
    agreement = stage.agreement
    form = StageForm()
    form.set_choices(vote_queries.chambers_with_committees(agreement.state_id))
    if request.method == "GET":
        form.version.data = str(stage.version)
        form.kind.data = stage.kind.value
        form.chamber.data = str(stage.chamber_id) if stage.chamber_id else ""
        form.committee.data = str(stage.committee_id) if stage.committee_id else ""
        form.scheduled_on.data = stage.scheduled_on
        form.notes.data = stage.notes
        form.position.data = agreement.stages.index(stage) + 1
    conflict = None
    if form.validate_on_submit():

        def write() -> None:
            chamber, committee = _place_from(form)
            state_services.update_stage(
                actor,
                stage,
                {
                    "kind": StageKind(form.kind.data),
                    "chamber": chamber,
                    "committee": committee,
                    "scheduled_on": form.scheduled_on.data,
                    "notes": form.notes.data,
                    "position": _position_from(form),
                },
                expected_version=form.expected_version,
            )

        saved = save(form, write)
        if saved.ok:
            flash(_("Saved the stage “%(stage)s”.", stage=stage.kind.label), "success")
            return redirect(url_for("states.stage", stage_id=stage.id))
        conflict = saved.conflict
    status = form_status(conflict)
    return render_template(
        "states/stage_form.html",
        state=agreement.state,
        agreement=agreement,
        stage=stage,
        form=form,
        conflict=conflict,
    ), status


# What each action says once done; %(stage)s is the stage's kind.
_ACTION_DONE = {
    "schedule": marked("Scheduled: %(stage)s."),
    "postpone": marked("Postponed: %(stage)s."),
    "hold": marked("Marked as held: %(stage)s."),
    "cancel": marked("Cancelled: %(stage)s."),
}


@bp.post("/stages/<int:stage_id>/<any(schedule, postpone, hold, cancel):action>")
@login_required
def stage_action(stage_id: int, action: str):
    stage, actor = found_for(Action.EDIT, vote_queries.get_stage(stage_id))
    form = ACTION_FORMS[action](prefix=action)
    if not form.validate_on_submit():
        return _render_stage(stage, posted=form, status=422)
    expected = form.expected_version

    def act() -> None:
        if action == "schedule":
            state_services.schedule_stage(actor, stage, form.on.data, expected_version=expected)
        elif action == "postpone":
            state_services.postpone_stage(actor, stage, form.on.data, expected_version=expected)
        elif action == "hold":
            state_services.hold_stage(actor, stage, form.on.data, expected_version=expected)
        else:
            state_services.cancel_stage(actor, stage, expected_version=expected)

    saved = save(form, act)
    if not saved.ok:
        return _render_stage(
            found(vote_queries.get_stage(stage_id)),
            posted=form,
            conflict=saved.conflict,
            status=form_status(saved.conflict),
        )
    flash(_(_ACTION_DONE[action], stage=stage.kind.label), "success")
    return redirect(url_for("states.stage", stage_id=stage.id))


@bp.post("/stages/<int:stage_id>/move")
@login_required
def move_stage(stage_id: int):
    stage, actor = found_for(Action.EDIT, vote_queries.get_stage(stage_id))
    form = MoveForm()
    if not form.validate_on_submit():
        raise ValidationFailed(_("Move a stage up or down."))
    iso2 = stage.agreement.state.iso2
    up, name = form.direction.data == "up", stage.kind.label
    if not state_services.move_stage(actor, stage, form.direction.data):
        if up:
            flash(_("“%(stage)s” is already the first stage.", stage=name), "info")
        else:
            flash(_("“%(stage)s” is already the last stage.", stage=name), "info")
    elif up:
        flash(_("Moved “%(stage)s” up.", stage=name), "success")
    else:
        flash(_("Moved “%(stage)s” down.", stage=name), "success")
    return redirect(url_for("states.agreement", iso2=iso2, _anchor="stages"))
