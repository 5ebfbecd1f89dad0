"""The admins' jobs page: what the queue was asked to do, what it is doing, what failed
and why; a failed job can be run again from here."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields import SelectChoice

from crm.auth.permissions import Page, require
from crm.extensions import db
from crm.forms import LogFilterForm, counts_by_status, distinct_choices, log_page
from crm.interactions.forms import Translated
from crm.jobs import services
from crm.jobs.models import Job, JobStatus
from crm.saving import save
from crm.web import current_actor, found

bp = Blueprint("jobs", __name__)


class JobFilterForm(Translated, LogFilterForm):
    status = SelectField(
        _l("Status"), choices=[SelectChoice("", _l("Any")), *JobStatus.choices()], default=""
    )
    kind = SelectField(_l("Kind"), choices=[], default="")


@bp.get("/admin/jobs")
@login_required
def index():
    require(current_user, "view", Page.JOBS)
    form = JobFilterForm(request.args)
    form.kind.choices = distinct_choices(Job.kind)
    valid = form.validate()
    stmt = sa.select(Job)
    if valid and form.status.data:
        stmt = stmt.where(Job.status == JobStatus(form.status.data))
    if valid and form.kind.data:
        stmt = stmt.where(Job.kind == form.kind.data)
    return render_template(
        "admin/jobs.html",
        form=form,
        pagination=log_page(form, stmt, Job.created_at, Job.id, valid),
        counts=counts_by_status(Job.status),
        retry_form=FlaskForm(),
    ), (200 if valid else 400)


@bp.post("/admin/jobs/<int:job_id>/retry")
@login_required
def retry(job_id: int):
    require(current_user, "view", Page.JOBS)
    job = found(db.session.get(Job, job_id))
    form = FlaskForm()
    if not form.validate_on_submit():
        flash(_("The form expired; please try again."), "error")
    elif save(form, lambda: services.retry(current_actor(), job)).ok:
        flash(
            _("Job %(id)d (%(kind)s) is queued to run again.", id=job.id, kind=job.kind), "success"
        )
    else:
        flash(
            form.form_errors[0] if form.form_errors else _("The job could not be queued."), "error"
        )
    return redirect(url_for("jobs.index"))
