"""The representative list and the representative page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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

from crm.auth.permissions import Action, may, require
from crm.errors import Conflict, ValidationFailed
from crm.parliament import queries, services
from crm.parliament.forms import (
    CommitteeSeatForm,
    ConfirmForm,
    ContactDetailForm,
    EndSeatForm,
    MovePartyForm,
    NewRepresentativeForm,
    OtherNameForm,
    RepresentativeFilterForm,
    RepresentativeForm,
    SeatForm,
    StanceForm,
)
from crm.parliament.models import (
    Chamber,
    CommitteeRole,
    Confidence,
    ContactDetail,
    ContactKind,
    Membership,
    OtherName,
    Party,
    Representative,
    Stance,
    StanceRecord,
    StanceSource,
)
from crm.parliament.queries import RepresentativeFilters
from crm.states.queries import get_state
from crm.web import form_status, save

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
        last_contacts=queries.last_contacts(ids, reader=current_user),
    ), status


@bp.get("/representatives/<int:representative_id>")
@login_required
def show(representative_id: int):
    representative = queries.get_representative(representative_id)
    if representative is None:
        abort(404)
    may_restore = may(current_user, Action.RESTORE, representative)
    return render_template(
        "parliament/show.html",
        rep=representative,
        stance_records=queries.stance_history(representative, reader=current_user),
        contacts=queries.contacts(representative, reader=current_user),
        follow_ups=queries.open_follow_ups(representative, reader=current_user),
        # Stances archived as recorded in error, for those who may restore them.
        archived_stances=queries.archived_stance_records(representative) if may_restore else [],
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
    _require_change(actor, rep)
    form = RepresentativeForm(obj=rep)
    if request.method == "GET":
        form.version.data = str(rep.version)
    conflict = None
    if form.validate_on_submit():
        changes = {name: getattr(form, name).data for name in services.EDITABLE_FIELDS}
        saved = save(
            form,
            lambda: services.update_representative(
                actor, rep, changes, expected_version=form.expected_version
            ),
        )
        if saved.ok:
            flash(f"Saved {rep.name}.", "success")
            return redirect(url_for("parliament.show", representative_id=rep.id))
        conflict = saved.conflict
    status = form_status(conflict)
    return render_template("parliament/edit.html", rep=rep, form=form, conflict=conflict), status


@bp.route("/representatives/<int:representative_id>/stances/new", methods=["GET", "POST"])
@login_required
def new_stance(representative_id: int):
    rep = _representative_or_404(representative_id)
    actor = current_user._get_current_object()
    require(actor, Action.CREATE, StanceRecord, state=rep.state)
    _refuse_archived(rep)
    form = StanceForm()
    if request.method == "GET":
        form.observed_on.data = g.today
    if form.validate_on_submit():
        saved = save(
            form,
            lambda: services.record_stance(
                actor,
                rep,
                stance=Stance(form.stance.data),
                source=StanceSource(form.source.data),
                confidence=Confidence(form.confidence.data),
                observed_on=form.observed_on.data,
                note=form.note.data,
            ),
        )
        if saved.ok:
            flash(f"Recorded {rep.name}'s stance.", "success")
            return redirect(url_for("parliament.show", representative_id=rep.id))
    status = form_status()
    return render_template("parliament/stance_form.html", rep=rep, form=form), status


# --- A person's record: create, seats, committee seats, contacts, other names, archive ------


def _actor():
    return current_user._get_current_object()


def _refuse_archived(rep: Representative) -> None:
    if rep.archived_at is not None:
        raise ValidationFailed(
            f"{rep.name} is archived: an administrator must restore the record before it "
            "can change."
        )


def _require_change(actor, rep: Representative) -> None:
    """403 unless the actor may change this person; 422 while the person is archived."""
    require(actor, Action.EDIT, rep)
    _refuse_archived(rep)


def _save(form, write: Callable[[], Any], *, rep: Representative, done: str):
    """Validate, call the service, commit once; returns (redirect or None, conflict or None)."""
    if not form.validate_on_submit():
        return None, None
    saved = save(form, write)
    if not saved.ok:
        return None, saved.conflict
    flash(done, "success")
    return redirect(url_for("parliament.show", representative_id=rep.id)), None


def _form_page(
    rep: Representative,
    form,
    conflict: Conflict | None,
    *,
    heading: str,
    intro: str | None = None,
    facts: list[tuple[str, str]] | None = None,
    submit_label: str | None = None,
    danger: bool = False,
):
    status = form_status(conflict)
    return render_template(
        "parliament/record_form.html",
        rep=rep,
        form=form,
        conflict=conflict,
        heading=heading,
        intro=intro,
        facts=facts or [],
        submit_label=submit_label,
        danger=danger,
    ), status


def _opened_on(form, rep: Representative) -> None:
    """A form shown for the first time remembers the version of the record it shows."""
    if request.method == "GET":
        form.version.data = str(rep.version)


def _party_label(party: Party) -> str:
    return f"{party.name} ({party.abbreviation})" if party.abbreviation else party.name


def _seat_choices(form, state) -> tuple[dict[int, Chamber], dict[int, Party]]:
    """Fill the chamber and party choices with the state's own (others are not valid)."""
    chambers, parties = queries.state_filter_choices(state)
    if hasattr(form, "chamber"):
        form.chamber.choices = [SelectChoice("", "Choose a chamber")] + [
            SelectChoice(str(c.id), c.name) for c in chambers
        ]
    form.party.choices = [SelectChoice("", "Independent (no party)")] + [
        SelectChoice(str(p.id), _party_label(p)) for p in parties
    ]
    return {c.id: c for c in chambers}, {p.id: p for p in parties}


