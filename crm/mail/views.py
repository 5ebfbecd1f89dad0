"""Choosing one's messages, stopping them from a message, and the admins' view of the mail
sent (or, in development, written to the mail folder)."""

from __future__ import annotations

import sqlalchemy as sa
from babel.dates import get_day_names
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField
from wtforms.fields import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from crm.auth.models import User
from crm.auth.permissions import Page, require
from crm.extensions import csrf, db
from crm.forms import LogFilterForm, counts_by_status, log_page
from crm.i18n import DEFAULT_LOCALE
from crm.interactions.forms import Translated
from crm.mail import compose, services
from crm.mail.models import MessageStatus, Notification, OutboxMessage, offered, wants
from crm.saving import form_status, save
from crm.web import current_actor, found

bp = Blueprint("mail", __name__)


def weekdays() -> list[SelectChoice]:
    """Monday (0, as `date.weekday()` counts) to Sunday (6), named in the reader's language
    (Babel's CLDR data, as dates are)."""
    names = get_day_names("wide", context="stand-alone", locale=get_locale() or DEFAULT_LOCALE)
    return [SelectChoice(n, names[n][:1].upper() + names[n][1:]) for n in range(7)]


class NotificationsForm(FlaskForm):
    kinds = SelectMultipleField(
        _l("Send me"),
        choices=[],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    time_zone = SelectField(
        _l("Your time zone"),
        description=_l(
            "Reminders arrive the day before in this time zone, and digests at the day and "
            "hour below."
        ),
    )
    # The days are named when the form is shown (`weekdays`).
    digest_weekday = SelectField(_l("Weekly digests arrive on"), coerce=int, choices=[])
    digest_hour = SelectField(
        _l("At"), coerce=int, choices=[SelectChoice(h, f"{h:02d}:00") for h in range(24)]
    )


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def settings():
    user = current_actor()
    kinds = offered(user)
    form = NotificationsForm(
        data=None
        if request.method == "POST"
        else {
            "kinds": [kind.value for kind in kinds if wants(user, kind)],
            "time_zone": user.time_zone,
            "digest_weekday": user.digest_weekday,
            "digest_hour": user.digest_hour,
        }
    )
    form.kinds.choices = [SelectChoice(kind.value, kind.label) for kind in kinds]
    form.time_zone.choices = [SelectChoice(zone, zone) for zone in services.time_zones()]
    form.digest_weekday.choices = weekdays()
    if form.validate_on_submit():
        chosen = {Notification(value) for value in form.kinds.data or []}

        def choose() -> None:
            services.choose(
                user,
                chosen,
                time_zone=form.time_zone.data or "UTC",
                weekday=form.digest_weekday.data,
                hour=form.digest_hour.data,
            )

        if save(form, choose).ok:
            flash(_("Your e-mail choices are saved."), "success")
            return redirect(url_for("mail.settings"))
    return render_template("mail/settings.html", form=form), form_status()


# --- stopping a kind of message from the message itself ----------------------------------------


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the token is the proof (RFC 8058 one-click: mail programs POST it, no session)
def unsubscribe(token: str):
    """GET shows what the link stops and a button (link checkers open links; only a POST
    stops anything); POST stops it, from the page or from the mail program's one-click."""
    named = compose.read_unsubscribe_token(token)
    user = db.session.get(User, named[0]) if named else None
    if named is None or user is None or named[1] not in Notification._value2member_map_:
        abort(404)
    kind = Notification(named[1])
    if request.method == "POST":
        stopped = services.stop(user, kind)
        return render_template("mail/unsubscribed.html", kind=kind, stopped=stopped, token=token)
    return render_template(
        "mail/unsubscribe.html", kind=kind, receiving=wants(user, kind), token=token
    )


# --- the admins' view -------------------------------------------------------------------------


class MailFilterForm(Translated, LogFilterForm):
    status = SelectField(
        _l("Status"), choices=[SelectChoice("", _l("Any")), *MessageStatus.choices()], default=""
    )
    kind = SelectField(
        _l("Kind"), choices=[SelectChoice("", _l("Any")), *Notification.choices()], default=""
    )


@bp.get("/admin/mail")
@login_required
def outbox():
    require(current_user, "view", Page.JOBS)
    form = MailFilterForm(request.args)
    valid = form.validate()
    stmt = sa.select(OutboxMessage)
    if valid and form.status.data:
        stmt = stmt.where(OutboxMessage.status == MessageStatus(form.status.data))
    if valid and form.kind.data:
        stmt = stmt.where(OutboxMessage.kind == Notification(form.kind.data))
    return render_template(
        "admin/mail.html",
        form=form,
        pagination=log_page(form, stmt, OutboxMessage.created_at, OutboxMessage.id, valid),
        counts=counts_by_status(OutboxMessage.status),
        to_folder=not current_app.config["MAIL_SERVER"],
    ), (200 if valid else 400)


@bp.get("/admin/mail/<int:message_id>")
@login_required
def message(message_id: int):
    require(current_user, "view", Page.JOBS)
    outbox_message = found(db.session.get(OutboxMessage, message_id))
    return render_template("admin/mail_message.html", message=outbox_message)
