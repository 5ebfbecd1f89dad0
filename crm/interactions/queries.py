"""Reads for the interaction and follow-up pages. Each function makes a fixed number of queries."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.interfaces import LoaderOption

from crm.auth.models import Section, User, section_states, user_sections
from crm.extensions import db
from crm.interactions.models import (
    FollowUp,
    FollowUpStatus,
    Interaction,
    InteractionKind,
    interaction_representatives,
)
from crm.interactions.visibility import linked_for_states
from crm.parliament.models import Chamber, Membership, Representative, StanceRecord
from crm.parliament.queries import NameMatch
from crm.queries import get_loaded
from crm.states.models import State
from crm.states.queries import current_membership_filter

# Ids in URLs and forms are checked against this before they reach a query: PostgreSQL
# integers stop here, and a bigger number cannot name a row anyway.
MAX_ID = 2**31 - 1


def get_interaction(interaction_id: int) -> Interaction | None:
    """An interaction with everything its page shows (representatives, people, follow-ups)."""
    if not 0 < interaction_id <= MAX_ID:
        return None
    return get_loaded(
        Interaction,
        interaction_id,
        selectinload(Interaction.state).selectinload(State.sections),
        selectinload(Interaction.representatives),
        selectinload(Interaction.participants),
        selectinload(Interaction.created_by),
        selectinload(Interaction.follow_ups).selectinload(FollowUp.assignee),
    )


def interaction_stance_records(interaction: Interaction) -> list[StanceRecord]:
    """The stances observed in this interaction."""
    return list(
        db.session.scalars(
            sa.select(StanceRecord)
            .where(
                StanceRecord.interaction_id == interaction.id, StanceRecord.archived_at.is_(None)
            )
            .options(selectinload(StanceRecord.representative))
            .order_by(StanceRecord.id)
        )
    )


@dataclass(frozen=True)
class InteractionFilters:
    kind: InteractionKind | None = None
    representative_id: int | None = None
    archived: bool = False
    # The states whose restricted contacts the reader may read (None: all): filtering by
    # kind or person leaves out the others' restricted contacts (see `linked_to_people`).
    restricted_readable: frozenset[int] | None = frozenset()


def interactions_select(state: State | None, filters: InteractionFilters) -> sa.Select[Interaction]:
    """A state's contacts (every state's, without one), newest first."""
    stmt = sa.select(Interaction)
    if state is not None:
        stmt = stmt.where(Interaction.state_id == state.id)
    if filters.archived:
        stmt = stmt.where(Interaction.archived_at.is_not(None))
    else:
        stmt = stmt.where(Interaction.archived_at.is_(None))
    if filters.kind is not None:
        stmt = stmt.where(Interaction.kind == filters.kind)
    if filters.representative_id is not None:
        link = interaction_representatives
        stmt = stmt.where(
            sa.exists().where(
                link.c.interaction_id == Interaction.id,
                link.c.representative_id == filters.representative_id,
            )
        )
    if filters.kind is not None or filters.representative_id is not None:
        # A restricted contact's kind and people are what is withheld: a filter by either
        # leaves out the restricted contacts the reader may not read, rather than
        # answering (by a count, or a row) whether one matches.
        stmt = stmt.where(linked_for_states(filters.restricted_readable))
    return stmt.options(
        selectinload(Interaction.representatives), selectinload(Interaction.participants)
    ).order_by(Interaction.occurred_at.desc(), Interaction.id.desc())


def paginate_interactions(
    state: State, filters: InteractionFilters, page: int, per_page: int
) -> Pagination:
    return db.paginate(
        interactions_select(state, filters), page=page, per_page=per_page, error_out=False
    )


def state_users(state: State) -> list[User]:
    """The enabled members of the sections responsible for a state, by name."""
    return list(
        db.session.scalars(
            sa.select(User)
            .join(user_sections, user_sections.c.user_id == User.id)
            .join(Section, Section.id == user_sections.c.section_id)
            .join(section_states, section_states.c.section_id == Section.id)
            .where(section_states.c.state_id == state.id, User.is_enabled.is_(True))
            .distinct()
            .order_by(User.name, User.id)
        )
    )


def users_by_ids(ids: Iterable[int]) -> dict[int, User]:
    wanted = [i for i in set(ids) if 0 < i <= MAX_ID]
    if not wanted:
        return {}
    return {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(wanted)))}


def representatives_by_ids(ids: Iterable[int]) -> dict[int, Representative]:
    """Representatives by id, of any state (the caller checks the state)."""
    wanted = [i for i in set(ids) if 0 < i <= MAX_ID]
    if not wanted:
        return {}
    return {
        r.id: r
        for r in db.session.scalars(sa.select(Representative).where(Representative.id.in_(wanted)))
    }


@dataclass
class ChamberGroup:
    chamber: Chamber
    representatives: list[Representative]


def current_members(state: State, on: date) -> list[ChamberGroup]:
    """The state's current members grouped by chamber, by name (one query)."""
    rows = db.session.execute(
        sa.select(Chamber, Representative)
        .join(Membership, Membership.chamber_id == Chamber.id)
        .join(Representative, Representative.id == Membership.representative_id)
        .where(
            Chamber.state_id == state.id,
            Representative.state_id == state.id,
            Representative.archived_at.is_(None),
            current_membership_filter(on),
        )
        .order_by(Chamber.position, Chamber.id, Representative.sort_name, Representative.id)
    ).all()
    groups: dict[int, ChamberGroup] = {}
    seen: set[int] = set()
    for chamber, representative in rows:
        # Someone seated twice (two overlapping memberships) is listed once.
        if representative.id in seen:
            continue
        seen.add(representative.id)
        groups.setdefault(chamber.id, ChamberGroup(chamber, [])).representatives.append(
            representative
        )
    return list(groups.values())