def _seat(form, chambers: dict[int, Chamber], parties: dict[int, Party]) -> services.NewSeat:
    # The choices were validated: only the state's own chambers and parties get here.
    return services.NewSeat(
        chamber=chambers[int(form.chamber.data)],
        party=parties[int(form.party.data)] if form.party.data else None,
        start_date=form.start_date.data,
        constituency=form.constituency.data,
        legislative_period=form.legislative_period.data
        if hasattr(form, "legislative_period")
        else None,
    )


def _seat_label(seat: Membership) -> str:
    party = seat.party.short_name if seat.party else "independent"
    since = f", since {seat.start_date:%d %b %Y}" if seat.start_date else ""
    return f"{seat.chamber.name} — {party}{since}"


@bp.route("/states/<iso2>/representatives/new", methods=["GET", "POST"])
@login_required
def new(iso2: str):
    state = get_state(iso2, load=())
    if state is None:
        abort(404)
    actor = _actor()
    require(actor, Action.CREATE, Representative, state=state)
    form = NewRepresentativeForm()
    chambers, parties = _seat_choices(form, state)
    if form.validate_on_submit():
        saved = save(
            form,
            lambda: services.create_representative(
                actor,
                state,
                profile={name: getattr(form, name).data for name in services.EDITABLE_FIELDS},
                seat=_seat(form, chambers, parties),
                other_names=[
                    services.NewOtherName(row.form.name.data, row.form.lang.data)
                    for row in form.other_names
                    if not row.form.is_blank
                ],
                contact_details=[
                    services.NewContactDetail(
                        ContactKind(row.form.kind.data), row.form.value.data, row.form.label.data
                    )
                    for row in form.contact_details
                    if not row.form.is_blank
                ],
            ),
        )
        if saved.ok:
            flash(f"Added {saved.value.name}.", "success")
            return redirect(url_for("parliament.show", representative_id=saved.value.id))
    status = form_status()
    return render_template("parliament/new.html", state=state, form=form), status


@bp.route("/representatives/<int:representative_id>/memberships/new", methods=["GET", "POST"])
@login_required
def new_membership(representative_id: int):
    rep = _representative_or_404(representative_id)
    actor = _actor()
    _require_change(actor, rep)
    form = SeatForm()
    _opened_on(form, rep)
    chambers, parties = _seat_choices(form, rep.state)
    response, conflict = _save(
        form,
        lambda: services.add_membership(
            actor, rep, _seat(form, chambers, parties), expected_version=form.expected_version
        ),
        rep=rep,
        done=f"Added a seat for {rep.name}.",
    )
    return response or _form_page(
        rep,
        form,
        conflict,
        heading="Add a seat",
        intro="A new seat in a chamber, for instance after an election. To record a change "
        "of party during a term, use “Move party” instead.",
    )


