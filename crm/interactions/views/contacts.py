"""Logging a contact (with the stances seen and follow-ups agreed), one contact, its archive, and
a state's list of contacts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from crm.auth.models import User
from crm.auth.permissions import Action, may, restricted_readable_states
from crm.errors import DomainError
from crm.forms import page_number, show_error
from crm.interactions import queries, services
from crm.interactions.forms import (
    InteractionEditForm,
    InteractionFilterForm,
    InteractionForm,
    StanceEntryForm,
    StatusForm,
    ids_from,
    now_local,
    to_local,
)
from crm.interactions.models import Confidentiality, Interaction, InteractionKind
from crm.interactions.views.common import assignee_choices, bp, state_or_404
from crm.parliament.models import Confidence, Representative
from crm.saving import flash_outcome, form_status, save, save_once
from crm.states.models import State
from crm.web import current_actor, found, found_for, permitted

# --- The contact form --------------------------------------------------------------------


class Picker:
    """What the representative picker of a contact form shows.

    `chosen` are the people already in the contact (ticked, or left with a stance to
    untick); `matches` the result of a name search; `groups` every current member by
    chamber when there is no search. Each is a `queries.Candidate`: name, seat, party,
    constituency, names in other scripts, so that two people of one name are told apart.
    """

    def __init__(
        self,
        state: State,
        chosen_ids: list[int],
        ticked: set[int],
        q: str,
        *,
        keep: Sequence[Representative] = (),
        results_only: bool = False,
    ) -> None:
        # A form holds at most 50 people; more ids than that are not worth a query.
        chosen_ids = chosen_ids[:100]
        found = queries.representatives_by_ids(chosen_ids)
        kept = {r.id for r in keep}
        chosen = [
            found[i]
            for i in chosen_ids
            if i in found
            and found[i].state_id == state.id
            and (found[i].archived_at is None or i in kept)
        ]
        self.ticked = ticked
        self.q = q.strip()
        self.chosen_ids = {r.id for r in chosen}
        matches = (
            [r for r in queries.find_representatives(state, self.q) if r.id not in self.chosen_ids]
            if self.q
            else []
        )
        # The results alone (the picker's script asking as a name is typed) need the chosen
        # people's ids, to leave them out, not what the form shows of them.
        shown = [] if results_only else chosen
        details = queries.candidates([*shown, *matches], g.today)
        self.chosen = details[: len(shown)]
        self.matches = details[len(shown) :]
        self.groups = [] if self.q else queries.member_candidates(state, g.today)
        # Whoever chosen asked not to be contacted: the form asks for a confirmation (not
        # again for someone an edited contact already names).
        self.flagged = [c.rep for c in self.chosen if c.rep.do_not_contact and c.rep.id not in kept]


def _configure_people(form: Any, state: State, keep: Sequence[User] = ()) -> list[User]:
    people, choices = assignee_choices(state, keep)
    for entry in getattr(form, "follow_ups", []):
        entry.form.assignee.choices = choices
    form.timezone = state.timezone
    return people


def _sync_stance_entries(form: InteractionForm, picker: Picker) -> dict[int, Any]:
    """One stance entry per person in the picker's chosen list; returns them by person.

    Someone ticked as met but given no stance choice is named next to theirs: the save
    was refused rather than the stance silently lost.
    """
    entries = {}
    for entry in form.stances:
        rep_id = entry.form.representative_id
        if rep_id is not None and rep_id not in entries:
            entries[rep_id] = entry
    for candidate in picker.chosen:
        rep = candidate.rep
        if rep.id not in entries and len(form.stances) < form.stances.max_entries:
            entries[rep.id] = form.stances.append_entry({"representative": str(rep.id)})
    missing = set(getattr(form, "stance_missing", []))
    for candidate in picker.chosen:
        entry = entries.get(candidate.rep.id)
        if candidate.rep.id in missing and entry is not None:
            entry.form.stance.errors = [
                _(
                    "Choose the stance %(name)s showed, or “No stance seen”.",
                    name=candidate.rep.name,
                )
            ]
    errors = [entry.errors for entry in form.stances.entries]
    form.stances.errors = errors if any(errors) else []
    return entries


def _stances_seen(form: InteractionForm) -> list[services.StanceSeen]:
    """The stances chosen (a person met with "No stance seen" has no record)."""
    seen = []
    for entry in form.stances:
        stance, rep_id = entry.form.stance_seen, entry.form.representative_id
        if stance is not None and rep_id is not None:
            seen.append(
                services.StanceSeen(
                    representative_id=rep_id,
                    stance=stance,
                    confidence=Confidence(entry.form.confidence.data),
                )
            )
    return seen


def _show_list_error(form: Any, error: DomainError) -> None:
    # Errors about a whole list of sub-forms have no single field to sit next to.
    if error.field in ("stances", "follow_ups"):
        form.form_errors.append(error.message)
    else:
        show_error(form, error)


@bp.route("/states/<iso2>/interactions/new", methods=["GET", "POST"])
@login_required
def new(iso2: str):
    state = state_or_404(iso2)
    actor = permitted(Action.CREATE, Interaction, state=state)
    form = InteractionForm()
    people = _configure_people(form, state)
    refining = request.method == "POST" and "refine" in request.form
    if request.method == "GET":
        form.occurred_at.data = now_local(state.timezone)
        form.participants.data = [actor.id]
        for entry in form.follow_ups:
            entry.form.assignee.data = actor.id
        wanted = ids_from(request.args.getlist("representative")[:50])
        found = queries.representatives_by_ids(wanted)
        form.representatives.data = [
            i for i in wanted if i in found and found[i].state_id == state.id
        ]
        if len(form.representatives.data) != len(wanted):
            form.representatives.errors = [
                _(
                    "Only representatives of %(state)s can be chosen here; "
                    "the others in the link were left out.",
                    state=state.name,
                )
            ]
        form.q.data = (request.args.get("q") or "")[:100]
    elif refining or not form.validate_on_submit():
        pass  # shown again: with the people ticked added, or with its errors
    elif form.stance_missing:
        # Someone ticked has no stance choice: refused (nothing written), and the form
        # comes back with a stance choice beside each of them (_sync_stance_entries).
        try:
            services.representatives_met(state, form.representatives.data)
        except DomainError as error:
            show_error(form, error)
    else:
        saved = save_once(
            form,
            lambda: services.record_interaction(
                actor,
                state,
                occurred_at=form.occurred_at_utc,
                kind=InteractionKind(form.kind.data),
                representative_ids=form.representatives.data,
                participant_ids=form.participants.data,
                summary=form.summary.data,
                outcome=form.outcome.data,
                confidentiality=Confidentiality(form.confidentiality.data),
                stances=_stances_seen(form),
                follow_ups=[
                    services.FollowUpDraft(
                        title=entry.form.title.data,
                        due_on=entry.form.due_on.data,
                        assignee_id=entry.form.assignee.data,
                    )
                    for entry in form.follow_ups
                    if (entry.form.title.data or "").strip()
                ],
                # Given only with the confirmation ticked: a reason alone is not a "yes".
                do_not_contact_reason=form.do_not_contact_given,
            ),
            show=_show_list_error,
            location=lambda created: url_for("interactions.show", interaction_id=created.id),
            already=_("This contact was already saved."),
        )
        if saved.ok:
            if not saved.replayed:
                flash(_("Contact saved."), "success")
            return redirect(saved.location)
    # Refining the choice of people is not a refusal: the form is simply shown again.
    status = 200 if refining else form_status()
    ticked = set(form.representatives.data or [])
    stance_ids = [e.form.representative_id for e in form.stances]
    chosen_ids = list(dict.fromkeys([*(form.representatives.data or []), *stance_ids]))
    picker = Picker(state, [i for i in chosen_ids if i is not None], ticked, form.q.data or "")
    stance_entries = _sync_stance_entries(form, picker)
    return _form_page(form, state, picker, people, status, stance_entries=stance_entries)


@bp.get("/states/<iso2>/interactions/people")
@login_required
def people(iso2: str):
    """The picker's results for a name (or every member by chamber), as a fragment of the
    contact form: the picker's script asks for it as the name is typed."""
    state = state_or_404(iso2)
    permitted(Action.CREATE, Interaction, state=state)
    # The people already in the form are not offered again.
    chosen = ids_from(request.args.getlist("chosen")[:50])
    picker = Picker(state, chosen, set(), (request.args.get("q") or "")[:100], results_only=True)
    return render_template("interactions/_picker_results.html", picker=picker, state=state)


