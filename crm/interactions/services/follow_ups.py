"""Writes about follow-ups: creating one (with a contact, or on its own), editing it,
marking it done or cancelled, reopening it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _

from crm import records
from crm.auth.models import User
from crm.auth.permissions import Action, require
from crm.db import today, utcnow
from crm.errors import ValidationFailed
from crm.interactions import queries
from crm.interactions.models import FollowUp, FollowUpStatus, Interaction
from crm.interactions.services.rules import _assignee, _check_due_not_too_far, _check_follow_up_text
from crm.parliament.models import Representative
from crm.states.models import State


@dataclass(frozen=True)
class FollowUpDraft:
    """A follow-up to create with the contact."""

    title: str
    due_on: date | None = None
    assignee_id: int | None = None
    details: str | None = None


def _add_follow_up(
    actor: User,
    state: State,
    draft: FollowUpDraft,
    assignee: User | None,
    representative: Representative | None,
    interaction: Interaction | None = None,
) -> FollowUp:
    """Create a follow-up from its checked draft and the people it names."""
    follow_up = FollowUp(
        state=state,
        title=draft.title,
        details=draft.details,
        due_on=draft.due_on,
        assignee=assignee,
        interaction=interaction,
        representative=representative,
        created_by=actor,
    )
    return records.create(actor, follow_up, action="follow_up.created", state=state)


def _representative_of(
    state: State, representative_id: int | None, *, keep: Representative | None = None
) -> Representative | None:
    if representative_id is None:
        return None
    rep = queries.representatives_by_ids([representative_id]).get(representative_id)
    if rep is None or rep.state_id != state.id:
        raise ValidationFailed(
            _(
                "Representative %(id)s is not in the parliament of %(state)s.",
                id=representative_id,
                state=state.name,
            ),
            field="representative",
        )
    if rep.archived_at is not None and rep is not keep:
        raise ValidationFailed(
            _("%(name)s's record is archived.", name=rep.name), field="representative"
        )
    return rep


def create_follow_up(
    actor: User,
    state: State,
    *,
    title: str,
    details: str | None = None,
    due_on: date | None = None,
    assignee_id: int | None = None,
    representative_id: int | None = None,
) -> FollowUp:
    """A follow-up about a state, or one of its representatives, without a contact."""
    require(actor, Action.CREATE, FollowUp, state=state)
    _check_follow_up_text(title, details)
    if due_on is not None and due_on < today():
        raise ValidationFailed(_("That date has passed; choose today or later."), field="due_on")
    _check_due_not_too_far(due_on, field="due_on")
    assignee = _assignee(state, actor, assignee_id)
    representative = _representative_of(state, representative_id)
    draft = FollowUpDraft(title=title, due_on=due_on, details=details)
    return _add_follow_up(actor, state, draft, assignee, representative)


FOLLOW_UP_FIELDS = ("title", "details", "due_on", "assignee_id", "representative_id")


def update_follow_up(
    actor: User, follow_up: FollowUp, changes: dict[str, Any], *, expected_version: int | None
) -> dict[str, Any]:
    """Edit a follow-up's text, due date, assignee or representative; returns what changed."""
    records.check_fields(changes, FOLLOW_UP_FIELDS)
    records.begin_edit(actor, follow_up, expected_version)
    state = follow_up.state
    _check_follow_up_text(
        changes.get("title", follow_up.title), changes.get("details", follow_up.details)
    )
    due_on = changes.get("due_on", follow_up.due_on)
    if due_on != follow_up.due_on and due_on is not None and due_on < today():
        raise ValidationFailed(_("That date has passed; choose today or later."), field="due_on")
    _check_due_not_too_far(due_on, field="due_on")
    if "assignee_id" in changes and changes["assignee_id"] != follow_up.assignee_id:
        _assignee(state, actor, changes["assignee_id"])
    if "representative_id" in changes:
        _representative_of(state, changes["representative_id"], keep=follow_up.representative)
    return records.update(
        actor, follow_up, changes, action="follow_up.updated", expected_version=expected_version
    )


# status reached → (the statuses it may be reached from, the audit action)
_TRANSITIONS = {
    FollowUpStatus.DONE: ({FollowUpStatus.OPEN}, "follow_up.done"),
    FollowUpStatus.CANCELLED: ({FollowUpStatus.OPEN}, "follow_up.cancelled"),
    FollowUpStatus.OPEN: ({FollowUpStatus.DONE, FollowUpStatus.CANCELLED}, "follow_up.reopened"),
}


# What a follow-up already is, said when it cannot become that again.
_ALREADY = {
    FollowUpStatus.OPEN: lambda: _("This follow-up is already open."),
    FollowUpStatus.DONE: lambda: _("This follow-up is already done."),
    FollowUpStatus.CANCELLED: lambda: _("This follow-up is already cancelled."),
}


def set_follow_up_status(actor: User, follow_up: FollowUp, status: FollowUpStatus) -> None:
    """Mark a follow-up done or cancelled, or reopen it."""
    require(actor, Action.EDIT, follow_up)
    sources, action = _TRANSITIONS[status]
    if follow_up.status not in sources:
        raise ValidationFailed(_ALREADY[follow_up.status]())
    records.update(
        actor,
        follow_up,
        {"status": status, "completed_at": utcnow() if status is FollowUpStatus.DONE else None},
        action=action,
    )