@bp.route("/memberships/<int:membership_id>/end", methods=["GET", "POST"])
@login_required
def end_membership(membership_id: int):
    seat = queries.get_membership(membership_id)
    if seat is None:
        abort(404)
    rep = seat.representative
    actor = _actor()
    _require_change(actor, rep)
    form = EndSeatForm()
    _opened_on(form, rep)
    if request.method == "GET":
        form.end_date.data = g.today
    response, conflict = _save(
        form,
        lambda: services.end_membership(
            actor, seat, end_date=form.end_date.data, expected_version=form.expected_version
        ),
        rep=rep,
        done=f"Ended {rep.name}'s seat in {seat.chamber.name}.",
    )
    return response or _form_page(
        rep,
        form,
        conflict,
        heading="End a seat",
        intro="The seat stays in the representative's history with its end date.",
        facts=[("Seat", _seat_label(seat))],
    )


@bp.route("/representatives/<int:representative_id>/move-party", methods=["GET", "POST"])
@login_required
def move_party(representative_id: int):
    rep = _representative_or_404(representative_id)
    actor = _actor()
    _require_change(actor, rep)
    form = MovePartyForm()
    _opened_on(form, rep)
    _chambers, parties = _seat_choices(form, rep.state)
    seats = {m.id: m for m in rep.memberships}
    open_seats = [m for m in seats.values() if m.end_date is None]
    offered = list(open_seats)
    # A seat that ended since the form was opened stays a valid answer, so that the
    # service can say what happened (a conflict) rather than "not a valid choice".
    posted = request.form.get("membership", "")
    if posted.isdigit() and int(posted) in seats and seats[int(posted)] not in offered:
        offered.append(seats[int(posted)])
    form.membership.choices = [SelectChoice(str(m.id), _seat_label(m)) for m in offered]
    if request.method == "GET":
        if open_seats:
            form.membership.data = str(open_seats[0].id)
        form.changed_on.data = g.today
    response, conflict = _save(
        form,
        lambda: services.move_party(
            actor,
            seats[int(form.membership.data)],
            party=parties[int(form.party.data)] if form.party.data else None,
            changed_on=form.changed_on.data,
            expected_version=form.expected_version,
        ),
        rep=rep,
        done=f"Recorded {rep.name}'s change of party.",
    )
    intro = (
        "The seat ends the day before the change; a new one, in the same chamber and "
        "constituency, starts on the day."
        if open_seats
        else "They hold no open seat: add a seat first."
    )
    return response or _form_page(rep, form, conflict, heading="Move party", intro=intro)


@bp.route(
    "/representatives/<int:representative_id>/committee-memberships/new",
    methods=["GET", "POST"],
)
@login_required
def new_committee_membership(representative_id: int):
    rep = _representative_or_404(representative_id)
    actor = _actor()
    _require_change(actor, rep)
    form = CommitteeSeatForm()
    _opened_on(form, rep)
    committees = {c.id: c for c in queries.state_committees(rep.state)}
    form.committee.choices = [SelectChoice("", "Choose a committee")] + [
        SelectChoice(str(c.id), f"{c.name} ({c.chamber.name})") for c in committees.values()
    ]
    if request.method == "GET":
        form.start_date.data = g.today
    response, conflict = _save(
        form,
        lambda: services.add_committee_membership(
            actor,
            rep,
            committee=committees[int(form.committee.data)],
            role=CommitteeRole(form.role.data),
            start_date=form.start_date.data,
            expected_version=form.expected_version,
        ),
        rep=rep,
        done=f"Added a committee seat for {rep.name}.",
    )
    return response or _form_page(rep, form, conflict, heading="Add a committee seat")


@bp.route("/committee-memberships/<int:seat_id>/end", methods=["GET", "POST"])
@login_required
def end_committee_membership(seat_id: int):
    seat = queries.get_committee_membership(seat_id)
    if seat is None:
        abort(404)
    rep = seat.representative
    actor = _actor()
    _require_change(actor, rep)
    form = EndSeatForm()
    _opened_on(form, rep)
    if request.method == "GET":
        form.end_date.data = g.today
    response, conflict = _save(
        form,
        lambda: services.end_committee_membership(
            actor, seat, end_date=form.end_date.data, expected_version=form.expected_version
        ),
        rep=rep,
        done=f"Ended {rep.name}'s seat on {seat.committee.name}.",
    )
    return response or _form_page(
        rep,
        form,
        conflict,
        heading="End a committee seat",
        facts=[("Committee seat", f"{seat.role.label}, {seat.committee.name}")],
    )


