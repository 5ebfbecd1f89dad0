"""Reads for the event pages. Each function makes a fixed number of queries."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import selectinload

from crm.db import UTCDateTime
from crm.events.models import Event, EventKind, EventStatus, Invitation, Rsvp
from crm.events.services import local_date, starts_after_stage
from crm.extensions import db
from crm.parliament.models import Representative
from crm.parliament.queries import RepresentativeFilters, representatives_select
from crm.queries import get_loaded
from crm.states.models import Agreement, Stage, State
from crm.states.queries import all_states as all_states

WHEN_CHOICES = ("upcoming", "past", "all")


@dataclass(frozen=True)
class EventFilters:
    state: State | None = None
    kind: EventKind | None = None
    status: EventStatus | None = None
    when: str = "upcoming"
    archived: bool = False


def _last_moment() -> sa.ColumnElement[datetime]:
    # An event is over once it has ended; without an end, once it has started.
    return sa.func.coalesce(Event.ends_at, Event.starts_at, type_=UTCDateTime)


def events_select(filters: EventFilters, now: datetime) -> sa.Select[Event]:
    """Events matching the filters: upcoming soonest first, past and all newest first."""
    stmt = sa.select(Event)
    if filters.archived:
        stmt = stmt.where(Event.archived_at.is_not(None))
    else:
        stmt = stmt.where(Event.archived_at.is_(None))
    if filters.state is not None:
        stmt = stmt.where(Event.state_id == filters.state.id)
    if filters.kind is not None:
        stmt = stmt.where(Event.kind == filters.kind)
    if filters.status is not None:
        stmt = stmt.where(Event.status == filters.status)
    if filters.when == "upcoming":
        stmt = stmt.where(_last_moment() >= now).order_by(Event.starts_at, Event.id)
    elif filters.when == "past":
        stmt = stmt.where(_last_moment() < now).order_by(Event.starts_at.desc(), Event.id.desc())
    else:
        stmt = stmt.order_by(Event.starts_at.desc(), Event.id.desc())
    return stmt.options(
        selectinload(Event.state), selectinload(Event.stage), selectinload(Event.section)
    )


def paginate_events(filters: EventFilters, now: datetime, page: int, per_page: int) -> Pagination:
    """One page of `events_select`, with states, stages and sections loaded."""
    return db.paginate(events_select(filters, now), page=page, per_page=per_page, error_out=False)


def rsvp_counts(event_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """How many guests of each event gave each answer, by RSVP value (one query)."""
    ids = list(event_ids)
    if not ids:
        return {}
    counts: dict[int, dict[str, int]] = {}
    for event_id, rsvp, n in db.session.execute(
        sa.select(Invitation.event_id, Invitation.rsvp, sa.func.count())
        .where(Invitation.event_id.in_(ids))
        .group_by(Invitation.event_id, Invitation.rsvp)
    ):
        counts.setdefault(event_id, {})[Rsvp(rsvp).value] = n
    return counts


def get_event(event_id: int) -> Event | None:
    """An event with what its page shows: state and sections, stage, section, author."""
    return get_loaded(
        Event,
        event_id,
        selectinload(Event.state).selectinload(State.sections),
        selectinload(Event.section),
        selectinload(Event.stage).selectinload(Stage.chamber),
        selectinload(Event.stage).selectinload(Stage.committee),
        selectinload(Event.stage).selectinload(Stage.agreement),
        selectinload(Event.created_by),
    )


def get_invitation(event: Event, invitation_id: int) -> Invitation | None:
    """The invitation, if it is one of this event's."""
    return db.session.scalar(
        sa.select(Invitation)
        .where(Invitation.id == invitation_id, Invitation.event_id == event.id)
        .options(selectinload(Invitation.representative))
    )


def invitations_of(event: Event) -> list[Invitation]:
    """The event's guests, by name."""
    return list(
        db.session.scalars(
            sa.select(Invitation)
            .join(Invitation.representative)
            .where(Invitation.event_id == event.id)
            .options(selectinload(Invitation.representative))
            .order_by(Representative.sort_name, Representative.id)
        )
    )


def stages_of(state: State) -> list[Stage]:
    """The stages of the state's agreements, which an event of that state may target."""
    return list(
        db.session.scalars(
            sa.select(Stage)
            .join(Stage.agreement)
            .where(Agreement.state_id == state.id)
            .options(selectinload(Stage.chamber), selectinload(Stage.committee))
            .order_by(Agreement.id, Stage.position, Stage.id)
        )
    )


def candidates(
    event: Event, filters: RepresentativeFilters, on: date, page: int, per_page: int
) -> Pagination:
    """Current members of the event's state's parliament who are not invited yet."""
    invited = sa.select(Invitation.representative_id).where(Invitation.event_id == event.id)
    stmt = representatives_select(filters, on).where(Representative.id.not_in(invited))
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def invitations_of_representative(
    representative: Representative, limit: int = 20
) -> list[Invitation]:
    """The representative's invitations to live events, newest event first."""
    return list(
        db.session.scalars(
            sa.select(Invitation)
            .join(Invitation.event)
            .where(Invitation.representative_id == representative.id, Event.archived_at.is_(None))
            .options(selectinload(Invitation.event).selectinload(Event.state))
            .order_by(Event.starts_at.desc(), Event.id.desc())
            .limit(limit)
        )
    )


