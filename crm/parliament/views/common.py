"""The blueprint, and what the pages of a person's record share: finding the row, checking
who may change it, and the one form page of the small writes (seats, committee seats,
contact details, other names, confirmations)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from crm.auth.permissions import Action, require
from crm.errors import Conflict
from crm.forms import VersionedForm
from crm.parliament import queries
from crm.parliament.forms import EndSeatForm
from crm.parliament.models import Representative, stance_label
from crm.parliament.services.rules import refuse_archived
from crm.saving import form_status, save
from crm.web import current_actor, found

bp = Blueprint("parliament", __name__)
# The words for a stance, for every feature's pages and the PDFs: `{{ value|stance_label }}`.
bp.add_app_template_filter(stance_label, "stance_label")

F = TypeVar("F", bound=VersionedForm)


def representative_or_404(representative_id: int) -> Representative:
    return found(queries.get_representative(representative_id))


def require_change(actor: Any, rep: Representative) -> None:
    """403 unless the actor may change this person; 422 while the person is archived."""
    require(actor, Action.EDIT, rep)
    refuse_archived(rep)


def opened_on(form: Any, rep: Representative) -> None:
    """A form shown for the first time remembers the version of the record it shows."""
    if request.method == "GET":
        form.version.data = str(rep.version)


def today_by_default(field: Any) -> None:
    """A date field shown for the first time proposes today."""
    if request.method == "GET":
        field.data = g.today


def change_form(rep: Representative, form_class: type[F], **kwargs: Any) -> tuple[Any, F]:
    """The acting user, checked that they may change `rep`, and the form of the change,
    opened on the record's current version."""
    actor = current_actor()
    require_change(actor, rep)
    form = form_class(**kwargs)
    opened_on(form, rep)
    return actor, form


def person_form(representative_id: int, form_class: type[F]) -> tuple[Representative, Any, F]:
    """`change_form` for the representative a URL names (or 404)."""
    rep = representative_or_404(representative_id)
    actor, form = change_form(rep, form_class)
    return rep, actor, form


def save_form(form: Any, write: Callable[[], Any], *, rep: Representative, done: str):
    """Validate, then write through the service (the request commits once, after the view
    returns); returns (redirect or None, conflict or None)."""
    if not form.validate_on_submit():
        return None, None
    saved = save(form, write)
    if not saved.ok:
        return None, saved.conflict
    flash(done, "success")
    return redirect(url_for("parliament.show", representative_id=rep.id)), None


def form_page(
    rep: Representative,
    form: Any,
    conflict: Conflict | None,
    *,
    heading: str,
    intro: str | None = None,
    facts: list[tuple[str, str]] | None = None,
    submit_label: str | None = None,
    danger: bool = False,
):
    """The page of a small write of a person's record, with the form's errors (422) or
    the conflict (409) when a submitted form was not saved."""
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


def end_seat_page(
    seat: Any,
    end: Callable[..., None],
    *,
    done: str,
    heading: str,
    facts: list[tuple[str, str]],
    intro: str | None = None,
):
    """The page that ends a seat (in a chamber or on a committee) with the service `end`."""
    rep = seat.representative
    actor, form = change_form(rep, EndSeatForm)
    today_by_default(form.end_date)
    response, conflict = save_form(
        form,
        lambda: end(
            actor, seat, end_date=form.end_date.data, expected_version=form.expected_version
        ),
        rep=rep,
        done=done,
    )
    return response or form_page(rep, form, conflict, heading=heading, intro=intro, facts=facts)
