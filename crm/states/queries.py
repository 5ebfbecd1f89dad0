"""Reads for the state pages. Each function makes a fixed number of queries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import selectinload

from crm.db import as_utc
from crm.extensions import db
from crm.i18n import DEFAULT_LOCALE
from crm.interactions.models import FollowUp, FollowUpStatus, Interaction
from crm.interactions.visibility import stances_linked_to_people
from crm.parliament.models import Chamber, Membership, Party, Representative, Stance, StanceRecord
from crm.states.models import Agreement, Campaign, KeyMessage, KeyMessageText, Stage, State


def active_campaign() -> Campaign | None:
    """The campaign the pages show (the first active one)."""
    return db.session.scalar(
        sa.select(Campaign)
        .where(Campaign.is_active.is_(True))
        .options(selectinload(Campaign.key_messages))
        .order_by(Campaign.id)
        .limit(1)
    )


# --- Key messages ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LocalMessage:
    """A key message as a pack prints it: its text, and the language that text is in."""

    text: str
    locale: str


def key_messages(campaign: Campaign | None, locale: str) -> list[LocalMessage]:
    """The campaign's key messages in order, each in `locale` where a coordinator entered
    it there, else in English (one query, however many messages)."""
    if campaign is None:
        return []
    rows = db.session.execute(
        sa.select(KeyMessage.text, KeyMessageText.text)
        .outerjoin(
            KeyMessageText,
            sa.and_(
                KeyMessageText.key_message_id == KeyMessage.id, KeyMessageText.locale == locale
            ),
        )
        .where(KeyMessage.campaign_id == campaign.id)
        .order_by(KeyMessage.position, KeyMessage.id)
    )
    return [
        LocalMessage(translated, locale)
        if translated is not None
        else LocalMessage(english, DEFAULT_LOCALE)
        for english, translated in rows
    ]


def campaign_key_messages(campaign: Campaign) -> list[KeyMessage]:
    """The campaign's key messages in order, with their translations (two queries)."""
    return list(
        db.session.scalars(
            sa.select(KeyMessage)
            .where(KeyMessage.campaign_id == campaign.id)
            .options(selectinload(KeyMessage.texts))
            .order_by(KeyMessage.position, KeyMessage.id)
        )
    )


def get_key_message(message_id: int) -> KeyMessage | None:
    """A key message with its translations and its campaign's other messages (to move it
    among them)."""
    return db.session.scalar(
        sa.select(KeyMessage)
        .where(KeyMessage.id == message_id)
        .options(
            selectinload(KeyMessage.texts),
            selectinload(KeyMessage.campaign).selectinload(Campaign.key_messages),
        )
    )


def current_membership_filter(on: date) -> sa.ColumnElement[bool]:
    """Memberships running on the given day."""
    return sa.and_(
        sa.or_(Membership.start_date.is_(None), Membership.start_date <= on),
        sa.or_(Membership.end_date.is_(None), Membership.end_date >= on),
    )


@dataclass
class StateRow:
    state: State
    agreement: Agreement | None
    seats: int = 0
    representatives: int = 0
    stances: dict[Stance, int] = field(default_factory=dict)
    last_contact: datetime | None = None
    next_stage: date | None = None


def agreements_by_state(
    campaign: Campaign | None, state_ids: list[int] | None = None
) -> dict[int, Agreement]:
    """The campaign's agreements by state id, of every state or of those given (one query)."""
    if campaign is None:
        return {}
    stmt = sa.select(Agreement).where(Agreement.campaign_id == campaign.id)
    if state_ids is not None:
        stmt = stmt.where(Agreement.state_id.in_(state_ids))
    return {a.state_id: a for a in db.session.scalars(stmt)}


def all_states() -> list[State]:
    """Every state by name, for the state filters."""
    return list(db.session.scalars(sa.select(State).order_by(State.name)))


def states_with_sections() -> list[State]:
    stmt = sa.select(State).options(selectinload(State.sections)).order_by(State.name)
    return list(db.session.scalars(stmt))


def paginate_states(page: int, per_page: int) -> Pagination:
    """A page of the states by name, with their sections."""
    stmt = sa.select(State).options(selectinload(State.sections)).order_by(State.name, State.id)
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def states_overview(campaign: Campaign | None, on: date, states: list[State]) -> list[StateRow]:
    """These states (a page of them) with their agreement, seats, stance spread, last contact
    and next stage: each a query over these states only, whatever the campaign's size."""
    ids = [s.id for s in states]
    agreements = agreements_by_state(campaign, ids)
    rows = {s.id: StateRow(state=s, agreement=agreements.get(s.id)) for s in states}
    if not rows:
        return []

    for state_id, seats in db.session.execute(
        sa.select(Chamber.state_id, sa.func.sum(Chamber.seats))
        .where(Chamber.state_id.in_(ids))
        .group_by(Chamber.state_id)
    ):
        rows[state_id].seats = int(seats or 0)

    # Reached from these states' chambers' current seats (their index), not by testing every
    # representative against every current seat: a page of 50 states at campaign scale
    # counted in 28 ms instead of 63 (SQLite).
    for state_id, stance, count in db.session.execute(
        sa.select(
            Representative.state_id,
            Representative.stance,
            sa.func.count(sa.distinct(Representative.id)),
        )
        .select_from(Chamber)
        .join(Membership, Membership.chamber_id == Chamber.id)
        .join(Representative, Representative.id == Membership.representative_id)
        .where(
            Chamber.state_id.in_(ids),
            Representative.state_id == Chamber.state_id,
            Representative.archived_at.is_(None),
            current_membership_filter(on),
        )
        .group_by(Representative.state_id, Representative.stance)
    ):
        rows[state_id].stances[stance] = count
        rows[state_id].representatives += count

    # The date of a restricted contact is visible to everyone (SPEC §2), so it counts here.
    for state_id, last in newest_contacts(list(rows)).items():
        rows[state_id].last_contact = last

    if campaign is not None:
        for state_id, next_on in db.session.execute(
            sa.select(Agreement.state_id, sa.func.min(Stage.scheduled_on))
            .join(Stage.agreement)
            .where(
                Agreement.campaign_id == campaign.id,
                Agreement.state_id.in_(ids),
                Stage.is_ahead(on),
            )
            .group_by(Agreement.state_id)
        ):
            rows[state_id].next_stage = next_on
    return list(rows.values())