@bp.route("/representatives/<int:representative_id>/contact-details/new", methods=["GET", "POST"])
@login_required
def new_contact_detail(representative_id: int):
    rep = _representative_or_404(representative_id)
    actor = _actor()
    _require_change(actor, rep)
    form = ContactDetailForm()
    _opened_on(form, rep)
    response, conflict = _save(
        form,
        lambda: services.add_contact_detail(
            actor,
            rep,
            kind=ContactKind(form.kind.data),
            value=form.value.data,
            label=form.label.data,
            expected_version=form.expected_version,
        ),
        rep=rep,
        done=f"Added a contact detail for {rep.name}.",
    )
    return response or _form_page(rep, form, conflict, heading="Add a contact detail")


def _contact_detail_or_404(detail_id: int) -> ContactDetail:
    detail = queries.get_contact_detail(detail_id)
    if detail is None:
        abort(404)
    return detail


@bp.route("/contact-details/<int:detail_id>/edit", methods=["GET", "POST"])
@login_required
def edit_contact_detail(detail_id: int):
    detail = _contact_detail_or_404(detail_id)
    rep = detail.representative
    actor = _actor()
    _require_change(actor, rep)
    form = ContactDetailForm(obj=detail)
    _opened_on(form, rep)
    response, conflict = _save(
        form,
        lambda: services.update_contact_detail(
            actor,
            detail,
            kind=ContactKind(form.kind.data),
            value=form.value.data,
            label=form.label.data,
            expected_version=form.expected_version,
        ),
        rep=rep,
        done=f"Saved {rep.name}'s contact detail.",
    )
    return response or _form_page(rep, form, conflict, heading="Edit a contact detail")


@bp.route("/contact-details/<int:detail_id>/remove", methods=["GET", "POST"])
@login_required
def remove_contact_detail(detail_id: int):
    detail = _contact_detail_or_404(detail_id)
    rep = detail.representative
    actor = _actor()
    _require_change(actor, rep)
    form = ConfirmForm()
    _opened_on(form, rep)
    facts = [(detail.kind.label, detail.value)]
    if detail.label:
        facts.append(("Label", detail.label))
    response, conflict = _save(
        form,
        lambda: services.remove_contact_detail(
            actor, detail, expected_version=form.expected_version
        ),
        rep=rep,
        done=f"Removed a contact detail of {rep.name}.",
    )
    return response or _form_page(
        rep,
        form,
        conflict,
        heading="Remove a contact detail",
        intro="The contact detail is deleted; the audit log keeps what it was.",
        facts=facts,
        submit_label="Remove",
        danger=True,
    )


@bp.route("/representatives/<int:representative_id>/other-names/new", methods=["GET", "POST"])
@login_required
def new_other_name(representative_id: int):
    rep = _representative_or_404(representative_id)
    actor = _actor()
    _require_change(actor, rep)
    form = OtherNameForm()
    _opened_on(form, rep)
    response, conflict = _save(
        form,
        lambda: services.add_other_name(
            actor,
            rep,
            name=form.name.data,
            lang=form.lang.data,
            note=form.note.data,
            expected_version=form.expected_version,
        ),
        rep=rep,
        done=f"Added another name of {rep.name}.",
    )
    return response or _form_page(
        rep,
        form,
        conflict,
        heading="Add another name",
        intro="Another script, a transliteration or a former name: search finds the person "
        "by any of them.",
    )


def _other_name_or_404(other_name_id: int) -> OtherName:
    other = queries.get_other_name(other_name_id)
    if other is None:
        abort(404)
    return other


@bp.route("/other-names/<int:other_name_id>/edit", methods=["GET", "POST"])
@login_required
def edit_other_name(other_name_id: int):
    other = _other_name_or_404(other_name_id)
    rep = other.representative
    actor = _actor()
    _require_change(actor, rep)
    form = OtherNameForm(obj=other)
    _opened_on(form, rep)
    response, conflict = _save(
        form,
        lambda: services.update_other_name(
            actor,
            other,
            name=form.name.data,
            lang=form.lang.data,
            note=form.note.data,
            expected_version=form.expected_version,
        ),
        rep=rep,
        done=f"Saved another name of {rep.name}.",
    )
    return response or _form_page(rep, form, conflict, heading="Edit another name")


