"""Pages of the votes feature: recording the vote held at a stage."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from crm.auth.permissions import Action
from crm.saving import form_status, save
from crm.states.models import StageResult, StageStatus
from crm.votes import queries, services
from crm.votes.forms import vote_form_class
from crm.votes.models import VoteEvent
from crm.web import permitted

bp = Blueprint("votes", __name__)


@bp.route("/stages/<int:stage_id>/vote", methods=["GET", "POST"])
@login_required
def record(stage_id: int):
    stage = queries.get_stage(stage_id)
    if stage is None or not stage.kind.is_vote:
        abort(404)
    state = stage.agreement.state
    actor = permitted(Action.CREATE, VoteEvent, state=state)
    # The grid lists today's members (and anyone with a vote already recorded); the same
    # rows are built for the POST, so only their fields are read from the request.
    groups = queries.roll_call_groups(stage, g.today)
    form = vote_form_class(groups)()
    vote_event = stage.vote_event
    if request.method == "GET":
        _fill(form, stage, vote_event)
    conflict = None
    if form.validate_on_submit():
        members = {m.id: m for group in groups for m in group.members}
        saved = save(
            form,
            lambda: services.record_vote(
                actor,
                stage,
                held_on=form.held_on.data,
                result=StageResult(form.result.data),
                counts=form.counts(),
                roll_call={members[i]: option for i, option in form.roll_call().items()},
                motion=form.motion.data,
                source=form.source.data,
                expected_version=form.expected_version,
            ),
        )
        if saved.ok:
            flash(_("Saved the vote: %(stage)s.", stage=stage.kind.label), "success")
            return redirect(url_for("states.stage", stage_id=stage_id))
        conflict = saved.conflict
        # The rollback expired every loaded row: reload them in a fixed number of queries.
        stage = queries.get_stage(stage_id)
        groups = queries.roll_call_groups(stage, g.today)
    status = form_status(conflict)
    return render_template(
        "votes/record.html",
        stage=stage,
        state=stage.agreement.state,
        form=form,
        groups=groups,
        conflict=conflict,
        seats=stage.chamber.seats if stage.chamber is not None else None,
    ), status


def _fill(form, stage, vote_event: VoteEvent | None) -> None:
    """Open the form on what is recorded (or sensible defaults for a first recording)."""
    form.version.data = str(stage.version)
    if vote_event is None:
        scheduled = stage.scheduled_on
        form.held_on.data = scheduled if scheduled and scheduled <= g.today else g.today
        if stage.status is StageStatus.HELD and stage.held_on:
            form.held_on.data = stage.held_on
        form.result.data = stage.result.value if stage.result else ""
        return
    form.held_on.data = vote_event.held_on or stage.held_on
    form.result.data = stage.result.value if stage.result else (vote_event.result or "")
    form.motion.data = vote_event.motion
    form.source.data = vote_event.source
    for option, value in queries.counts_of(vote_event).items():
        form[f"count_{option.value}"].data = value
    for vote in vote_event.votes:
        field = form._fields.get(f"rep_{vote.representative_id}")
        if field is not None:
            field.data = vote.option.value