@bp.get("/interactions/<int:interaction_id>")
@login_required
def show(interaction_id: int):
    interaction = found(queries.get_interaction(interaction_id))
    allowed = may(current_actor(), Action.VIEW, interaction)
    return render_template(
        "interactions/show.html",
        interaction=interaction,
        state=interaction.state,
        allowed=allowed,
        stance_records=queries.interaction_stance_records(interaction) if allowed else [],
        form=StatusForm(),
    )


@bp.route("/interactions/<int:interaction_id>/edit", methods=["GET", "POST"])
@login_required
def edit(interaction_id: int):
    interaction, actor = found_for(Action.EDIT, queries.get_interaction(interaction_id))
    state = interaction.state
    form = InteractionEditForm(obj=interaction)
    # The stored time is UTC; the form speaks the state's wall-clock time, also for a post
    # that leaves the field out (which keeps it, as it keeps every field left out).
    if request.method == "GET" or "occurred_at" not in request.form:
        form.occurred_at.data = to_local(interaction.occurred_at, state.timezone)
    people = _configure_people(form, state, keep=interaction.participants)
    refining = request.method == "POST" and "refine" in request.form
    saved = None
    if request.method == "GET":
        form.version.data = str(interaction.version)
        form.kind.data = interaction.kind.value
        form.confidentiality.data = interaction.confidentiality.value
        form.representatives.data = [r.id for r in interaction.representatives]
        form.participants.data = [u.id for u in interaction.participants]
        form.q.data = (request.args.get("q") or "")[:100]
    elif not refining and form.validate_on_submit():
        changes: dict[str, Any] = {
            "kind": InteractionKind(form.kind.data),
            "summary": form.summary.data,
            "outcome": form.outcome.data,
            "confidentiality": Confidentiality(form.confidentiality.data),
        }
        # The form shows minutes: an untouched time must not count as a change of seconds.
        if form.occurred_at.data != to_local(interaction.occurred_at, state.timezone):
            changes["occurred_at"] = form.occurred_at_utc
        saved = save(
            form,
            lambda: services.update_interaction(
                actor,
                interaction,
                changes,
                representative_ids=form.representatives.data,
                participant_ids=form.participants.data,
                expected_version=form.expected_version,
                do_not_contact_reason=form.do_not_contact_given,
            ),
        )
        if saved.ok:
            flash(_("Contact saved."), "success")
            return redirect(url_for("interactions.show", interaction_id=interaction.id))
    conflict = saved.conflict if saved is not None else None
    status = 200 if refining else form_status(conflict)
    if saved is not None:
        # The rollback expired the record: load it (and its people) again for the page.
        interaction = found(queries.get_interaction(interaction_id))
        state = interaction.state
    ticked = set(form.representatives.data or [])
    picker = Picker(
        state,
        list(form.representatives.data or []),
        ticked,
        form.q.data or "",
        keep=interaction.representatives,
    )
    return _form_page(
        form, state, picker, people, status, interaction=interaction, conflict=conflict
    )


