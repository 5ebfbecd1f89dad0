"""The security log, for admins: every refused request, with repeated refusals marked."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, current_app, render_template, request
from flask_login import current_user, login_required
from wtforms import SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import Length, Optional

from crm.auth.permissions import Page, require
from crm.db import utcnow
from crm.forms import LogFilterForm, distinct_choices, log_page
from crm.security import queries
from crm.security.models import SecurityEvent
from crm.text import like_pattern

bp = Blueprint("security", __name__)

# Repeated refusals are counted over this window.
REPEAT_WINDOW = timedelta(hours=1)


class SecurityFilterForm(LogFilterForm):
    user = StringField("Who (e-mail contains)", validators=[Optional(), Length(max=254)])
    status = SelectField(
        "Status",
        choices=[
            SelectChoice("", "Any"),
            SelectChoice("401", "401 Not signed in (API)"),
            SelectChoice("403", "403 Not allowed"),
        ],
        default="",
    )
    route = SelectField("Route", choices=[], default="")


@bp.get("/admin/security")
@login_required
def index():
    require(current_user, "view", Page.SECURITY_LOG)
    form = SecurityFilterForm(request.args)
    form.route.choices = distinct_choices(SecurityEvent.endpoint)
    valid = form.validate()
    stmt = sa.select(SecurityEvent)
    if valid:
        if form.user.data:
            pattern = like_pattern(form.user.data.strip().lower())
            stmt = stmt.where(SecurityEvent.user_email.like(pattern, escape="\\"))
        if form.status.data:
            stmt = stmt.where(SecurityEvent.status == int(form.status.data))
        if form.route.data:
            stmt = stmt.where(SecurityEvent.endpoint == form.route.data)
    pagination = log_page(form, stmt, SecurityEvent.at, SecurityEvent.id, valid)
    threshold = current_app.config["SECURITY_REPEATED_REFUSALS"]
    repeated = queries.repeated_refusals(utcnow() - REPEAT_WINDOW, threshold)
    return render_template(
        "admin/security.html",
        form=form,
        pagination=pagination,
        repeated={r.user_id: r.refusals for r in repeated},
        repeated_accounts=repeated,
        threshold=threshold,
    ), (200 if valid else 400)
