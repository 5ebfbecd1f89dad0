"""Stances: recording an observation, the cached current stance derived from the records,
and archiving a record made in error (and restoring it)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _

from crm import records
from crm.auth.permissions import Action, require
from crm.db import today, utcnow
from crm.errors import ValidationFailed
from crm.extensions import db
from crm.interactions.models import Confidentiality, Interaction
from crm.parliament.models import Confidence, Representative, Stance, StanceRecord, StanceSource
from crm.parliament.services.rules import refuse_archived
from crm.risk.changes import inputs_changed

if TYPE_CHECKING:
    from crm.auth.models import User
    from crm.votes.models import Vote


def refresh_current_stances(representative_ids: Iterable[int]) -> None:
    """Set each representative's cached current stance from their newest live record.

    Newest means the latest observation date, then the latest recorded; a representative
    without records is `unknown`. The cache also notes whether that record was observed in
    a restricted contact (call again when a contact's confidentiality changes).
    """
    ids = list(representative_ids)
    if not ids:
        return
    restricted = sa.exists().where(
        Interaction.id == StanceRecord.interaction_id,
        Interaction.confidentiality == Confidentiality.RESTRICTED,
    )
    ranked = (
        sa.select(
            StanceRecord.representative_id,
            StanceRecord.stance,
            StanceRecord.observed_on,
            sa.case((restricted, True), else_=False).label("restricted"),
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
        rep_id: (Stance(stance), observed_on, bool(is_restricted))
        for rep_id, stance, observed_on, is_restricted in db.session.execute(
            sa.select(
                ranked.c.representative_id,
                ranked.c.stance,
                ranked.c.observed_on,
                ranked.c.restricted,
            ).where(ranked.c.rank == 1)
        )
    }
    # The cached stance is derived data: it is written without the representative's version,
    # so someone editing the profile meanwhile gets no conflict they could not explain.
    # A Table: SQLAlchemy types `__table__` as any FromClause, which sa.update() refuses.
    table = cast("sa.Table", Representative.__table__)
    changed: list[dict[str, Any]] = []
    states: set[int] = set()
    for chunk_start in range(0, len(ids), 500):
        for rep_id, state_id, cached, cached_on, cached_restricted in db.session.execute(
            sa.select(
                table.c.id,
                table.c.state_id,
                table.c.stance,
                table.c.stance_on,
                table.c.stance_restricted,
            ).where(table.c.id.in_(ids[chunk_start : chunk_start + 500]))
        ):
            now = latest.get(rep_id, (Stance.UNKNOWN, None, False))
            if (Stance(cached), cached_on, bool(cached_restricted)) != now:
                changed.append({"rep_id": rep_id, "s": now[0], "on": now[1], "r": now[2]})
                states.add(state_id)
    if not changed:
        return
    inputs_changed(*states)
    db.session.execute(
        sa.update(table)
        .where(table.c.id == sa.bindparam("rep_id"))
        .values(
            stance=sa.bindparam("s"),
            stance_on=sa.bindparam("on"),
            stance_restricted=sa.bindparam("r"),
        ),
        changed,
    )
    # Objects already in the session read the new values on their next access.
    updated = {row["rep_id"] for row in changed}
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Representative) and obj.id in updated:
            db.session.expire(obj, ["stance", "stance_on", "stance_restricted"])


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
    checked: bool = False,
) -> StanceRecord:
    """Record an observation of a representative's stance and update their current stance.

    `actor` is None only for the command line, which checks nothing;
    `checked` where the caller's own permission covers the stance (a vote recorded: the
    permission to record a state's votes covers the stances its roll call shows).
    """
    if actor is not None and not checked:
        require(actor, Action.CREATE, StanceRecord, state=representative.state)
    if vote is None:
        # A roll call names whoever voted; anything else is about a record still in use.
        refuse_archived(representative)
    # "Today" where the representative is: east of UTC, their day starts before ours.
    local_today = utcnow().astimezone(ZoneInfo(representative.state.timezone)).date()
    if observed_on > max(today(), local_today):
        raise ValidationFailed(_("A stance cannot be observed in the future."), field="observed_on")
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
    # The permission was checked first: a refused user learns nothing from the rules.
    records.create(actor, entry, action="stance.recorded", checked=True)
    refresh_current_stances([representative.id])
    return entry


def archive_stance_record(actor: User, entry: StanceRecord) -> None:
    """Archive a stance recorded in error; the current stance is derived again without it."""
    require(actor, Action.ARCHIVE, entry)
    records.archive(actor, entry, action="stance.archived")
    refresh_current_stances([entry.representative_id])
    db.session.flush()


def restore_stance_record(actor: User, entry: StanceRecord) -> None:
    """Restore a stance record archived in error; the current stance is derived again."""
    require(actor, Action.RESTORE, entry)
    records.restore(actor, entry, action="stance.restored")
    refresh_current_stances([entry.representative_id])
    db.session.flush()