def newest_contacts(state_ids: list[int]) -> dict[int, datetime]:
    """Each state's newest live contact (one query). Per state, the (state, occurred_at)
    index is walked down to the first contact not archived: grouping every contact took
    seconds at 1,000,000 of them."""
    newest = (
        sa.select(Interaction.occurred_at)
        .where(Interaction.state_id == State.id, Interaction.archived_at.is_(None))
        .order_by(Interaction.occurred_at.desc())
        .limit(1)
        .correlate(State)
        .scalar_subquery()
    )
    found = db.session.execute(sa.select(State.id, newest).where(State.id.in_(state_ids)))
    return {state_id: at for state_id, last in found if (at := as_utc(last)) is not None}


def get_state(iso2: str, *, load: Sequence[Any] = (State.sections, State.chambers)) -> State | None:
    """The state with this ISO 3166 alpha-2 code, in any case (None for anything else),
    with the relationships in `load` read in the same go."""
    if len(iso2) != 2:
        return None
    return db.session.scalar(
        sa.select(State)
        .where(State.iso2 == iso2.upper())
        .options(*(selectinload(relationship) for relationship in load))
    )


def agreement_for(state: State, campaign: Campaign | None) -> Agreement | None:
    if campaign is None:
        return None
    return db.session.scalar(
        sa.select(Agreement)
        .where(Agreement.state_id == state.id, Agreement.campaign_id == campaign.id)
        .options(
            selectinload(Agreement.stages).selectinload(Stage.chamber),
            selectinload(Agreement.stages).selectinload(Stage.committee),
        )
    )


@dataclass
class PartySeats:
    party: Party | None
    seats: int
    stances: dict[Stance, int]


@dataclass
class ChamberSummary:
    chamber: Chamber
    filled: int
    parties: list[PartySeats]
    stances: dict[Stance, int]


def chamber_summaries(state: State, on: date) -> list[ChamberSummary]:
    """Each chamber with seats filled per party and stance counts (two queries in all)."""
    chambers = db.session.scalars(
        sa.select(Chamber)
        .where(Chamber.state_id == state.id)
        .options(selectinload(Chamber.committees))
        .order_by(Chamber.position, Chamber.id)
    ).all()
    parties = {
        p.id: p for p in db.session.scalars(sa.select(Party).where(Party.state_id == state.id))
    }
    counts = db.session.execute(
        sa.select(
            Membership.chamber_id, Membership.party_id, Representative.stance, sa.func.count()
        )
        .join(Membership.representative)
        .where(
            Representative.state_id == state.id,
            Representative.archived_at.is_(None),
            current_membership_filter(on),
        )
        .group_by(Membership.chamber_id, Membership.party_id, Representative.stance)
    ).all()
    summaries = []
    for chamber in chambers:
        by_party: dict[int | None, PartySeats] = {}
        stances: dict[Stance, int] = {}
        filled = 0
        for chamber_id, party_id, stance, count in counts:
            if chamber_id != chamber.id:
                continue
            seats = by_party.setdefault(
                party_id, PartySeats(parties.get(party_id) if party_id else None, 0, {})
            )
            seats.seats += count
            seats.stances[stance] = seats.stances.get(stance, 0) + count
            stances[stance] = stances.get(stance, 0) + count
            filled += count
        ordered = sorted(
            by_party.values(), key=lambda p: (-p.seats, p.party.name if p.party else "")
        )
        summaries.append(ChamberSummary(chamber, filled, ordered, stances))
    return summaries


def recent_interactions(state: State, limit: int = 10) -> list[Interaction]:
    return list(
        db.session.scalars(
            sa.select(Interaction)
            .where(Interaction.state_id == state.id, Interaction.archived_at.is_(None))
            .options(selectinload(Interaction.representatives))
            .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
            .limit(limit)
        )
    )


def recent_stance_records(state: State, *, reader: Any, limit: int = 10) -> list[StanceRecord]:
    """The state's latest stance observations, but those observed in a restricted contact
    the reader may not read: in a feed, a row would tie the person to that contact."""
    return list(
        db.session.scalars(
            sa.select(StanceRecord)
            .join(StanceRecord.representative)
            .where(
                Representative.state_id == state.id,
                StanceRecord.archived_at.is_(None),
                stances_linked_to_people(reader),
            )
            .options(
                selectinload(StanceRecord.representative), selectinload(StanceRecord.interaction)
            )
            .order_by(StanceRecord.observed_on.desc(), StanceRecord.id.desc())
            .limit(limit)
        )
    )


def open_follow_up_count(state: State) -> tuple[int, int]:
    """(open, overdue) follow-ups of the state."""
    from crm.db import today

    row = db.session.execute(
        sa.select(sa.func.count(), sa.func.count().filter(FollowUp.due_on < today())).where(
            FollowUp.state_id == state.id,
            FollowUp.status == FollowUpStatus.OPEN,
            FollowUp.archived_at.is_(None),
        )
    ).one()
    return int(row[0]), int(row[1])
