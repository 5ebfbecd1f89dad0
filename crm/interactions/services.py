"""Writes about contacts with representatives and the follow-ups they lead to.

Every function checks the actor's permission, validates the whole request before it
writes anything, audits and flushes; the caller commits once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from operator import attrgetter
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import format_number
from flask_babel import gettext as _

from crm import records
from crm.auth.models import User
from crm.auth.permissions import Action, require
from crm.db import today, utcnow
from crm.errors import ValidationFailed
from crm.extensions import db
from crm.interactions import queries
from crm.interactions.models import (
    MAX_FOLLOW_UPS,
    Confidentiality,
    FollowUp,
    FollowUpStatus,
    Interaction,
    InteractionKind,
)
from crm.parliament.models import Confidence, Representative, Stance, StanceRecord, StanceSource
from crm.parliament.services import do_not_contact_override, record_stance, refresh_current_stances
from crm.states.models import State

MAX_PEOPLE = 50
EARLIEST_CONTACT = datetime(1990, 1, 1, tzinfo=UTC)
# A phone's clock may run a little ahead of the server's.
CLOCK_SLACK = timedelta(minutes=10)
LATEST_DUE = timedelta(days=5 * 366)

# Where a stance seen in a contact comes from. A petition is handed over in public; every
# other kind of contact is a conversation with us.
_STANCE_SOURCE = {InteractionKind.PETITION_HANDOVER: StanceSource.PUBLIC_STATEMENT}


def stance_source(kind: InteractionKind) -> StanceSource:
    """The source of a stance observed in a contact of this kind."""
    return _STANCE_SOURCE.get(kind, StanceSource.PRIVATE_MEETING)


@dataclass(frozen=True)
class StanceSeen:
    """The stance a representative showed in the contact."""

    representative_id: int
    stance: Stance
    confidence: Confidence = Confidence.MEDIUM
    note: str | None = None


@dataclass(frozen=True)
class FollowUpDraft:
    """A follow-up to create with the contact."""

    title: str
    due_on: date | None = None
    assignee_id: int | None = None
    details: str | None = None


# --- Checks shared by the use cases ---------------------------------------------------


def _check_occurred_at(occurred_at: datetime) -> None:
    if occurred_at.tzinfo is None:
        raise ValueError("occurred_at must be timezone-aware")
    if occurred_at < EARLIEST_CONTACT:
        raise ValidationFailed(_("That date is too far in the past."), field="occurred_at")
    if occurred_at > utcnow() + CLOCK_SLACK:
        raise ValidationFailed(
            _("A contact cannot be logged before it happens."), field="occurred_at"
        )


def _check_text(value: str | None, *, field: str, required: str | None, limit: int) -> None:
    text = (value or "").strip()
    if required and not text:
        raise ValidationFailed(required, field=field)
    if len(text) > limit:
        raise ValidationFailed(
            _("At most %(limit)s characters.", limit=format_number(limit)), field=field
        )


def _representatives(
    state: State, ids: Sequence[int], *, keep: Iterable[Representative] = ()
) -> list[Representative]:
    """The representatives named by `ids`, all of `state` and not archived (unless kept)."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        raise ValidationFailed(_("Choose at least one representative."), field="representatives")
    if len(wanted) > MAX_PEOPLE:
        raise ValidationFailed(
            _("At most %(limit)s representatives per contact.", limit=format_number(MAX_PEOPLE)),
            field="representatives",
        )
    found = queries.representatives_by_ids(wanted)
    kept = {r.id for r in keep}
    chosen = []
    for rep_id in wanted:
        rep = found.get(rep_id)
        if rep is None or rep.state_id != state.id:
            # The same answer for another state's person and for no one: ids are not a
            # way to learn what exists elsewhere.
            raise ValidationFailed(
                _(
                    "Representative %(id)s is not in the parliament of %(state)s: choose the "
                    "people met from the list.",
                    id=rep_id,
                    state=state.name,
                ),
                field="representatives",
            )
        if rep.archived_at is not None and rep.id not in kept:
            raise ValidationFailed(
                _(
                    "%(name)s's record is archived; ask an administrator to restore it first.",
                    name=rep.name,
                ),
                field="representatives",
            )
        chosen.append(rep)
    return chosen


def representatives_met(state: State, ids: Sequence[int]) -> list[Representative]:
    """The people a new contact names, checked as `record_interaction` checks them (a form
    that refuses for another reason still says what is wrong with them)."""
    return _representatives(state, ids)


