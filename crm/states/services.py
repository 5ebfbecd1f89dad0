"""Writes about agreements and their stages of ratification (coordinators' data)."""

from __future__ import annotations

import enum
from datetime import date
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import gettext as _

from crm import records
from crm.auth.permissions import Action, require, state_id_of
from crm.dates import format_when
from crm.db import today
from crm.errors import ValidationFailed
from crm.extensions import db
from crm.risk.changes import inputs_changed
from crm.states.models import (
    Agreement,
    AgreementStatus,
    RatificationRoute,
    Stage,
    StageKind,
    StageStatus,
)

if TYPE_CHECKING:
    from crm.auth.models import User
    from crm.parliament.models import Chamber, Committee


def _reload_enums(obj: Any) -> None:
    """Give enum columns their enum members back after a write through `records`.

    `records.clean` strips every `str`, and a StrEnum member is one: the attribute comes
    back as a plain string (the database row is right). Code that reads it before the
    commit — the risk snapshot hook, the rest of this request — expects a member.
    """
    stale = [
        column.key
        for column in sa.inspect(type(obj)).column_attrs
        if isinstance(column.columns[0].type, sa.Enum)
        and isinstance(getattr(obj, column.key), str)
        and not isinstance(getattr(obj, column.key), enum.Enum)
    ]
    if stale:
        db.session.expire(obj, stale)


