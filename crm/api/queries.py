"""Reads the API needs beyond the pages' own: lists across states, each with what it shows
loaded up front, so that the number of queries does not grow with a page's length."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from crm.extensions import db
from crm.interactions.models import Interaction
from crm.interactions.queries import InteractionFilters, interactions_select
from crm.parliament.models import Chamber, Party
from crm.states.models import Agreement, Campaign, Stage, State
from crm.states.queries import agreements_by_state, states_with_sections
from crm.votes.models import Count, Vote, VoteEvent


def states_with_agreements(campaign: Campaign | None) -> list[tuple[State, Agreement | None]]:
    agreements = agreements_by_state(campaign)
    return [(s, agreements.get(s.id)) for s in states_with_sections()]


def chambers(state: State | None) -> list[Chamber]:
    stmt = sa.select(Chamber).options(selectinload(Chamber.state), selectinload(Chamber.committees))
    if state is not None:
        stmt = stmt.where(Chamber.state_id == state.id)
    return list(db.session.scalars(stmt.order_by(Chamber.state_id, Chamber.position, Chamber.id)))


def get_chamber(chamber_id: int) -> Chamber | None:
    return db.session.scalar(
        sa.select(Chamber)
        .where(Chamber.id == chamber_id)
        .options(selectinload(Chamber.state), selectinload(Chamber.committees))
    )


def parties(state: State | None) -> list[Party]:
    stmt = sa.select(Party).options(selectinload(Party.state))
    if state is not None:
        stmt = stmt.where(Party.state_id == state.id)
    return list(db.session.scalars(stmt.order_by(Party.state_id, Party.name, Party.id)))


def interactions_select_all(
    state: State | None, filters: InteractionFilters
) -> sa.Select[Interaction]:
    """Contacts newest first, of one state or all, with what the API shows of them."""
    return interactions_select(state, filters).options(
        selectinload(Interaction.state), selectinload(Interaction.follow_ups)
    )


def stages(state: State, campaign: Campaign | None) -> list[Stage]:
    """The stages of the state's agreement in the campaign, with their recorded votes."""
    if campaign is None:
        return []
    return list(
        db.session.scalars(
            sa.select(Stage)
            .join(Stage.agreement)
            .where(Agreement.state_id == state.id, Agreement.campaign_id == campaign.id)
            .options(
                selectinload(Stage.chamber),
                selectinload(Stage.committee),
                selectinload(Stage.vote_event)
                .selectinload(VoteEvent.counts)
                .selectinload(Count.party),
                selectinload(Stage.vote_event)
                .selectinload(VoteEvent.votes)
                .selectinload(Vote.representative),
            )
            .order_by(Stage.position, Stage.id)
        )
    )