def allowed_people(state: State, actor: User, *, keep: Iterable[User] = ()) -> list[User]:
    """Who may be named as taking part in, or doing, the state's work.

    The state's section members, the actor, and whoever is already named (so that an edit
    does not drop someone who has since moved to another section).
    """
    people = {u.id: u for u in queries.state_users(state)}
    for user in (actor, *keep):
        people.setdefault(user.id, user)
    return sorted(people.values(), key=lambda u: (u.name.casefold(), u.id))


def _people(
    state: State, actor: User, ids: Sequence[int], *, field: str, keep: Iterable[User] = ()
) -> list[User]:
    wanted = list(dict.fromkeys(ids))
    if len(wanted) > MAX_PEOPLE:
        raise ValidationFailed(
            _("At most %(limit)s people.", limit=format_number(MAX_PEOPLE)), field=field
        )
    allowed = {u.id: u for u in allowed_people(state, actor, keep=keep)}
    unknown = [i for i in wanted if i not in allowed]
    if unknown:
        raise ValidationFailed(
            _(
                "Choose people from the list: only members of the section for %(state)s can be "
                "named here.",
                state=state.name,
            ),
            field=field,
        )
    return [allowed[i] for i in wanted]


def _assignee(
    state: State, actor: User, assignee_id: int | None, *, keep: User | None = None
) -> User | None:
    if assignee_id is None:
        return None
    [user] = _people(
        state, actor, [assignee_id], field="assignee", keep=[keep] if keep is not None else []
    )
    return user


def _observed_on(occurred_at: datetime, state: State) -> date:
    """The day a stance was seen: the contact's date where it happened.

    A contact early in the morning east of UTC is already "tomorrow" by the UTC calendar
    that `record_stance` checks against; it is today's observation, not a future one.
    """
    return min(occurred_at.astimezone(ZoneInfo(state.timezone)).date(), today())


def _audit_links(interaction: Interaction) -> dict[str, list[str]]:
    return {
        "representatives": [r.name for r in interaction.representatives],
        "participants": [u.email for u in interaction.participants],
    }


# --- Interactions ------------------------------------------------------------------------


def record_interaction(
    actor: User,
    state: State,
    *,
    occurred_at: datetime,
    kind: InteractionKind,
    representative_ids: Sequence[int],
    participant_ids: Sequence[int],
    summary: str,
    outcome: str | None = None,
    confidentiality: Confidentiality = Confidentiality.NORMAL,
    stances: Sequence[StanceSeen] = (),
    follow_ups: Sequence[FollowUpDraft] = (),
    do_not_contact_reason: str | None = None,
) -> Interaction:
    """Log a contact with its people, the stances seen and its follow-ups, all or nothing.

    Each stance becomes a stance record (updating the representative's current stance)
    linked to the interaction; each follow-up is linked to it, and to the representative
    when only one was met. Someone met who asked not to be contacted needs
    `do_not_contact_reason`, kept in the audit entry (parliament's do_not_contact_override).
    """
    require(actor, Action.CREATE, Interaction, state=state)
    _check_occurred_at(occurred_at)
    _check_text(summary, field="summary", required=_("Write what was said."), limit=10_000)
    _check_text(outcome, field="outcome", required=None, limit=5_000)
    representatives = _representatives(state, representative_ids)
    override = do_not_contact_override(
        representatives, do_not_contact_reason, field="do_not_contact_reason"
    )
    participants = _people(state, actor, participant_ids, field="participants")

    met = {r.id: r for r in representatives}
    seen_ids = [s.representative_id for s in stances]
    if len(seen_ids) != len(set(seen_ids)):
        raise ValidationFailed(_("One stance per representative, please."), field="stances")
    for seen in stances:
        if seen.representative_id not in met:
            raise ValidationFailed(
                _("A stance can only be recorded for someone met in this contact."), field="stances"
            )
    if len(follow_ups) > MAX_FOLLOW_UPS:
        raise ValidationFailed(
            _(
                "At most %(limit)s follow-ups can be added here.",
                limit=format_number(MAX_FOLLOW_UPS),
            ),
            field="follow_ups",
        )
    contact_day = occurred_at.astimezone(ZoneInfo(state.timezone)).date()
    assignees = []
    for draft in follow_ups:
        _check_follow_up_text(draft.title, draft.details, field_prefix="follow_ups")
        if draft.due_on is not None and draft.due_on < contact_day:
            raise ValidationFailed(
                _("A follow-up cannot be due before the contact."), field="follow_ups"
            )
        _check_due_not_too_far(draft.due_on, field="follow_ups")
        assignees.append(_assignee(state, actor, draft.assignee_id))

    interaction = Interaction(
        state=state,
        occurred_at=occurred_at,
        kind=kind,
        summary=summary,
        outcome=outcome,
        confidentiality=confidentiality,
        created_by=actor,
        representatives=representatives,
        participants=participants,
    )
    records.create(
        actor,
        interaction,
        action="interaction.created",
        state=state,
        note={
            **_audit_links(interaction),
            **({"do_not_contact_override": override} if override else {}),
        },
    )

    observed_on = _observed_on(occurred_at, state)
    for seen in stances:
        record_stance(
            actor,
            met[seen.representative_id],
            stance=seen.stance,
            source=stance_source(kind),
            observed_on=observed_on,
            confidence=seen.confidence,
            note=seen.note,
            interaction=interaction,
        )

    about = representatives[0] if len(representatives) == 1 else None
    for draft, assignee in zip(follow_ups, assignees, strict=True):
        _add_follow_up(actor, state, draft, assignee, about, interaction)
    return interaction


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