def _update(actor: User, obj: Any, changes: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Every change to an agreement or its stages is one the forecast reads."""
    changed = records.update(actor, obj, changes, **kwargs)
    _reload_enums(obj)
    if changed:
        inputs_changed(state_id_of(obj))
    return changed


AGREEMENT_FIELDS = ("status", "route", "route_note", "signed_on", "executive_probability", "notes")


def update_agreement(
    actor: User, agreement: Agreement, changes: dict[str, Any], *, expected_version: int | None
) -> dict[str, Any]:
    """Edit an agreement's status, route, signature date, executive estimate and notes.

    `executive_probability` is a fraction from 0 to 1 (pages enter it as a percentage).
    Returns what changed.
    """
    records.check_fields(changes, AGREEMENT_FIELDS)
    status = changes.get("status", agreement.status)
    route = changes.get("route", agreement.route)
    if not isinstance(status, AgreementStatus) or not isinstance(route, RatificationRoute):
        raise ValueError("status and route must be enum members")
    signed_on = changes.get("signed_on", agreement.signed_on)
    if signed_on is not None and signed_on > today():
        raise ValidationFailed(_("The signature date cannot be in the future."), field="signed_on")
    probability = changes.get("executive_probability", agreement.executive_probability)
    if probability is not None and not 0 <= probability <= 1:
        raise ValidationFailed(
            _("Enter a percentage from 0 to 100."), field="executive_probability"
        )
    return _update(
        actor, agreement, changes, action="agreement.updated", expected_version=expected_version
    )


# --- Stages -------------------------------------------------------------------------------


def _check_place(
    agreement: Agreement, chamber: Chamber | None, committee: Committee | None
) -> None:
    """A stage's chamber and committee must be of the agreement's state, and agree."""
    if committee is not None and committee.chamber.state_id != agreement.state_id:
        raise ValidationFailed(
            _(
                "The %(committee)s is a committee of another state's parliament.",
                committee=committee.name,
            ),
            field="committee",
        )
    if chamber is not None and chamber.state_id != agreement.state_id:
        raise ValidationFailed(
            _(
                "The %(chamber)s is a chamber of another state; choose one of %(state)s's "
                "chambers.",
                chamber=chamber.name,
                state=agreement.state.name,
            ),
            field="chamber",
        )
    if committee is not None and chamber is not None and committee.chamber_id != chamber.id:
        raise ValidationFailed(
            _(
                "The %(committee)s is a committee of the %(its_chamber)s, not of the %(chamber)s.",
                committee=committee.name,
                its_chamber=committee.chamber.name,
                chamber=chamber.name,
            ),
            field="committee",
        )


def _ordered(agreement: Agreement) -> list[Stage]:
    return sorted(agreement.stages, key=lambda s: (s.position, s.id or 0))


def _renumber(actor: User, stages: list[Stage], *, skip: Stage | None = None) -> None:
    """Give the stages positions 0, 1, 2… in list order, auditing each one that moves.

    Only stages whose position differs are written, so an edit elsewhere in the list
    does not bump the version of every stage (and cause needless conflicts).
    """
    for index, stage in enumerate(stages):
        if stage.position != index and stage is not skip:
            _update(actor, stage, {"position": index}, action="stage.moved")


def add_stage(
    actor: User,
    agreement: Agreement,
    *,
    kind: StageKind,
    chamber: Chamber | None = None,
    committee: Committee | None = None,
    scheduled_on: date | None = None,
    notes: str | None = None,
    position: int | None = None,
) -> Stage:
    """Add a stage to an agreement, at `position` (0-based) or at the end."""
    require(actor, Action.CREATE, Stage, state=agreement.state)
    if committee is not None and chamber is None:
        chamber = committee.chamber
    _check_place(agreement, chamber, committee)
    ordered = _ordered(agreement)
    index = len(ordered) if position is None else max(0, min(position, len(ordered)))
    stage = Stage(
        agreement=agreement,
        kind=kind,
        chamber=chamber,
        committee=committee,
        scheduled_on=scheduled_on,
        notes=notes,
        status=StageStatus.SCHEDULED,
        position=index,
    )
    records.create(actor, stage, action="stage.created", state=agreement.state)
    inputs_changed(agreement.state_id)
    _reload_enums(stage)
    # The later stages move down by one to make room.
    _renumber(actor, [*ordered[:index], stage, *ordered[index:]], skip=stage)
    return stage


STAGE_FIELDS = ("kind", "chamber", "committee", "scheduled_on", "notes", "position")


def update_stage(
    actor: User, stage: Stage, changes: dict[str, Any], *, expected_version: int | None
) -> dict[str, Any]:
    """Edit a stage's kind, place, scheduled date, notes and place in the list.

    The status changes only through the actions (schedule, postpone, hold, cancel) and
    by recording a vote. Returns what changed.
    """
    records.check_fields(changes, STAGE_FIELDS)
    records.begin_edit(actor, stage, expected_version)
    agreement = stage.agreement
    chamber = changes.get("chamber", stage.chamber)
    committee = changes.get("committee", stage.committee)
    if committee is not None and chamber is None:
        chamber = committee.chamber
    _check_place(agreement, chamber, committee)
    kind = changes.get("kind", stage.kind)
    if stage.vote_event is not None and (
        not kind.is_vote or chamber is not stage.chamber or committee is not stage.committee
    ):
        raise ValidationFailed(
            _(
                "A vote is recorded for this stage: its kind, chamber and committee stay as "
                "they were."
            ),
            field="kind",
        )
    values: dict[str, Any] = {"kind": kind, "chamber": chamber, "committee": committee}
    for field in ("scheduled_on", "notes"):
        if field in changes:
            values[field] = changes[field]
    position = changes.get("position")
    if position is not None:
        others = [s for s in _ordered(agreement) if s is not stage]
        index = max(0, min(position, len(others)))
        values["position"] = index
        _renumber(actor, [*others[:index], stage, *others[index:]], skip=stage)
    return _update(actor, stage, values, action="stage.updated")


def move_stage(actor: User, stage: Stage, direction: str) -> bool:
    """Swap a stage with its neighbour above ("up") or below ("down").

    Returns False when it is already first or last (nothing is written).
    """
    require(actor, Action.EDIT, stage)
    ordered = _ordered(stage.agreement)
    refused = _("Move a stage up or down.")
    if not records.swap_with_neighbour(ordered, stage, direction, refused=refused):
        return False
    _renumber(actor, ordered)
    return True


# --- The actions: schedule, postpone, hold, cancel ------------------------------------------


def _fmt(day: date | None) -> str:
    return format_when(day, "%d %b %Y") if day else ""


def _set_status(actor: User, stage: Stage, status: StageStatus, **dates: Any) -> dict[str, Any]:
    """Give a stage its new status and the date that goes with it, audited as the action
    of that name (`stage.held`, say)."""
    return _update(actor, stage, {"status": status, **dates}, action=f"stage.{status.value}")


def schedule_stage(
    actor: User, stage: Stage, on: date, *, expected_version: int | None
) -> dict[str, Any]:
    """Set the date a stage is expected (again): status `scheduled`."""
    records.begin_edit(actor, stage, expected_version)
    if stage.status is StageStatus.HELD:
        if stage.held_on:
            message = _(
                "This stage was held on %(date)s; a stage that has happened cannot be scheduled "
                "again. Add a new stage instead.",
                date=_fmt(stage.held_on),
            )
        else:
            message = _(
                "This stage was held; a stage that has happened cannot be scheduled again. Add "
                "a new stage instead."
            )
        raise ValidationFailed(message, field="on")
    return _set_status(actor, stage, StageStatus.SCHEDULED, scheduled_on=on)


def postpone_stage(
    actor: User, stage: Stage, to: date, *, expected_version: int | None
) -> dict[str, Any]:
    """Move a stage to a later date: status `postponed`."""
    records.begin_edit(actor, stage, expected_version)
    if stage.status in (StageStatus.HELD, StageStatus.CANCELLED):
        if stage.status is StageStatus.HELD:
            message = _("This stage is held; only a stage still to come can be postponed.")
        else:
            message = _("This stage is cancelled; only a stage still to come can be postponed.")
        raise ValidationFailed(message, field="on")
    if stage.scheduled_on is not None and to <= stage.scheduled_on:
        raise ValidationFailed(
            _(
                "A postponement needs a date later than %(date)s, the date it is scheduled for "
                "now. To bring the stage forward, schedule it for the earlier date.",
                date=_fmt(stage.scheduled_on),
            ),
            field="on",
        )
    return _set_status(actor, stage, StageStatus.POSTPONED, scheduled_on=to)


def hold_stage(
    actor: User, stage: Stage, held_on: date | None, *, expected_version: int | None
) -> dict[str, Any]:
    """Record that a stage has happened (its date if known): status `held`."""
    records.begin_edit(actor, stage, expected_version)
    if stage.status is StageStatus.HELD:
        raise ValidationFailed(_("This stage is already marked as held."), field="on")
    if stage.status is StageStatus.CANCELLED:
        raise ValidationFailed(
            _("This stage was cancelled. Schedule it again before marking it as held."), field="on"
        )
    if held_on is not None and held_on > today():
        raise ValidationFailed(_("A stage cannot be held in the future."), field="on")
    return _set_status(actor, stage, StageStatus.HELD, held_on=held_on)


def cancel_stage(actor: User, stage: Stage, *, expected_version: int | None) -> dict[str, Any]:
    """Record that a stage will not happen: status `cancelled`."""
    records.begin_edit(actor, stage, expected_version)
    if stage.status is StageStatus.HELD:
        raise ValidationFailed(_("This stage was held; it can no longer be cancelled."))
    if stage.status is StageStatus.CANCELLED:
        raise ValidationFailed(_("This stage is already cancelled."))
    return _set_status(actor, stage, StageStatus.CANCELLED)
