"""Reads for a section member's home page: for each of their states, what to do next.

Each list reuses the read the rest of the app shows the same thing with, so the home page
agrees with the pages it links to: "who to meet next" is the risk page's swing list
(crm.risk.services.swing), the follow-ups are "my follow-ups"
(crm.interactions.queries.my_open_follow_ups), the events are the state page's
(crm.events.queries.upcoming_events), and each person's last contact is the one the
representative list shows (crm.parliament.queries.last_contacts), withheld the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from crm.auth.models import User
from crm.auth.permissions import withheld
from crm.events import queries as event_queries
from crm.events.models import Event
from crm.extensions import db
from crm.interactions.models import FollowUp
from crm.interactions.queries import my_open_follow_ups
from crm.parliament.models import Representative
from crm.parliament.queries import last_contacts
from crm.risk import services as risk_services
from crm.risk.model import SwingEntry
from crm.risk.queries import risk_config
from crm.states.models import Agreement, Campaign, Stage, State

# How many of each list a state's part of the home page shows; each links to the whole list.
TARGETS = 5
EVENTS = 3
STAGES = 3
FOLLOW_UPS = 5


@dataclass
class Target:
    """One of the people to meet next, with the last contact the reader may see."""

    representative: Representative
    entry: SwingEntry
    last_contact: datetime | None


@dataclass
class StateHome:
    state: State
    follow_ups: list[FollowUp] = field(default_factory=list)
    open_follow_ups: int = 0
    overdue_follow_ups: int = 0
    stages: list[Stage] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    late_events: set[int] = field(default_factory=set)
    targets: list[Target] = field(default_factory=list)
    # False when the state has no agreement in the campaign: there is no forecast to rank by.
    forecast: bool = False


def home_states(user: User) -> list[State]:
    """The states of the user's sections, by name (one query)."""
    ids = user.state_ids
    if not ids:
        return []
    return list(db.session.scalars(sa.select(State).where(State.id.in_(ids)).order_by(State.name)))


def section_home(
    user: User, campaign: Campaign | None, on: date, now: datetime, *, reader: Any
) -> list[StateHome]:
    """Each of the user's states with their follow-ups due, next stages and events, and the
    top of "who to meet next" with each person's last contact.

    The number of queries depends on the number of the user's states (the events are read
    per state, as the state page reads them), never on how many people or records a state
    holds.
    """
    states = home_states(user)
    if not states:
        return []
    homes = {s.id: StateHome(state=s) for s in states}
    ids = list(homes)

    # "My follow-ups", split by state; those the reader may not read in full (a restricted
    # contact's, in a state no longer theirs) are neither listed nor counted.
    for follow_up in my_open_follow_ups(user, on):
        home = homes.get(follow_up.state_id)
        if home is None or withheld(reader, follow_up):
            continue
        home.open_follow_ups += 1
        home.overdue_follow_ups += follow_up.is_overdue(on)
        if len(home.follow_ups) < FOLLOW_UPS:
            home.follow_ups.append(follow_up)

    if campaign is not None:
        for stage, state_id in _next_stages(campaign, ids, on):
            home = homes[state_id]
            if len(home.stages) < STAGES:
                home.stages.append(stage)

    for home in homes.values():
        home.events = event_queries.upcoming_events(home.state, now, limit=EVENTS)
    homes_events = [e for home in homes.values() for e in home.events]
    late = event_queries.late_event_ids(homes_events)
    for home in homes.values():
        home.late_events = {e.id for e in home.events if e.id in late}

    if campaign is not None:
        _who_to_meet_next(homes, campaign, on, reader=reader)
    return [homes[s.id] for s in states]


def _next_stages(campaign: Campaign, state_ids: list[int], on: date) -> list[tuple[Stage, int]]:
    """The stages still ahead in these states, soonest first, each with its state's id."""
    rows = db.session.execute(
        sa.select(Stage, Agreement.state_id)
        .join(Stage.agreement)
        .where(
            Agreement.campaign_id == campaign.id,
            Agreement.state_id.in_(state_ids),
            Stage.is_ahead(on),
        )
        .options(selectinload(Stage.chamber), selectinload(Stage.committee))
        .order_by(Stage.scheduled_on, Stage.position, Stage.id)
    )
    return [(stage, state_id) for stage, state_id in rows]


def _who_to_meet_next(
    homes: dict[int, StateHome], campaign: Campaign, on: date, *, reader: Any
) -> None:
    """The top of each state's swing list, as the risk page ranks it, with the people and
    their last contacts read once for every state."""
    config = risk_config()
    results = risk_services.forecasts(campaign, on, config, state_ids=list(homes), open_only=False)
    entries: dict[int, list[SwingEntry]] = {}
    for result in results:
        homes[result.state.id].forecast = True
        entries[result.state.id] = risk_services.swing(result, config, limit=TARGETS, reader=reader)
    wanted = [e.member_id for listed in entries.values() for e in listed]
    if not wanted:
        return
    people = {
        r.id: r
        for r in db.session.scalars(sa.select(Representative).where(Representative.id.in_(wanted)))
    }
    contacts = last_contacts(wanted, reader=reader)
    for state_id, listed in entries.items():
        homes[state_id].targets = [
            Target(people[e.member_id], e, contacts.get(e.member_id))
            for e in listed
            if e.member_id in people
        ]
