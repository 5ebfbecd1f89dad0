"""Writes about contacts with representatives: logging one with the stances seen and its
follow-ups, editing, archiving and restoring it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import format_number
from flask_babel import gettext as _

from crm import records
from crm.auth.models import User
from crm.auth.permissions import Action, require
from crm.db import utcnow
from crm.errors import ValidationFailed
from crm.extensions import db
from crm.interactions.models import MAX_FOLLOW_UPS, Confidentiality, Interaction, InteractionKind
from crm.interactions.services.follow_ups import FollowUpDraft, _add_follow_up
from crm.interactions.services.rules import (
    _assignee,
    _audit_links,
    _check_due_not_too_far,
    _check_follow_up_text,
    _check_occurred_at,
    _check_text,
    _observed_on,
    _people,
    _representatives,
)
from crm.parliament.models import Confidence, Stance, StanceRecord, StanceSource
from crm.parliament.services import do_not_contact_override, record_stance, refresh_current_stances
from crm.states.models import State

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