def _form_page(
    form: Any,
    state: State,
    picker: Picker,
    people: list[User],
    status: int,
    *,
    stance_entries: dict[int, Any] | None = None,
    interaction: Interaction | None = None,
    conflict: Any = None,
):
    """The contact form: a new contact (with its stance entries) or an edit of one."""
    return render_template(
        "interactions/form.html",
        state=state,
        form=form,
        picker=picker,
        people=people,
        stance_entries=stance_entries or {},
        # What the picker's script copies beside someone ticked (a new contact only).
        blank_stance=StanceEntryForm(prefix="stances-__n__-") if interaction is None else None,
        interaction=interaction,
        conflict=conflict,
    ), status


def _archive_or_restore(
    interaction_id: int, permission: Action, change: Callable[[User, Interaction], Any], done: str
):
    interaction, actor = found_for(permission, queries.get_interaction(interaction_id))
    if not StatusForm().validate_on_submit():
        abort(400)
    flash_outcome(lambda: change(actor, interaction), done)
    return redirect(url_for("interactions.show", interaction_id=interaction_id))


@bp.get("/interactions/<int:interaction_id>/archive")
@login_required
def archive_confirm(interaction_id: int):
    """What archiving the contact does, and the button that does it: one tap on the
    contact's page only leads here."""
    interaction, _actor = found_for(Action.ARCHIVE, queries.get_interaction(interaction_id))
    if interaction.archived_at is not None:
        flash(_("This contact is already archived."), "info")
        return redirect(url_for("interactions.show", interaction_id=interaction_id))
    return render_template(
        "interactions/archive.html",
        interaction=interaction,
        state=interaction.state,
        form=StatusForm(),
    )


@bp.post("/interactions/<int:interaction_id>/archive")
@login_required
def archive(interaction_id: int):
    return _archive_or_restore(
        interaction_id,
        Action.ARCHIVE,
        services.archive_interaction,
        _("Contact archived. An administrator can restore it."),
    )


@bp.post("/interactions/<int:interaction_id>/restore")
@login_required
def restore(interaction_id: int):
    return _archive_or_restore(
        interaction_id, Action.RESTORE, services.restore_interaction, _("Contact restored.")
    )


# --- Lists -------------------------------------------------------------------------------


@bp.get("/states/<iso2>/interactions")
@login_required
def state_index(iso2: str):
    state = state_or_404(iso2)
    form = InteractionFilterForm(request.args)
    valid = form.validate()
    kind = InteractionKind(form.kind.data) if form.kind.data and not form.kind.errors else None
    # A link from a person's page names them by id; the form searches by name.
    person = queries.representatives_by_ids(ids_from([form.representative.data or ""]))
    chosen = next(iter(person.values()), None)
    if form.representative.data and (chosen is None or chosen.state_id != state.id):
        form.representative.errors = [
            _("That person is not in the parliament of %(state)s.", state=state.name)
        ]
        valid, chosen = False, None
    filters = queries.InteractionFilters(
        kind=kind,
        representative_id=chosen.id if chosen is not None else None,
        person="" if form.person.errors else (form.person.data or "").strip(),
        archived=bool(form.archived.data),
        restricted_readable=restricted_readable_states(current_actor()),
    )
    page = page_number(form)
    pagination = queries.paginate_interactions(
        state, filters, page, current_app.config["PAGE_SIZE"], current_app.config["COUNT_CAP"]
    )
    # The page links keep the filters (and only them: other arguments could steer url_for).
    kept = ("kind", "person", "representative", "archived")
    args = {k: v for k, v in request.args.items() if k in kept}
    args["iso2"] = state.iso2
    return render_template(
        "interactions/index.html",
        state=state,
        form=form,
        filters=filters,
        person=chosen,
        pagination=pagination,
        args=args,
    ), (200 if valid else 400)