@bp.route("/other-names/<int:other_name_id>/remove", methods=["GET", "POST"])
@login_required
def remove_other_name(other_name_id: int):
    other = _other_name_or_404(other_name_id)
    rep = other.representative
    actor = _actor()
    _require_change(actor, rep)
    form = ConfirmForm()
    _opened_on(form, rep)
    facts = [("Name", other.name)] + ([("Language", other.lang)] if other.lang else [])
    response, conflict = _save(
        form,
        lambda: services.remove_other_name(actor, other, expected_version=form.expected_version),
        rep=rep,
        done=f"Removed another name of {rep.name}.",
    )
    return response or _form_page(
        rep,
        form,
        conflict,
        heading="Remove another name",
        intro="The name is deleted; the audit log keeps what it was.",
        facts=facts,
        submit_label="Remove",
        danger=True,
    )


@bp.route("/representatives/<int:representative_id>/archive", methods=["GET", "POST"])
@login_required
def archive(representative_id: int):
    rep = _representative_or_404(representative_id)
    actor = _actor()
    _require_change(actor, rep)
    require(actor, Action.ARCHIVE, rep)
    form = ConfirmForm()
    _opened_on(form, rep)
    response, conflict = _save(
        form,
        lambda: services.archive_representative(actor, rep, expected_version=form.expected_version),
        rep=rep,
        done=f"Archived {rep.name}.",
    )
    return response or _form_page(
        rep,
        form,
        conflict,
        heading=f"Archive {rep.name}",
        intro="An archived representative disappears from lists and searches. Their history "
        "is kept, and an administrator can restore them.",
        submit_label="Archive",
        danger=True,
    )


@bp.post("/representatives/<int:representative_id>/restore")
@login_required
def restore(representative_id: int):
    rep = _representative_or_404(representative_id)
    actor = _actor()
    require(actor, Action.RESTORE, rep)
    services.restore_representative(actor, rep)
    flash(f"Restored {rep.name}.", "success")
    return redirect(url_for("parliament.show", representative_id=rep.id))


@bp.get("/representatives/archived")
@login_required
def archived():
    # Only those who may restore see what there is to restore.
    require(_actor(), Action.RESTORE, Representative)
    page = request.args.get("page", 1, type=int)
    pagination = queries.paginate_archived_representatives(
        max(1, min(page, 100_000)), current_app.config["PAGE_SIZE"]
    )
    return render_template(
        "parliament/archived.html",
        pagination=pagination,
        stance_records=queries.archived_stance_records(),
    )


def _stance_record_or_404(record_id: int) -> StanceRecord:
    entry = queries.get_stance_record(record_id)
    if entry is None:
        abort(404)
    return entry


@bp.route("/stance-records/<int:record_id>/archive", methods=["GET", "POST"])
@login_required
def archive_stance(record_id: int):
    entry = _stance_record_or_404(record_id)
    rep = entry.representative
    actor = _actor()
    require(actor, Action.ARCHIVE, entry)
    if entry.archived_at is not None:
        raise ValidationFailed("This stance record is already archived.")
    form = ConfirmForm()
    response, conflict = _save(
        form,
        lambda: services.archive_stance_record(actor, entry),
        rep=rep,
        done="Archived the stance record; the current stance was derived again.",
    )
    facts = [
        ("Observed", f"{entry.observed_on:%d %b %Y}"),
        ("Stance", entry.stance.label),
        ("Source", entry.source.label),
        ("Recorded by", entry.recorded_by.name if entry.recorded_by else "—"),
    ]
    return response or _form_page(
        rep,
        form,
        conflict,
        heading="Archive a stance record",
        intro="For a stance recorded in error. The current stance is derived again from the "
        "remaining records; an administrator can restore this one.",
        facts=facts,
        submit_label="Archive",
        danger=True,
    )


@bp.post("/stance-records/<int:record_id>/restore")
@login_required
def restore_stance(record_id: int):
    entry = _stance_record_or_404(record_id)
    actor = _actor()
    require(actor, Action.RESTORE, entry)
    services.restore_stance_record(actor, entry)
    flash("Restored the stance record.", "success")
    return redirect(url_for("parliament.show", representative_id=entry.representative_id))
