"""Archiving a representative, and restoring them."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import login_required

from crm.auth.permissions import Action, require
from crm.parliament import services
from crm.parliament.forms import ConfirmForm
from crm.parliament.views.common import bp, form_page, person_form, representative_or_404, save_form
from crm.web import permitted


@bp.route("/representatives/<int:representative_id>/archive", methods=["GET", "POST"])
@login_required
def archive(representative_id: int):
    rep, actor, form = person_form(representative_id, ConfirmForm)
    require(actor, Action.ARCHIVE, rep)
    response, conflict = save_form(
        form,
        lambda: services.archive_representative(actor, rep, expected_version=form.expected_version),
        rep=rep,
        done=_("Archived %(name)s.", name=rep.name),
    )
    return response or form_page(
        rep,
        form,
        conflict,
        heading=_("Archive %(name)s", name=rep.name),
        intro=_(
            "An archived representative disappears from lists and searches. Their history "
            "is kept, and an administrator can restore them."
        ),
        submit_label=_("Archive"),
        danger=True,
    )


@bp.post("/representatives/<int:representative_id>/restore")
@login_required
def restore(representative_id: int):
    rep = representative_or_404(representative_id)
    actor = permitted(Action.RESTORE, rep)
    services.restore_representative(actor, rep)
    flash(_("Restored %(name)s.", name=rep.name), "success")
    return redirect(url_for("parliament.show", representative_id=rep.id))
