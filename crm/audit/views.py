"""The audit log, for admins: who did what, when, with the values before and after."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import Length, Optional

from crm.audit.models import AuditEntry
from crm.auth.permissions import Page, require
from crm.extensions import db
from crm.forms import LogFilterForm, distinct_choices, log_page
from crm.interactions.forms import Translated
from crm.states.models import State
from crm.text import like_pattern

bp = Blueprint("audit", __name__)


class AuditFilterForm(Translated, LogFilterForm):
    actor = StringField(_l("Who (e-mail contains)"), validators=[Optional(), Length(max=254)])
    action = SelectField(_l("Action"), choices=[], default="")
    target_type = SelectField(_l("Record type"), choices=[], default="")
    target_id = StringField(_l("Record id"), validators=[Optional(), Length(max=64)])
    state = SelectField(_l("State"), choices=[], default="")


@bp.get("/admin/audit")
@login_required
def index():
    require(current_user, "view", Page.AUDIT_LOG)
    form = AuditFilterForm(request.args)
    form.action.choices = distinct_choices(AuditEntry.action)
    form.target_type.choices = distinct_choices(AuditEntry.target_type)
    states = db.session.scalars(sa.select(State).order_by(State.name)).all()
    form.state.choices = [SelectChoice("", _("Any"))] + [
        SelectChoice(s.iso2, s.name) for s in states
    ]
    valid = form.validate()
    stmt = sa.select(AuditEntry)
    if valid:
        if form.actor.data:
            stmt = stmt.where(
                AuditEntry.actor_email.like(like_pattern(form.actor.data.lower()), escape="\\")
            )
        if form.action.data:
            stmt = stmt.where(AuditEntry.action == form.action.data)
        if form.target_type.data:
            stmt = stmt.where(AuditEntry.target_type == form.target_type.data)
        if form.target_id.data:
            stmt = stmt.where(AuditEntry.target_id == form.target_id.data.strip())
        if form.state.data:
            state_id = next(s.id for s in states if s.iso2 == form.state.data)
            stmt = stmt.where(AuditEntry.state_id == state_id)
    pagination = log_page(form, stmt, AuditEntry.at, AuditEntry.id, valid)
    states_by_id = {s.id: s for s in states}
    return render_template(
        "audit/index.html", form=form, pagination=pagination, states_by_id=states_by_id
    ), (200 if valid else 400)