def upcoming_events(state: State, now: datetime, limit: int) -> list[Event]:
    """The state's next events, not cancelled or archived, soonest first, with the stages
    they aim at (the state page and its pack say which start after their vote)."""
    return list(
        db.session.scalars(
            sa.select(Event)
            .where(
                Event.state_id == state.id,
                Event.archived_at.is_(None),
                Event.status != EventStatus.CANCELLED,
                Event.starts_at >= now,
            )
            .options(selectinload(Event.stage))
            .order_by(Event.starts_at, Event.id)
            .limit(limit)
        )
    )


def late_event_ids(events: Iterable[Event]) -> set[int]:
    """The events that start after the stage they target (at most two queries).

    For lists whose query did not load stages and states with the events.
    """
    events = list(events)
    stage_ids = {e.stage_id for e in events if e.stage_id is not None}
    if not stage_ids:
        return set()
    stages = {s.id: s for s in db.session.scalars(sa.select(Stage).where(Stage.id.in_(stage_ids)))}
    timezones = sa.select(State.id, State.timezone).where(
        State.id.in_({e.state_id for e in events if e.stage_id is not None})
    )
    zones: dict[int, str] = {row.id: row.timezone for row in db.session.execute(timezones)}
    return {
        e.id
        for e in events
        if e.stage_id is not None
        and starts_after_stage(e, stages.get(e.stage_id), zones.get(e.state_id, "UTC"))
    }


# --- The month calendar -----------------------------------------------------------------

# Time zones reach from UTC-12 to UTC+14: a UTC window this much wider than the month
# holds every event that falls on one of its days somewhere.
_WIDEST_OFFSETS = (timedelta(hours=14), timedelta(hours=12))
# Long events are shown on each of their days, up to this many.
MAX_DAYS_SHOWN = 62


@dataclass
class CalendarEntry:
    event: Event
    starts_local: datetime
    continued: bool = False  # a later day of an event that began before
    late: bool = False


@dataclass
class CalendarDay:
    day: date
    in_month: bool
    entries: list[CalendarEntry] = field(default_factory=list)


@dataclass
class Month:
    first: date
    weeks: list[list[CalendarDay]]

    @property
    def previous(self) -> date:
        return (self.first - timedelta(days=1)).replace(day=1)

    @property
    def next(self) -> date:
        return (self.first + timedelta(days=32)).replace(day=1)

    @property
    def days_with_events(self) -> list[CalendarDay]:
        return [d for week in self.weeks for d in week if d.in_month and d.entries]

    @property
    def entry_count(self) -> int:
        return sum(1 for d in self.days_with_events for e in d.entries if not e.continued)


def month_events(first: date, state: State | None) -> list[Event]:
    """The live events that touch the month somewhere on Earth (one query plus loads)."""
    last = date(first.year, first.month, calendar.monthrange(first.year, first.month)[1])
    low = datetime.combine(first, time(), tzinfo=ZoneInfo("UTC")) - _WIDEST_OFFSETS[0]
    high = (
        datetime.combine(last + timedelta(days=1), time(), tzinfo=ZoneInfo("UTC"))
        + _WIDEST_OFFSETS[1]
    )
    stmt = (
        sa.select(Event)
        .where(Event.archived_at.is_(None), Event.starts_at < high, _last_moment() >= low)
        .options(selectinload(Event.state), selectinload(Event.stage))
        .order_by(Event.starts_at, Event.id)
    )
    if state is not None:
        stmt = stmt.where(Event.state_id == state.id)
    return list(db.session.scalars(stmt))


def month_grid(first: date, events: Iterable[Event]) -> Month:
    """The weeks (Monday first) of the month, each event on its local days in its state."""
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    days = {d: CalendarDay(d, d.month == first.month) for week in weeks for d in week}
    for event in events:
        zone = event.state.timezone
        starts_local = event.starts_at.astimezone(ZoneInfo(zone))
        start_day = starts_local.date()
        end_day = local_date(event.ends_at, zone) if event.ends_at else start_day
        # An event ending at midnight does not run into the next day.
        if event.ends_at is not None and end_day > start_day:
            ends_local = event.ends_at.astimezone(ZoneInfo(zone))
            if ends_local.time() == time():
                end_day -= timedelta(days=1)
        late = starts_after_stage(event, event.stage, zone)
        for n in range(min((end_day - start_day).days, MAX_DAYS_SHOWN) + 1):
            day = days.get(start_day + timedelta(days=n))
            # Days of the neighbouring months are shown empty: the query did not cover them.
            if day is not None and day.in_month:
                day.entries.append(CalendarEntry(event, starts_local, continued=n > 0, late=late))
    return Month(first, [[days[d] for d in week] for week in weeks])