# The interaction's own columns that its edit form changes.
INTERACTION_FIELDS = ("occurred_at", "kind", "summary", "outcome", "confidentiality")


def update_interaction(
    actor: User,
    interaction: Interaction,
    changes: dict[str, Any],
    *,
    representative_ids: Sequence[int],
    participant_ids: Sequence[int],
    expected_version: int | None,
    do_not_contact_reason: str | None = None,
) -> dict[str, Any]:
    """Edit a contact and who was in it; returns what changed.

    A change of people alone still moves the version on, so that a form opened before it
    cannot silently undo it. Adding someone who asked not to be contacted takes a reason,
    as logging the contact with them would (kept in the audit entry of the change).
    """
    records.check_fields(changes, INTERACTION_FIELDS)
    records.begin_edit(actor, interaction, expected_version)
    state = interaction.state
    if "occurred_at" in changes:
        _check_occurred_at(changes["occurred_at"])
    if "summary" in changes:
        _check_text(
            changes["summary"], field="summary", required=_("Write what was said."), limit=10_000
        )
    if "outcome" in changes:
        _check_text(changes["outcome"], field="outcome", required=None, limit=5_000)
    representatives = _representatives(state, representative_ids, keep=interaction.representatives)
    already = {r.id for r in interaction.representatives}
    override = do_not_contact_override(
        [r for r in representatives if r.id not in already],
        do_not_contact_reason,
        field="do_not_contact_reason",
    )
    participants = _people(
        state, actor, participant_ids, field="participants", keep=interaction.participants
    )
    reps_change = {r.id for r in representatives} != {r.id for r in interaction.representatives}
    people_change = {u.id for u in participants} != {u.id for u in interaction.participants}
    if reps_change or people_change:
        changes = {**changes, "updated_at": utcnow()}
    changed = records.update(
        actor, interaction, changes, action="interaction.updated", expected_version=expected_version
    )
    named = records.replace_collection(
        actor,
        interaction,
        "representatives",
        representatives,
        action="interaction.updated",
        describe=attrgetter("name"),
        note={"do_not_contact_override": override} if override else None,
    )
    taking_part = records.replace_collection(
        actor,
        interaction,
        "participants",
        participants,
        action="interaction.updated",
        describe=attrgetter("email"),
    )
    if named is not None:
        changed["representatives"] = named
    if taking_part is not None:
        changed["participants"] = taking_part
    if "confidentiality" in changed:
        # Whether a current stance shows its exact date follows the contact it came from.
        refresh_current_stances(
            db.session.scalars(
                sa.select(StanceRecord.representative_id)
                .where(StanceRecord.interaction_id == interaction.id)
                .distinct()
            ).all()
        )
    return changed


def archive_interaction(actor: User, interaction: Interaction) -> None:
    """Archive a contact (it leaves timelines and lists; an administrator can restore it)."""
    records.archive(actor, interaction, action="interaction.archived")


def restore_interaction(actor: User, interaction: Interaction) -> None:
    records.restore(actor, interaction, action="interaction.restored")


# --- Follow-ups -----------------------------------------------------------------------


def _check_follow_up_text(
    title: str | None, details: str | None, *, field_prefix: str = ""
) -> None:
    _check_text(
        title, field=field_prefix or "title", required=_("Say what is to be done."), limit=300
    )
    _check_text(details, field=field_prefix or "details", required=None, limit=5_000)


def _check_due_not_too_far(due_on: date | None, *, field: str) -> None:
    if due_on is not None and due_on > today() + LATEST_DUE:
        raise ValidationFailed(_("That due date is more than five years away."), field=field)


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
