"""Reads for the interaction and follow-up pages. Each function makes a fixed number of queries."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, selectinload
from sqlalchemy.orm.interfaces import LoaderOption

from crm.auth.models import Section, User, section_states, user_sections
from crm.db import lower_text
from crm.extensions import db
from crm.interactions.models import (
    FollowUp,
    FollowUpStatus,
    Interaction,
    InteractionKind,
    interaction_representatives,
)
from crm.interactions.visibility import follow_ups_linked_to_people, linked_for_states
from crm.parliament.models import (
    Chamber,
    Membership,
    OtherName,
    Party,
    Representative,
    StanceRecord,
)
from crm.parliament.queries import NameMatch
from crm.queries import CappedPagination, get_loaded
from crm.states.models import State
from crm.states.queries import current_membership_filter
from crm.text import like_pattern

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
    # Part of the name of someone met (parliament.queries.NameMatch).
    person: str = ""
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
    match = NameMatch(filters.person)
    if match:
        link = interaction_representatives
        stmt = stmt.where(
            sa.exists().where(
                link.c.interaction_id == Interaction.id,
                link.c.representative_id == Representative.id,
                match.condition,
            )
        )
    if filters.kind is not None or filters.representative_id is not None or match:
        # A restricted contact's kind and people are what is withheld: a filter by either
        # leaves out the restricted contacts the reader may not read, rather than
        # answering (by a count, or a row) whether one matches.
        stmt = stmt.where(linked_for_states(filters.restricted_readable))
    return stmt.options(
        selectinload(Interaction.representatives), selectinload(Interaction.participants)
    ).order_by(Interaction.occurred_at.desc(), Interaction.id.desc())


def paginate_interactions(
    state: State, filters: InteractionFilters, page: int, per_page: int, cap: int
) -> CappedPagination:
    """A page of the state's contacts, counted up to `cap` (crm.queries.CappedPagination)."""
    return CappedPagination(
        interactions_select(state, filters), page=page, per_page=per_page, cap=cap
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
    groups: dict[int, ChamberGroup] = {}
    for seat, representative in _current_seats(state, on):
        groups.setdefault(seat.chamber_id, ChamberGroup(seat.chamber, [])).representatives.append(
            representative
        )
    return list(groups.values())


def _current_seats(state: State, on: date) -> list[tuple[Membership, Representative]]:
    """Each current member of the state with their seat (its chamber and party loaded), by
    chamber and name; someone seated twice (two overlapping seats) comes once, with the
    first (one query)."""
    rows = db.session.execute(
        sa.select(Membership, Representative)
        .join(Chamber, Chamber.id == Membership.chamber_id)
        .outerjoin(Party, Party.id == Membership.party_id)
        .join(Representative, Representative.id == Membership.representative_id)
        .where(
            Chamber.state_id == state.id,
            Representative.state_id == state.id,
            Representative.archived_at.is_(None),
            current_membership_filter(on),
        )
        .options(contains_eager(Membership.chamber), contains_eager(Membership.party))
        .order_by(Chamber.position, Chamber.id, Representative.sort_name, Representative.id)
    ).all()
    seen: set[int] = set()
    seats = []
    for seat, representative in rows:
        if representative.id not in seen:
            seen.add(representative.id)
            seats.append((seat, representative))
    return seats


def find_representatives(state: State, q: str, limit: int = 30) -> list[Representative]:
    """The state's representatives whose names match `q` (parliament.queries.NameMatch)."""
    match = NameMatch(q)
    if not match:
        return []
    stmt = match.among(state.id).where(Representative.archived_at.is_(None))
    return list(db.session.scalars(stmt.limit(limit)))


@dataclass
class Candidate:
    """A representative as the contact form's picker shows them: enough to tell two people
    of the same name apart (their seat, party, constituency and names in other scripts)."""

    rep: Representative
    chamber: str | None = None
    party: str | None = None
    constituency: str | None = None
    other_names: list[OtherName] = field(default_factory=list)


@dataclass
class CandidateGroup:
    chamber: Chamber
    candidates: list[Candidate]


def _other_names(condition: sa.ColumnElement[bool]) -> dict[int, list[OtherName]]:
    names: dict[int, list[OtherName]] = {}
    for other in db.session.scalars(
        sa.select(OtherName).where(condition).order_by(OtherName.representative_id, OtherName.id)
    ):
        names.setdefault(other.representative_id, []).append(other)
    return names


def candidates(reps: Sequence[Representative], on: date) -> list[Candidate]:
    """The picker's details of each of `reps`, in their order (two queries, however many)."""
    ids = [r.id for r in reps]
    if not ids:
        return []
    seats: dict[int, Membership] = {}
    for seat in db.session.scalars(
        sa.select(Membership)
        .join(Chamber, Chamber.id == Membership.chamber_id)
        .outerjoin(Party, Party.id == Membership.party_id)
        .where(Membership.representative_id.in_(ids), current_membership_filter(on))
        .options(contains_eager(Membership.chamber), contains_eager(Membership.party))
        .order_by(Chamber.position, Chamber.id, Membership.id)
    ):
        # Someone seated twice (two overlapping seats) is shown with the first chamber's.
        seats.setdefault(seat.representative_id, seat)
    names = _other_names(OtherName.representative_id.in_(ids))
    return [_candidate(r, seats.get(r.id), names.get(r.id, [])) for r in reps]


def _candidate(rep: Representative, seat: Membership | None, names: list[OtherName]) -> Candidate:
    party = seat.party if seat is not None else None
    return Candidate(
        rep=rep,
        chamber=seat.chamber.name if seat is not None else None,
        party=(party.abbreviation or party.name) if party is not None else None,
        constituency=seat.constituency if seat is not None else None,
        other_names=[n for n in names if n.name != rep.name],
    )


def member_candidates(state: State, on: date) -> list[CandidateGroup]:
    """The state's current members by chamber and name, with the picker's details (two
    queries)."""
    seats = _current_seats(state, on)
    names = _other_names(
        OtherName.representative_id.in_(
            sa.select(Representative.id).where(
                Representative.state_id == state.id, Representative.archived_at.is_(None)
            )
        )
    )
    groups: dict[int, CandidateGroup] = {}
    for seat, representative in seats:
        groups.setdefault(seat.chamber_id, CandidateGroup(seat.chamber, [])).candidates.append(
            _candidate(representative, seat, names.get(representative.id, []))
        )
    return list(groups.values())


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


def follow_ups_select(
    state: State | None,
    status: FollowUpStatus | None,
    assignee: User | None,
    on: date | None,
    *,
    title: str | None = None,
    reader: User | None = None,
) -> sa.Select[FollowUp]:
    """Follow-ups of one status (None: done or cancelled): open ones overdue first on `on`,
    closed ones most recently closed first.

    `title`: only those whose title holds it, in any case; the `reader` searching is then
    needed. A follow-up of a restricted contact the reader may not read shows only its due
    date and status (SPEC §2), so a search by title never finds it: which ones matched would
    tell the reader what they say."""
    stmt = sa.select(FollowUp).where(
        FollowUp.status != FollowUpStatus.OPEN if status is None else FollowUp.status == status,
        FollowUp.archived_at.is_(None),
    )
    if state is not None:
        stmt = stmt.where(FollowUp.state_id == state.id)
    if assignee is not None:
        stmt = stmt.where(FollowUp.assignee_id == assignee.id)
    if title and title.strip():
        if reader is None:
            raise TypeError("a search by title needs the reader, who may not read them all")
        stmt = stmt.where(
            # Both sides lowered by the database: the same rule for the title and the text.
            lower_text(FollowUp.title).like(
                lower_text(sa.literal(like_pattern(title.strip()))), escape="\\"
            ),
            follow_ups_linked_to_people(reader),
        )
    stmt = stmt.options(*follow_up_options())
    if status is FollowUpStatus.OPEN and on is not None:
        return stmt.order_by(*by_due_date(on))
    return stmt.order_by(FollowUp.updated_at.desc(), FollowUp.id.desc())


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