def find_representatives(state: State, q: str, limit: int = 30) -> list[Representative]:
    """The state's representatives whose names match `q` (parliament.queries.NameMatch)."""
    match = NameMatch(q)
    if not match:
        return []
    return list(
        db.session.scalars(
            sa.select(Representative)
            .where(
                Representative.state_id == state.id,
                Representative.archived_at.is_(None),
                match.condition,
            )
            .order_by(*match.order, Representative.sort_name, Representative.id)
            .limit(limit)
        )
    )


def state_representatives(state: State) -> list[Representative]:
    """Every representative of a state that is not archived, by name (for filter lists)."""
    return list(
        db.session.scalars(
            sa.select(Representative)
            .where(Representative.state_id == state.id, Representative.archived_at.is_(None))
            .order_by(Representative.sort_name, Representative.id)
        )
    )


def follow_up_options() -> tuple[LoaderOption, ...]:
    return (
        selectinload(FollowUp.state),
        selectinload(FollowUp.assignee),
        selectinload(FollowUp.interaction),
        selectinload(FollowUp.representative),
    )


def by_due_date(on: date) -> tuple[Any, ...]:
    """Overdue first, then by due date; those without a date last."""
    overdue = sa.case((FollowUp.due_on < on, 0), else_=1)
    return (overdue, FollowUp.due_on.is_(None), FollowUp.due_on, FollowUp.id)


def my_open_follow_ups(user: User, on: date, limit: int = 200) -> list[FollowUp]:
    """The open follow-ups assigned to a user: overdue first, then by due date."""
    stmt = follow_ups_select(None, FollowUpStatus.OPEN, user, on)
    return list(db.session.scalars(stmt.limit(limit)))


def my_closed_follow_ups(user: User, limit: int = 50) -> list[FollowUp]:
    """The user's follow-ups that are done or cancelled, most recently closed first."""
    return list(db.session.scalars(follow_ups_select(None, None, user, None).limit(limit)))


def follow_ups_select(
    state: State | None, status: FollowUpStatus | None, assignee: User | None, on: date | None
) -> sa.Select[FollowUp]:
    """Follow-ups of one status (None: done or cancelled): open ones overdue first on `on`,
    closed ones most recently closed first."""
    stmt = sa.select(FollowUp).where(
        FollowUp.status != FollowUpStatus.OPEN if status is None else FollowUp.status == status,
        FollowUp.archived_at.is_(None),
    )
    if state is not None:
        stmt = stmt.where(FollowUp.state_id == state.id)
    if assignee is not None:
        stmt = stmt.where(FollowUp.assignee_id == assignee.id)
    stmt = stmt.options(*follow_up_options())
    if status is FollowUpStatus.OPEN and on is not None:
        return stmt.order_by(*by_due_date(on))
    return stmt.order_by(FollowUp.updated_at.desc(), FollowUp.id.desc())


def paginate_state_follow_ups(
    state: State, status: FollowUpStatus, on: date, page: int, per_page: int
) -> Pagination:
    """A state's follow-ups of one status: open ones overdue first, closed ones newest first."""
    return db.paginate(
        follow_ups_select(state, status, None, on), page=page, per_page=per_page, error_out=False
    )


def follow_up_counts(state: State, on: date) -> dict[str, int]:
    """How many of a state's follow-ups are open, overdue, done and cancelled (one query)."""
    rows = db.session.execute(
        sa.select(FollowUp.status, sa.func.count(), sa.func.count().filter(FollowUp.due_on < on))
        .where(FollowUp.state_id == state.id, FollowUp.archived_at.is_(None))
        .group_by(FollowUp.status)
    ).all()
    counts = {status.value: 0 for status in FollowUpStatus} | {"overdue": 0}
    for status, count, overdue in rows:
        counts[FollowUpStatus(status).value] = int(count)
        if FollowUpStatus(status) is FollowUpStatus.OPEN:
            counts["overdue"] = int(overdue)
    return counts


def get_follow_up(follow_up_id: int) -> FollowUp | None:
    if not 0 < follow_up_id <= MAX_ID:
        return None
    return get_loaded(FollowUp, follow_up_id, *follow_up_options())
