"""Follow-ups: the reader's and a state's lists, the form, and marking one done, cancelled or
open again."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from wtforms.fields import SelectChoice

from crm.auth.models import User
from crm.auth.permissions import Action
from crm.extensions import db
from crm.forms import page_number
from crm.interactions import queries, services
from crm.interactions.forms import (
    FollowUpForm,
    MyFollowUpFilterForm,
    StateFollowUpFilterForm,
    StatusForm,
    ids_from,
)
from crm.interactions.models import FollowUp, FollowUpStatus
from crm.interactions.views.common import assignee_choices, bp, state_or_404
from crm.parliament.models import Representative
from crm.parliament.queries import all_states
from crm.saving import flash_outcome, form_status, save
from crm.states.models import State
from crm.web import current_actor, found, found_for, permitted, safe_next


def _follow_up_context() -> dict[str, Any]:
    return {"status_form": StatusForm(), "next_url": request.full_path.rstrip("?")}


# How many of the reader's follow-ups "my follow-ups" lists, open and closed.
MY_OPEN = 200
MY_CLOSED = 50


@bp.get("/follow-ups")
@login_required
def follow_ups_mine():
    actor = current_actor()
    form = MyFollowUpFilterForm(request.args)
    states = all_states()
    form.state.choices = [SelectChoice("", _("All states"))] + [
        SelectChoice(s.iso2, s.name) for s in states
    ]
    if form.state.data:
        form.state.data = form.state.data.strip().upper()
    valid = form.validate()
    # A bad filter is ignored, with its message next to it: the list stays in sight.
    state = None
    if form.state.data and not form.state.errors:
        state = next(s for s in states if s.iso2 == form.state.data)
    text = form.q.data if not form.q.errors else None
    open_stmt = queries.follow_ups_select(
        state, FollowUpStatus.OPEN, actor, g.today, title=text, reader=actor
    )
    closed_stmt = queries.follow_ups_select(state, None, actor, None, title=text, reader=actor)
    return render_template(
        "interactions/my_follow_ups.html",
        form=form,
        filtered=bool(state or text),
        open_items=db.session.scalars(open_stmt.limit(MY_OPEN)).all(),
        closed_items=db.session.scalars(closed_stmt.limit(MY_CLOSED)).all(),
        closed_limit=MY_CLOSED,
        **_follow_up_context(),
    ), (200 if valid else 400)


@bp.get("/states/<iso2>/follow-ups")
@login_required
def follow_ups_state(iso2: str):
    state = state_or_404(iso2)
    form = StateFollowUpFilterForm(request.args)
    valid = form.validate()
    status = FollowUpStatus(form.status.data) if not form.status.errors else FollowUpStatus.OPEN
    text = form.q.data if not form.q.errors else None
    page = page_number(form)
    stmt = queries.follow_ups_select(
        state, status, None, g.today, title=text, reader=current_actor()
    )
    pagination = db.paginate(
        stmt, page=page, per_page=current_app.config["PAGE_SIZE"], error_out=False
    )
    return render_template(
        "interactions/state_follow_ups.html",
        state=state,
        form=form,
        status=status,
        text=text,
        pagination=pagination,
        counts=queries.follow_up_counts(state, g.today),
        args={"iso2": state.iso2, "status": status.value} | ({"q": text} if text else {}),
        **_follow_up_context(),
    ), (200 if valid else 400)


# --- Follow-ups on their own ---------------------------------------------------------------


def _configure_follow_up_form(
    form: FollowUpForm, state: State, keep_assignee: User | None = None
) -> None:
    _people, form.assignee.choices = assignee_choices(
        state, [keep_assignee] if keep_assignee else []
    )
    choices = [SelectChoice("", _("%(state)s in general", state=state.name))]
    for group in queries.current_members(state, g.today):
        choices += [
            SelectChoice(str(r.id), r.name, optgroup=group.chamber.name)
            for r in group.representatives
        ]
    form.representative.choices = choices


def _ensure_choice(form: FollowUpForm, representative: Representative | None) -> None:
    """Keep a representative who has left parliament choosable on their follow-up."""
    if representative is None:
        return
    if all(c.value != str(representative.id) for c in form.representative.choices):
        form.representative.choices.append(
            SelectChoice(str(representative.id), representative.name, optgroup=_("Others"))
        )


@bp.route("/follow-ups/new", methods=["GET", "POST"])
@login_required
def follow_up_new():
    state = state_or_404(request.args.get("state", ""))
    actor = permitted(Action.CREATE, FollowUp, state=state)
    form = FollowUpForm()
    _configure_follow_up_form(form, state)
    if request.method == "GET":
        form.assignee.data = actor.id
        wanted = ids_from(request.args.getlist("representative"))[:1]
        rep = queries.representatives_by_ids(wanted).get(wanted[0]) if wanted else None
        if rep is not None and rep.state_id == state.id:
            form.representative.data = rep.id
            _ensure_choice(form, rep)
    elif form.validate_on_submit():
        saved = save(
            form,
            lambda: services.create_follow_up(
                actor,
                state,
                title=form.title.data,
                details=form.details.data,
                due_on=form.due_on.data,
                assignee_id=form.assignee.data,
                representative_id=form.representative.data,
            ),
        )
        if saved.ok:
            follow_up = saved.value
            flash(_("Follow-up added."), "success")
            if follow_up.representative_id:
                return redirect(
                    url_for("parliament.show", representative_id=follow_up.representative_id)
                )
            return redirect(url_for("interactions.follow_ups_state", iso2=state.iso2))
    return render_template(
        "interactions/follow_up_form.html", state=state, form=form, follow_up=None, conflict=None
    ), form_status()


@bp.route("/follow-ups/<int:follow_up_id>/edit", methods=["GET", "POST"])
@login_required
def follow_up_edit(follow_up_id: int):
    follow_up, actor = found_for(Action.EDIT, queries.get_follow_up(follow_up_id))
    state = follow_up.state
    form = FollowUpForm(obj=follow_up)
    _configure_follow_up_form(form, state, keep_assignee=follow_up.assignee)
    _ensure_choice(form, follow_up.representative)
    saved = None
    if request.method == "GET":
        form.version.data = str(follow_up.version)
        form.assignee.data = follow_up.assignee_id
        form.representative.data = follow_up.representative_id
    elif form.validate_on_submit():
        changes = {
            "title": form.title.data,
            "details": form.details.data,
            "due_on": form.due_on.data,
            "assignee_id": form.assignee.data,
            "representative_id": form.representative.data,
        }
        saved = save(
            form,
            lambda: services.update_follow_up(
                actor, follow_up, changes, expected_version=form.expected_version
            ),
        )
        if saved.ok:
            flash(_("Follow-up saved."), "success")
            return redirect(url_for("interactions.follow_ups_state", iso2=state.iso2))
    conflict = saved.conflict if saved is not None else None
    if saved is not None:
        # The rollback expired the record: load it again for the page.
        follow_up = found(queries.get_follow_up(follow_up_id))
    return render_template(
        "interactions/follow_up_form.html",
        state=follow_up.state,
        form=form,
        follow_up=follow_up,
        conflict=conflict,
    ), form_status(conflict)


def _set_status(follow_up_id: int, status: FollowUpStatus, done_message: str):
    follow_up, actor = found_for(Action.EDIT, queries.get_follow_up(follow_up_id))
    form = StatusForm()
    if not form.validate_on_submit():
        abort(400)
    back = safe_next(form.next.data, url_for("interactions.follow_ups_mine"))
    flash_outcome(lambda: services.set_follow_up_status(actor, follow_up, status), done_message)
    return redirect(back)


@bp.post("/follow-ups/<int:follow_up_id>/done")
@login_required
def follow_up_done(follow_up_id: int):
    return _set_status(follow_up_id, FollowUpStatus.DONE, _("Follow-up marked done."))


@bp.post("/follow-ups/<int:follow_up_id>/cancel")
@login_required
def follow_up_cancel(follow_up_id: int):
    return _set_status(follow_up_id, FollowUpStatus.CANCELLED, _("Follow-up cancelled."))


@bp.post("/follow-ups/<int:follow_up_id>/reopen")
@login_required
def follow_up_reopen(follow_up_id: int):
    return _set_status(follow_up_id, FollowUpStatus.OPEN, _("Follow-up reopened."))
