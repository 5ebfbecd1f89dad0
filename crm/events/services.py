"""Writes about public events and the representatives invited to them.

Every function checks the permission, refuses what breaks a rule with a `DomainError`
naming the field, writes through `crm.records` (audit and optimistic locking) and flushes;
the caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import format_number
from flask_babel import gettext as _

from crm import records
from crm.auth.permissions import Action, require
from crm.dates import format_when
from crm.db import utcnow
from crm.errors import ValidationFailed
from crm.events.models import Event, EventStatus, Invitation, Rsvp
from crm.extensions import db
from crm.parliament.models import Membership, Representative
from crm.parliament.services.rules import do_not_contact_override
from crm.states.models import Stage, StageStatus
from crm.states.queries import current_membership_filter

if TYPE_CHECKING:
    from crm.auth.models import Section, User
    from crm.states.models import State


# --- Local times ------------------------------------------------------------------------


@dataclass(frozen=True)
class LocalTimeOption:
    """One of the two instants a wall-clock time means when the clocks go back."""

    fold: int
    label: str


def _offset(moment: datetime) -> str:
    offset = moment.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _is_gap(local: datetime, zone: ZoneInfo) -> bool:
    """Whether the wall-clock time does not exist (the clocks jumped over it)."""
    moment = local.replace(tzinfo=zone, fold=0)
    return moment.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != local


def ambiguous_options(local: datetime | None, timezone: str) -> list[LocalTimeOption]:
    """The two readings of a wall-clock time that happens twice; empty when it is unique."""
    if local is None:
        return []
    zone = ZoneInfo(timezone)
    local = local.replace(tzinfo=None)
    first, second = local.replace(tzinfo=zone, fold=0), local.replace(tzinfo=zone, fold=1)
    try:
        if first.utcoffset() == second.utcoffset() or _is_gap(local, zone):
            return []
    except OverflowError:  # the first or last days a datetime can hold: never a real event
        return []
    return [LocalTimeOption(n, _reading(n, moment)) for n, moment in enumerate((first, second))]


def _reading(fold: int, moment: datetime) -> str:
    """One reading of a time the clocks pass twice: "The first 02:30, EEST (UTC+03:00)"."""
    said = {"time": f"{moment:%H:%M}", "zone": moment.tzname(), "offset": _offset(moment)}
    if fold == 0:
        return str(_("The first %(time)s, %(zone)s (%(offset)s)", **said))
    return str(_("The second %(time)s, %(zone)s (%(offset)s)", **said))


def _time_said(local: datetime, timezone: str) -> dict[str, str]:
    """A wall-clock time the clocks skip or pass twice, as the refusals say it."""
    return {
        "time": f"{local:%H:%M}",
        "date": format_when(local.date(), "%d %b %Y"),
        "zone": timezone,
    }


def local_to_utc(
    local: datetime, timezone: str, *, fold: int | None = None, field: str = "starts_at"
) -> datetime:
    """A wall-clock time in the state's zone as an aware UTC datetime.

    A time the clocks skip (spring forward) is refused; a time that happens twice (the
    clocks go back) needs `fold` (0: the first, 1: the second) to say which one is meant.
    """
    zone = ZoneInfo(timezone)
    local = local.replace(tzinfo=None)
    try:
        gap = _is_gap(local, zone)
    except OverflowError:
        raise ValidationFailed(_("Enter a date in a sensible year."), field=field) from None
    if gap:
        after = local.replace(tzinfo=zone, fold=0).astimezone(UTC).astimezone(zone)
        raise ValidationFailed(
            _(
                "%(time)s does not exist on %(date)s in %(zone)s: the clocks jump forward then. "
                "Enter a time after the change, such as %(after)s.",
                after=f"{after:%H:%M}",
                **_time_said(local, timezone),
            ),
            field=field,
        )
    if ambiguous_options(local, timezone):
        if fold not in (0, 1):
            raise ValidationFailed(
                _(
                    "%(time)s happens twice on %(date)s in %(zone)s, because the clocks go back. "
                    "Choose which one you mean.",
                    **_time_said(local, timezone),
                ),
                field=f"{field}_fold",
            )
        return local.replace(tzinfo=zone, fold=fold).astimezone(UTC)
    return local.replace(tzinfo=zone).astimezone(UTC)


def local_date(moment: datetime, timezone: str) -> date:
    """The day a UTC instant falls on in the given zone."""
    return moment.astimezone(ZoneInfo(timezone)).date()


# --- The vote an event aims at ------------------------------------------------------------


def vote_date(stage: Stage | None) -> date | None:
    """The day of the stage an event targets: held, or else scheduled; None if cancelled."""
    if stage is None or stage.status is StageStatus.CANCELLED:
        return None
    return stage.held_on or stage.scheduled_on


def starts_after_stage(event: Event, stage: Stage | None, timezone: str) -> bool:
    """Whether the event starts (in the state's zone) on a day after the vote it aims at.

    The campaign wants events before the vote they are meant to influence; a cancelled
    event warns nobody.
    """
    day = vote_date(stage)
    if day is None or event.status is EventStatus.CANCELLED or event.starts_at is None:
        return False
    return local_date(event.starts_at, timezone) > day


# --- Events --------------------------------------------------------------------------------

# What the event form sets directly (section and stage are objects, checked below).
EVENT_FIELDS = (
    "title",
    "kind",
    "status",
    "city",
    "venue",
    "starts_at",
    "ends_at",
    "description",
    "section",
    "stage",
    "expected_attendance",
    "actual_attendance",
    "signatures_handed_over",
    "press_links",
    "outcome",
)

MAX_PRESS_LINKS = 20


def _check_event(state: State, values: Mapping[str, Any], now: datetime) -> None:
    """Rules that need more than one field, or the database."""
    starts, ends = values["starts_at"], values.get("ends_at")
    if starts.tzinfo is None or (ends is not None and ends.tzinfo is None):
        raise ValueError("event times must be aware datetimes")
    if ends is not None and ends < starts:
        raise ValidationFailed(_("The event cannot end before it starts."), field="ends_at")
    section: Section | None = values.get("section")
    if section is not None and section not in state.sections:
        raise ValidationFailed(
            _("Choose one of the sections responsible for this state."), field="section"
        )
    stage: Stage | None = values.get("stage")
    if stage is not None and stage.agreement.state_id != state.id:
        raise ValidationFailed(_("Choose a stage of this state's agreement."), field="stage")
    started = starts <= now
    if values.get("status") is EventStatus.HELD and not started:
        raise ValidationFailed(
            _("An event can only be marked held once it has started."), field="status"
        )
    if values.get("actual_attendance") is not None and not started:
        raise ValidationFailed(
            _("Actual attendance can be recorded once the event has started."),
            field="actual_attendance",
        )
    if values.get("signatures_handed_over") is not None and not started:
        raise ValidationFailed(
            _("Signatures handed over can be recorded once the event has started."),
            field="signatures_handed_over",
        )
    links = values.get("press_links") or []
    if len(links) > MAX_PRESS_LINKS:
        raise ValidationFailed(
            _("At most %(limit)s press links.", limit=format_number(MAX_PRESS_LINKS)),
            field="press_links",
        )


def _refuse_archived(event: Event) -> None:
    if event.archived_at is not None:
        raise ValidationFailed(
            _("This event is archived: an administrator must restore it before it can change.")
        )


def create_event(actor: User, state: State, values: Mapping[str, Any]) -> Event:
    """Plan a new event in `state`; `values` holds the EVENT_FIELDS (times aware, in UTC)."""
    require(actor, Action.CREATE, Event, state=state)
    records.check_fields(values, EVENT_FIELDS)
    _check_event(state, values, utcnow())
    if values.get("status") is EventStatus.CANCELLED:
        raise ValidationFailed(_("A new event cannot start out cancelled."), field="status")
    event = Event(state=state, created_by=actor, press_links=[])
    for field, value in values.items():
        setattr(event, field, value)
    return records.create(actor, event, action="event.created", state=state)


def update_event(
    actor: User, event: Event, values: Mapping[str, Any], *, expected_version: int | None
) -> dict[str, Any]:
    """Edit an event; returns what changed. A stale form raises `Conflict`."""
    require(actor, Action.EDIT, event)
    records.check_fields(values, EVENT_FIELDS)
    _refuse_archived(event)
    records.check_version(event, expected_version)
    merged = {field: getattr(event, field) for field in EVENT_FIELDS} | dict(values)
    _check_event(event.state, merged, utcnow())
    if values.get("status") is EventStatus.CANCELLED and event.status is not EventStatus.CANCELLED:
        # Cancelling has its own action, so the log says plainly that it was called off.
        raise ValidationFailed(_("Use “Cancel this event” to cancel it."), field="status")
    return records.update(
        actor, event, values, action="event.updated", expected_version=expected_version
    )


def cancel_event(actor: User, event: Event, *, expected_version: int | None = None) -> None:
    """Call the event off. It stays listed, marked cancelled (archiving hides it)."""
    require(actor, Action.EDIT, event)
    _refuse_archived(event)
    records.check_version(event, expected_version)
    if event.status is EventStatus.CANCELLED:
        raise ValidationFailed(_("This event is already cancelled."))
    if event.status is EventStatus.HELD:
        raise ValidationFailed(_("This event was held: it cannot be cancelled any more."))
    records.update(
        actor,
        event,
        {"status": EventStatus.CANCELLED},
        action="event.cancelled",
        expected_version=expected_version,
    )


def archive_event(actor: User, event: Event, *, expected_version: int | None = None) -> None:
    """Hide an event entered by mistake; an administrator can restore it."""
    records.archive(actor, event, action="event.archived", expected_version=expected_version)


def restore_event(actor: User, event: Event) -> None:
    """Bring an archived event back (administrators only)."""
    records.restore(actor, event, action="event.restored")


# --- Invitations ------------------------------------------------------------------------


def invitable_representatives(
    event: Event, representative_ids: Iterable[int], on: date
) -> list[Representative]:
    """Those of the given representatives who sit in the event's state's parliament today."""
    ids = sorted(set(representative_ids))
    if not ids:
        return []
    seated = sa.select(Membership.id).where(
        Membership.representative_id == Representative.id, current_membership_filter(on)
    )
    return list(
        db.session.scalars(
            sa.select(Representative)
            .where(
                Representative.id.in_(ids),
                Representative.state_id == event.state_id,
                Representative.archived_at.is_(None),
                seated.exists(),
            )
            .order_by(Representative.sort_name, Representative.id)
        )
    )


MAX_INVITED_AT_ONCE = 500


def invite(
    actor: User,
    event: Event,
    representative_ids: Iterable[int],
    *,
    on: date,
    do_not_contact_reason: str | None = None,
) -> list[Invitation]:
    """Invite current members of the event's state's parliament; returns the new invitations.

    Representatives already invited are left as they are. Inviting someone who asked not
    to be contacted needs `do_not_contact_reason` (refused, naming them, without one); it is
    kept in each of their invitations' audit entries.
    """
    require(actor, Action.CREATE, Invitation, state=event.state)
    _refuse_archived(event)
    ids = sorted(set(representative_ids))
    if not ids:
        raise ValidationFailed(
            _("Choose at least one representative to invite."), field="representative"
        )
    if len(ids) > MAX_INVITED_AT_ONCE:
        raise ValidationFailed(
            _(
                "Invite at most %(limit)s people at a time.",
                limit=format_number(MAX_INVITED_AT_ONCE),
            ),
            field="representative",
        )
    found = invitable_representatives(event, ids, on)
    if len(found) != len(ids):
        raise ValidationFailed(
            _("Only current members of this state's parliament can be invited."),
            field="representative",
        )
    already = set(
        db.session.scalars(
            sa.select(Invitation.representative_id).where(
                Invitation.event_id == event.id, Invitation.representative_id.in_(ids)
            )
        )
    )
    new = [rep for rep in found if rep.id not in already]
    if not new:
        raise ValidationFailed(_("Everyone chosen is already invited."), field="representative")
    override = do_not_contact_override(new, do_not_contact_reason, field="do_not_contact_reason")
    try:
        return [_add_invitation(actor, event, rep, override) for rep in new]
    except sa.exc.IntegrityError:
        # Someone invited one of them between our check and our write; the caller rolls back.
        raise ValidationFailed(
            _("Someone else invited some of these people at the same moment. Look again."),
            field="representative",
        ) from None


def _add_invitation(
    actor: User, event: Event, representative: Representative, override: dict[str, Any] | None
) -> Invitation:
    flagged = override is not None and representative.do_not_contact
    return records.create(
        actor,
        Invitation(event=event, representative=representative, rsvp=Rsvp.PENDING),
        action="invitation.created",
        state=event.state,
        note={"do_not_contact_override": override} if flagged else None,
    )


def update_invitation(
    actor: User,
    invitation: Invitation,
    *,
    rsvp: Rsvp,
    attended: bool | None,
    note: str | None,
    expected_version: int | None,
) -> dict[str, Any]:
    """Record a guest's answer, and after the event whether they came."""
    require(actor, Action.EDIT, invitation)
    _refuse_archived(invitation.event)
    records.check_version(invitation, expected_version)
    if attended is not None and invitation.event.starts_at > utcnow():
        raise ValidationFailed(
            _("Attendance can be recorded once the event has started."), field="attended"
        )
    return records.update(
        actor,
        invitation,
        {"rsvp": rsvp, "attended": attended, "note": note},
        action="invitation.updated",
        expected_version=expected_version,
    )


def remove_invitation(actor: User, invitation: Invitation) -> None:
    """Withdraw an invitation; the audit entry keeps what it said."""
    require(actor, Action.EDIT, invitation)
    _refuse_archived(invitation.event)
    records.delete(
        actor,
        invitation,
        action="invitation.removed",
        summary=f"{invitation.representative.name} — {invitation.event.title}",
    )
