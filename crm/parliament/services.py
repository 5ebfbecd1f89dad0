"""Writes about representatives that other features rely on."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from crm.extensions import db
from crm.parliament.models import Representative, Stance, StanceRecord
from crm.text import search_text


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
