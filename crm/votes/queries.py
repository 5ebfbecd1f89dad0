"""Reads for the stage and vote pages. Each function makes a fixed number of queries."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from crm.extensions import db
from crm.parliament.models import (
    Chamber,
    Committee,
    CommitteeMembership,
    Membership,
    Party,
    Representative,
)
from crm.queries import get_loaded
from crm.states.models import Agreement, Stage
from crm.states.queries import current_membership_filter
from crm.votes.models import Vote, VoteEvent, VoteOption


def get_stage(stage_id: int) -> Stage | None:
    """A stage with its agreement, state, chamber, committee and recorded vote (three
    queries: the stage with what it belongs to, the counts, the votes with their people)."""
    return get_loaded(
        Stage,
        stage_id,
        joinedload(Stage.agreement).joinedload(Agreement.state),
        joinedload(Stage.agreement).joinedload(Agreement.campaign),
        joinedload(Stage.chamber),
        joinedload(Stage.committee).joinedload(Committee.chamber),
        joinedload(Stage.vote_event).selectinload(VoteEvent.counts),
        joinedload(Stage.vote_event)
        .selectinload(VoteEvent.votes)
        .options(joinedload(Vote.representative), joinedload(Vote.party)),
    )


def chambers_with_committees(state_id: int) -> list[Chamber]:
    """A state's chambers and their committees (for the stage form)."""
    return list(
        db.session.scalars(
            sa.select(Chamber)
            .where(Chamber.state_id == state_id)
            .options(selectinload(Chamber.committees))
            .order_by(Chamber.position, Chamber.id)
        )
    )


def get_chamber(chamber_id: int) -> Chamber | None:
    return db.session.get(Chamber, chamber_id)


def get_committee(committee_id: int) -> Committee | None:
    return get_loaded(Committee, committee_id, selectinload(Committee.chamber))


# --- The roll call ----------------------------------------------------------------------------


@dataclass
class _OfParty:
    """Rows grouped by party (None: independents)."""

    party: Party | None

    @property
    def name(self) -> str:
        return self.party.name if self.party is not None else "Independents and no party"


@dataclass
class PartyGroup(_OfParty):
    """The members of one party in a roll call."""

    members: list[Representative] = field(default_factory=list)

    @property
    def key(self) -> str:
        return str(self.party.id) if self.party is not None else "none"


def _roll_call_chamber_id(stage: Stage) -> int | None:
    if stage.committee is not None:
        return stage.committee.chamber_id
    return stage.chamber_id


def _current_seat_holders(stage: Stage, on: date) -> sa.Select[int]:
    """The ids of the members who sit, on `on`, in the stage's committee or else chamber."""
    if stage.committee_id is not None:
        return sa.select(CommitteeMembership.representative_id).where(
            CommitteeMembership.committee_id == stage.committee_id,
            sa.or_(CommitteeMembership.start_date.is_(None), CommitteeMembership.start_date <= on),
            sa.or_(CommitteeMembership.end_date.is_(None), CommitteeMembership.end_date >= on),
        )
    return sa.select(Membership.representative_id).where(
        Membership.chamber_id == stage.chamber_id, current_membership_filter(on)
    )


def parties_on(stage: Stage, representative_ids: Iterable[int], on: date) -> dict[int, int | None]:
    """Each representative's party (`on_behalf_of`) in the stage's chamber on a day."""
    ids = list(representative_ids)
    chamber_id = _roll_call_chamber_id(stage)
    if not ids or chamber_id is None:
        return {}
    rows = db.session.execute(
        sa.select(Membership.representative_id, Membership.party_id)
        .where(
            Membership.chamber_id == chamber_id,
            Membership.representative_id.in_(ids),
            current_membership_filter(on),
        )
        .order_by(Membership.start_date.desc().nulls_last(), Membership.id.desc())
    ).all()
    found: dict[int, int | None] = {}
    for rep_id, party_id in rows:
        found.setdefault(rep_id, party_id)
    return found


def roll_call_groups(stage: Stage, on: date) -> list[PartyGroup]:
    """The rows of the roll-call grid, grouped by party.

    The current members of the stage's committee (for a committee vote) or chamber, plus
    anyone who already has a recorded vote at this stage, so that editing a vote never
    drops what was entered. Parties come from each member's chamber seat on `on`.
    """
    if stage.chamber_id is None and stage.committee_id is None:
        return []
    seated = _current_seat_holders(stage, on)
    recorded = sa.select(Vote.representative_id).join(Vote.vote_event)
    recorded = recorded.where(VoteEvent.stage_id == stage.id)
    members = list(
        db.session.scalars(
            sa.select(Representative)
            .where(
                sa.or_(
                    sa.and_(Representative.id.in_(seated), Representative.archived_at.is_(None)),
                    Representative.id.in_(recorded),
                )
            )
            .order_by(Representative.sort_name, Representative.id)
        )
    )
    party_of = parties_on(stage, [m.id for m in members], on)
    # A recorded vote names the party the member voted for; it wins over today's seat.
    for rep_id, party_id in db.session.execute(
        sa.select(Vote.representative_id, Vote.party_id)
        .join(Vote.vote_event)
        .where(VoteEvent.stage_id == stage.id)
    ):
        party_of[rep_id] = party_id
    party_ids = {p for p in party_of.values() if p is not None}
    parties = (
        {p.id: p for p in db.session.scalars(sa.select(Party).where(Party.id.in_(party_ids)))}
        if party_ids
        else {}
    )
    groups: dict[int | None, PartyGroup] = {}
    for member in members:
        party_id = party_of.get(member.id)
        group = groups.setdefault(party_id, PartyGroup(parties.get(party_id) if party_id else None))
        group.members.append(member)
    return sorted(groups.values(), key=lambda g: (g.party is None, -len(g.members), g.name))


def member_ids(stage: Stage) -> set[int]:
    """Everyone who ever sat in the stage's committee (or else chamber): who may have voted."""
    if stage.committee_id is not None:
        stmt = sa.select(CommitteeMembership.representative_id).where(
            CommitteeMembership.committee_id == stage.committee_id
        )
    elif stage.chamber_id is not None:
        stmt = sa.select(Membership.representative_id).where(
            Membership.chamber_id == stage.chamber_id
        )
    else:
        return set()
    return set(db.session.scalars(stmt))


def counts_of(vote_event: VoteEvent | None) -> dict[VoteOption, int]:
    """The whole-chamber counts of a vote event, by option."""
    if vote_event is None:
        return {}
    return {c.option: c.value for c in vote_event.counts if c.party_id is None}


@dataclass
class VotesOfParty(_OfParty):
    """The recorded votes of one party at a vote event, with their tally."""

    votes: list[Vote] = field(default_factory=list)

    @property
    def tally(self) -> dict[VoteOption, int]:
        counted = dict.fromkeys(VoteOption, 0)
        for vote in self.votes:
            counted[vote.option] += 1
        return counted


def votes_by_party(vote_event: VoteEvent | None) -> list[VotesOfParty]:
    """The recorded individual votes grouped by the party each member voted for.

    Works on the already loaded votes (see `get_stage`): no query.
    """
    if vote_event is None:
        return []
    groups: dict[int | None, VotesOfParty] = {}
    for vote in vote_event.votes:
        groups.setdefault(vote.party_id, VotesOfParty(vote.party)).votes.append(vote)
    for group in groups.values():
        group.votes.sort(key=lambda v: (v.representative.sort_name, v.representative_id))
    return sorted(groups.values(), key=lambda g: (g.party is None, -len(g.votes), g.name))
