"""Pages of the active campaign's key messages: the list (with the languages each one still
lacks), adding, editing a message with its translations, moving it up or down, removing it.

Key messages are campaign-wide data (crm.auth.permissions.CAMPAIGN_DATA): coordinators and
admins keep them, and only they open these pages. Everyone reads them in the packs
(crm.briefings.packs), in the pack's language where a coordinator entered it, else in
English.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from crm.auth.permissions import Action
from crm.errors import ValidationFailed
from crm.forms import OnceForm, VersionedForm
from crm.saving import form_status, save, save_once
from crm.states import key_messages as services
from crm.states import queries
from crm.states.forms import KeyMessageForm, KeyMessageLabels, MoveForm
from crm.states.models import TRANSLATED_LOCALES, KeyMessage, translation_field
from crm.web import found, found_for, permitted

bp = Blueprint("key_messages", __name__)


class NewKeyMessageForm(OnceForm, KeyMessageForm):
    """Adding a message: sent twice (a double tap), it adds one."""


def _listed(message: KeyMessage) -> str:
    """The list, at the message."""
    return url_for("key_messages.index", _anchor=f"message-{message.id}")


@bp.get("/campaign/key-messages")
@login_required
def index():
    permitted(Action.CREATE, KeyMessage)
    campaign = queries.active_campaign()
    return render_template(
        "states/key_messages.html",
        campaign=campaign,
        messages=queries.campaign_key_messages(campaign) if campaign else [],
    )


@bp.route("/campaign/key-messages/new", methods=["GET", "POST"])
@login_required
def new():
    actor = permitted(Action.CREATE, KeyMessage)
    campaign = found(queries.active_campaign())
    form = NewKeyMessageForm()
    if form.validate_on_submit():
        saved = save_once(
            form,
            lambda: services.add_key_message(actor, campaign, form.text.data, form.translations()),
            location=_listed,
            already=_("This key message was already added."),
        )
        if saved.ok:
            if not saved.replayed:
                flash(_("Added the key message."), "success")
            return redirect(saved.location)
    return render_template(
        "states/key_message_form.html", campaign=campaign, message=None, form=form
    ), form_status()


@bp.route("/campaign/key-messages/<int:message_id>/edit", methods=["GET", "POST"])
@login_required
def edit(message_id: int):
    message, actor = found_for(Action.EDIT, queries.get_key_message(message_id))
    if request.method == "GET":
        form = KeyMessageForm(
            data={
                "version": str(message.version),
                "text": message.text,
                **{
                    translation_field(code): message.translation(code) or ""
                    for code in TRANSLATED_LOCALES
                },
            }
        )
    else:
        form = KeyMessageForm()
    conflict = None
    if form.validate_on_submit():
        saved = save(
            form,
            lambda: services.update_key_message(
                actor,
                message,
                form.text.data,
                form.translations(),
                expected_version=form.expected_version,
            ),
        )
        if saved.ok:
            flash(_("Saved the key message."), "success")
            return redirect(_listed(message))
        conflict = saved.conflict
    return render_template(
        "states/key_message_form.html",
        campaign=message.campaign,
        message=message,
        form=form,
        conflict=conflict,
        labels=KeyMessageLabels(formdata=None),
    ), form_status(conflict)


@bp.post("/campaign/key-messages/<int:message_id>/move")
@login_required
def move(message_id: int):
    message, actor = found_for(Action.EDIT, queries.get_key_message(message_id))
    form = MoveForm()
    if not form.validate_on_submit():
        raise ValidationFailed(_("Move a key message up or down."))
    up = form.direction.data == "up"
    if not services.move_key_message(actor, message, form.direction.data):
        if up:
            flash(_("This key message is already the first."), "info")
        else:
            flash(_("This key message is already the last."), "info")
    elif up:
        flash(_("Moved the key message up."), "success")
    else:
        flash(_("Moved the key message down."), "success")
    return redirect(_listed(message))


@bp.route("/campaign/key-messages/<int:message_id>/remove", methods=["GET", "POST"])
@login_required
def remove(message_id: int):
    message, actor = found_for(Action.EDIT, queries.get_key_message(message_id))
    form = VersionedForm(
        data={"version": str(message.version)} if request.method == "GET" else None
    )
    conflict = None
    if form.validate_on_submit():
        saved = save(
            form,
            lambda: services.remove_key_message(
                actor, message, expected_version=form.expected_version
            ),
        )
        if saved.ok:
            flash(_("Removed the key message."), "success")
            return redirect(url_for("key_messages.index"))
        conflict = saved.conflict
        message = found(queries.get_key_message(message_id))  # the rollback expired it
    return render_template(
        "states/key_message_remove.html",
        message=message,
        form=form,
        conflict=conflict,
        labels=KeyMessageLabels(formdata=None),
    ), form_status(conflict)
