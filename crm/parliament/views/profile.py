"""Adding a representative, and editing their profile."""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from wtforms import BooleanField

from crm.auth.permissions import Action
from crm.errors import DomainError
from crm.forms import show_error
from crm.parliament import services
from crm.parliament.forms import NewRepresentativeForm, ProfileForm, RepresentativeForm
from crm.parliament.models import ContactKind, Representative
from crm.parliament.views.common import bp, change_form, representative_or_404, save_form
from crm.parliament.views.seats import new_seat, seat_choices
from crm.saving import form_status, save
from crm.states.queries import get_state
from crm.web import found, permitted


class NewRepresentativeCheckedForm(NewRepresentativeForm):
    """The new-representative form, and the answer to "Add anyway?" when the name matches
    records of the state."""

    confirm_duplicate = BooleanField(_l("Add anyway: this is a different person"))


def _profile(form: ProfileForm) -> dict[str, Any]:
    return {name: getattr(form, name).data for name in services.EDITABLE_FIELDS}


@bp.route("/representatives/<int:representative_id>/edit", methods=["GET", "POST"])
@login_required
def edit(representative_id: int):
    rep = representative_or_404(representative_id)
    actor, form = change_form(rep, RepresentativeForm, obj=rep)
    response, conflict = save_form(
        form,
        lambda: services.update_representative(
            actor, rep, _profile(form), expected_version=form.expected_version
        ),
        rep=rep,
        done=_("Saved %(name)s.", name=rep.name),
    )
    if response:
        return response
    status = form_status(conflict)
    return render_template("parliament/edit.html", rep=rep, form=form, conflict=conflict), status


@bp.route("/states/<iso2>/representatives/new", methods=["GET", "POST"])
@login_required
def new(iso2: str):
    state = found(get_state(iso2, load=()))
    actor = permitted(Action.CREATE, Representative, state=state)
    form = NewRepresentativeCheckedForm()
    chambers, parties = seat_choices(form, state)
    duplicates: list[Representative] = []

    def show(form: NewRepresentativeCheckedForm, error: DomainError) -> None:
        if isinstance(error, services.PossibleDuplicates):
            duplicates.extend(error.candidates)
        show_error(form, error)

    if form.validate_on_submit():
        saved = save(
            form,
            lambda: services.create_representative(
                actor,
                state,
                profile=_profile(form),
                seat=new_seat(form, chambers, parties),
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
                confirm_duplicate=bool(form.confirm_duplicate.data),
            ),
            show=show,
        )
        if saved.ok:
            flash(_("Added %(name)s.", name=saved.value.name), "success")
            return redirect(url_for("parliament.show", representative_id=saved.value.id))
    status = form_status()
    return render_template(
        "parliament/new.html", state=state, form=form, duplicates=duplicates, today=g.today
    ), status
