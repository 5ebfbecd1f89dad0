"""Stances: recording an observation, and archiving (or restoring) one recorded in error."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import pgettext
from flask_login import login_required

from crm.auth.permissions import Action
from crm.errors import ValidationFailed
from crm.parliament import queries, services
from crm.parliament.forms import ConfirmForm, StanceForm
from crm.parliament.models import Confidence, Stance, StanceRecord, StanceSource
from crm.parliament.services.rules import refuse_archived
from crm.parliament.views.common import (
    bp,
    form_page,
    representative_or_404,
    save_form,
    today_by_default,
)
from crm.saving import form_status
from crm.web import found, found_for, permitted


@bp.route("/representatives/<int:representative_id>/stances/new", methods=["GET", "POST"])
@login_required
def new_stance(representative_id: int):
    rep = representative_or_404(representative_id)
    actor = permitted(Action.CREATE, StanceRecord, state=rep.state)
    refuse_archived(rep)
    form = StanceForm()
    today_by_default(form.observed_on)
    response, _conflict = save_form(
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
        rep=rep,
        done=_("Recorded %(name)s's stance.", name=rep.name),
    )
    if response:
        return response
    # A stance record has no version: no conflict, only errors.
    status = form_status()
    return render_template("parliament/stance_form.html", rep=rep, form=form), status


@bp.route("/stance-records/<int:record_id>/archive", methods=["GET", "POST"])
@login_required
def archive_stance(record_id: int):
    entry = found(queries.get_stance_record(record_id))
    rep = entry.representative
    actor = permitted(Action.ARCHIVE, entry)
    if entry.archived_at is not None:
        raise ValidationFailed(_("This stance record is already archived."))
    form = ConfirmForm()
    response, conflict = save_form(
        form,
        lambda: services.archive_stance_record(actor, entry),
        rep=rep,
        done=_("Archived the stance record; the current stance was derived again."),
    )
    facts = [
        (pgettext("date", "Observed"), f"{entry.observed_on:%d %b %Y}"),
        (_("Stance"), entry.stance.label),
        (_("Source"), entry.source.label),
        (_("Recorded by"), entry.recorded_by.name if entry.recorded_by else "—"),
    ]
    return response or form_page(
        rep,
        form,
        conflict,
        heading=_("Archive a stance record"),
        intro=_(
            "For a stance recorded in error. The current stance is derived again from the "
            "remaining records; an administrator can restore this one."
        ),
        facts=facts,
        submit_label=_("Archive"),
        danger=True,
    )


@bp.post("/stance-records/<int:record_id>/restore")
@login_required
def restore_stance(record_id: int):
    entry, actor = found_for(Action.RESTORE, queries.get_stance_record(record_id))
    services.restore_stance_record(actor, entry)
    flash(_("Restored the stance record."), "success")
    return redirect(url_for("parliament.show", representative_id=entry.representative_id))
