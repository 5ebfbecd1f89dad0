"""Writes about representatives: profiles, memberships, stances."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from crm import records
from crm.audit.services import record, snapshot
from crm.auth.permissions import Action, require
from crm.db import today
from crm.errors import ValidationFailed
from crm.extensions import db
from crm.parliament.models import (
    Confidence,
    Representative,
    Stance,
    StanceRecord,
    StanceSource,
)
from crm.text import search_text

if TYPE_CHECKING:
    from crm.auth.models import User
    from crm.interactions.models import Interaction
    from crm.votes.models import Vote


def refresh_search_text(representative: Representative) -> None:
    """Recompute the folded names used by search (after a name or other name changes)."""
    representative.search_text = search_text(
        [representative.name, *(other.name for other in representative.other_names)]
    )


def refresh_current_stances(representative_ids: Iterable[int]) -> None:
    """Set each representative's cached current stance from their newest live record.

    Newest means the latest observation date, then the latest recorded; a representative
    without records is `unknown`.
    """
    ids = list(representative_ids)
    if not ids:
        return
    ranked = (
        sa.select(
            StanceRecord.representative_id,
            StanceRecord.stance,
            StanceRecord.observed_on,
            sa.func.row_number()
            .over(
                partition_by=StanceRecord.representative_id,
                order_by=(StanceRecord.observed_on.desc(), StanceRecord.id.desc()),
            )
            .label("rank"),
        )
        .where(StanceRecord.representative_id.in_(ids), StanceRecord.archived_at.is_(None))
        .subquery()
    )
    latest = {
        rep_id: (stance, observed_on)
        for rep_id, stance, observed_on in db.session.execute(
            sa.select(ranked.c.representative_id, ranked.c.stance, ranked.c.observed_on).where(
                ranked.c.rank == 1
            )
        )
    }
    for chunk_start in range(0, len(ids), 500):
        for representative in db.session.scalars(
            sa.select(Representative).where(
                Representative.id.in_(ids[chunk_start : chunk_start + 500])
            )
        ):
            stance, observed_on = latest.get(representative.id, (Stance.UNKNOWN, None))
            if representative.stance != stance or representative.stance_on != observed_on:
                representative.stance = Stance(stance)
                representative.stance_on = observed_on


def record_stance(
    actor: User | None,
    representative: Representative,
    *,
    stance: Stance,
    source: StanceSource,
    observed_on: date,
    confidence: Confidence = Confidence.MEDIUM,
    note: str | None = None,
    interaction: Interaction | None = None,
    vote: Vote | None = None,
) -> StanceRecord:
    """Record an observation of a representative's stance and update their current stance.

    `actor` is None only for imports and the demo loader, which check nothing.
    """
    if actor is not None:
        require(actor, Action.CREATE, StanceRecord, state=representative.state)
    if observed_on > today():
        raise ValidationFailed("A stance cannot be observed in the future.", field="observed_on")
    entry = StanceRecord(
        representative=representative,
        stance=stance,
        source=source,
        confidence=confidence,
        observed_on=observed_on,
        note=(note or "").strip() or None,
        recorded_by=actor,
        interaction=interaction,
        vote=vote,
    )
    db.session.add(entry)
    db.session.flush()
    refresh_current_stances([representative.id])
    record(actor, "stance.recorded", entry, after=snapshot(entry))
    return entry


# The fields of a representative that the edit form changes directly.
EDITABLE_FIELDS = (
    "name",
    "sort_name",
    "given_name",
    "family_name",
    "gender",
    "languages",
    "influence",
    "tags",
    "notes",
    "do_not_contact",
    "do_not_contact_reason",
)


def update_representative(
    actor: User,
    representative: Representative,
    changes: dict[str, Any],
    *,
    expected_version: int | None,
) -> dict[str, Any]:
    """Edit a representative's profile; returns what changed."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable here: {', '.join(sorted(unknown))}")
    if changes.get("do_not_contact") and not (
        changes.get("do_not_contact_reason") or representative.do_not_contact_reason
    ):
        raise ValidationFailed(
            "Say why this person must not be contacted.", field="do_not_contact_reason"
        )
    if not changes.get("sort_name", representative.sort_name):
        changes = {**changes, "sort_name": changes.get("name") or representative.name}
    changed = records.update(
        actor,
        representative,
        changes,
        action="representative.updated",
        expected_version=expected_version,
    )
    if {"name"} & changed.keys():
        refresh_search_text(representative)
    return changed
