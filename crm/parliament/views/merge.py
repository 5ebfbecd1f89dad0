"""Merging two records of one person: pick the other record, preview, confirm; and the
page of a merged-away record, which leads to the record it was merged into."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SubmitField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired, Regexp

from crm.auth.permissions import Action
from crm.errors import Conflict, ValidationFailed
from crm.parliament import queries, services
from crm.parliament.models import Representative
from crm.parliament.views.common import bp, representative_or_404
from crm.saving import form_status, save
from crm.web import permitted

_VERSION = [
    InputRequired(_l("Open the preview again.")),
    Regexp(r"^\d{1,9}$", message=_l("Bad version.")),
]


class MergeForm(FlaskForm):
    """The confirmation of a merge: the versions the preview showed, and (added per merge)
    a choice for each profile field on which the two records differ."""

    kept_version = HiddenField(validators=_VERSION)
    other_version = HiddenField(validators=_VERSION)
    submit = SubmitField(_l("Merge the two records"))


def _merge_form(
    kept: Representative, other: Representative, choices: list[services.FieldChoice], **kwargs: Any
) -> MergeForm:
    class ThisMerge(MergeForm):
        pass

    for choice in choices:
        options = [SelectChoice("kept", choice.kept), SelectChoice("other", choice.other)]
        if choice.may_keep_both:
            options.append(SelectChoice("both", _("Both")))
        setattr(
            ThisMerge,
            f"choice_{choice.name}",
            RadioField(
                choice.label,
                choices=options,
                default=choice.default,
                validators=[
                    InputRequired(_("Choose which %(field)s to keep.", field=choice.label.lower()))
                ],
            ),
        )
    form = ThisMerge(**kwargs)
    if request.method == "GET" or kwargs.get("formdata", True) is None:
        form.kept_version.data = str(kept.version)
        form.other_version.data = str(other.version)
    return form


@bp.get("/representatives/<int:representative_id>/merge")
@login_required
def merge_pick(representative_id: int):
    rep = representative_or_404(representative_id)
    permitted(Action.MERGE, rep)
    q = (request.args.get("q") or "").strip()[:200]
    candidates = queries.merge_candidates(rep, q) if q and rep.archived_at is None else []
    return render_template("parliament/merge_pick.html", rep=rep, q=q, candidates=candidates)


@bp.route("/representatives/<int:representative_id>/merge/<int:other_id>", methods=["GET", "POST"])
@login_required
def merge(representative_id: int, other_id: int):
    kept = representative_or_404(representative_id)
    other = representative_or_404(other_id)
    actor = permitted(Action.MERGE, kept)
    permitted(Action.MERGE, other)
    try:
        services.check_mergeable(actor, kept, other)
    except ValidationFailed as error:
        return render_template(
            "parliament/merge_preview.html", kept=kept, other=other, refusal=error.message
        ), 422
    form = _merge_form(kept, other, services.field_choices(kept, other))
    conflict: Conflict | None = None
    if form.validate_on_submit():
        saved = save(
            form,
            lambda: services.merge_representatives(
                actor,
                kept,
                other,
                choices={
                    choice.name: getattr(form, f"choice_{choice.name}").data
                    for choice in services.field_choices(kept, other)
                },
                kept_version=int(form.kept_version.data),
                other_version=int(form.other_version.data),
            ),
        )
        if saved.ok:
            flash(_("Merged %(other)s into %(kept)s.", other=other.name, kept=kept.name), "success")
            return redirect(url_for("parliament.show", representative_id=kept.id))
        if saved.conflict is not None:
            # Rolled back: show what the two records hold now, and ask again.
            conflict = saved.conflict
            form = _merge_form(kept, other, services.field_choices(kept, other), formdata=None)
    plan = services.plan_merge(kept, other, reader=current_user)
    return render_template(
        "parliament/merge_preview.html",
        kept=kept,
        other=other,
        plan=plan,
        kinds=services.KINDS,
        form=form,
        conflict=conflict,
        refusal=None,
    ), form_status(conflict)
