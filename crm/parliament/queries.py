"""Reads for representative pages. Each function makes a fixed number of queries."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import defer, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from crm.auth.models import User
from crm.auth.permissions import withheld
from crm.db import as_utc, month_end
from crm.extensions import db
from crm.interactions.models import (
    FollowUp,
    FollowUpStatus,
    Interaction,
    interaction_representatives,
)
from crm.interactions.visibility import follow_ups_linked_to_people, linked_to_people
from crm.parliament.models import (
    Chamber,
    Committee,
    CommitteeMembership,
    ContactDetail,
    Identifier,
    Membership,
    OtherName,
    Party,
    Representative,
    Stance,
    StanceRecord,
)
from crm.queries import CappedPagination
from crm.states.models import State
from crm.states.queries import all_states as all_states
from crm.states.queries import current_membership_filter
from crm.text import fold, like_pattern, name_words, sound_key, transliterate

# A name is rarely more than six words; a longer search is cut rather than made slow.
MAX_SEARCH_WORDS = 6


class NameMatch:
    """Who a name search finds, and in what order: the one rule of every people search.

    Each word of the search must be in one of the person's names (case, accents and script
    aside: "ivanov" finds Иванов) or sound like a word of them (Fatima finds Fatma,
    Abeysekara finds Abeysekera: crm.text.sound_key). People whose names hold every word
    as typed come first.
    """

    def __init__(self, q: str) -> None:
        words = [w for w in fold(q).split() if w][:MAX_SEARCH_WORDS]
        self.words = words
        typed = [self._typed(word) for word in words]
        self.spelt = sa.and_(sa.true(), *typed)
        self.condition = sa.and_(
            sa.true(),
            *(sa.or_(spelt, *self._sounds(word)) for spelt, word in zip(typed, words, strict=True)),
        )

    def __bool__(self) -> bool:
        return bool(self.words)

    @property
    def order(self) -> tuple[Any, ...]:
        return (sa.case((self.spelt, 0), else_=1),) if self.words else ()

    def among(self, state_id: int) -> sa.Select[Representative]:
        """The state's representatives it finds (all of them for an empty search), best
        first, then by name; callers add which records count (archived, merged) and a limit."""
        return (
            sa.select(Representative)
            .where(Representative.state_id == state_id, self.condition)
            .order_by(*self.order, Representative.sort_name, Representative.id)
        )

    @staticmethod
    def _typed(word: str) -> sa.ColumnElement[bool]:
        spellings = dict.fromkeys([word, transliterate(word)])
        return sa.or_(
            *(Representative.search_text.like(like_pattern(s), escape="\\") for s in spellings if s)
        )

    @staticmethod
    def _sounds(word: str) -> list[sa.ColumnElement[bool]]:
        # A key of one or two letters (Ana → AN) would match half a parliament.
        keys = {sound_key(w) for w in name_words([word])}
        return [Representative.name_keys.like(f"% {key} %") for key in keys if len(key) >= 3]


@dataclass(frozen=True)
class RepresentativeFilters:
    state: State | None = None
    chamber_id: int | None = None
    party_id: int | None = None
    stance: Stance | None = None
    q: str = ""
    include_former: bool = False


def representatives_select(filters: RepresentativeFilters, on: date) -> sa.Select[Representative]:
    stmt = sa.select(Representative).where(Representative.archived_at.is_(None))
    if filters.state is not None:
        stmt = stmt.where(Representative.state_id == filters.state.id)
    seat = sa.select(Membership.id).where(Membership.representative_id == Representative.id)
    if not filters.include_former:
        seat = seat.where(current_membership_filter(on))
    if filters.chamber_id is not None:
        seat = seat.where(Membership.chamber_id == filters.chamber_id)
    if filters.party_id is not None:
        seat = seat.where(Membership.party_id == filters.party_id)
    if not (filters.include_former and filters.chamber_id is None and filters.party_id is None):
        stmt = stmt.where(seat.exists())
    if filters.stance is not None:
        stmt = stmt.where(Representative.stance == filters.stance)
    match = NameMatch(filters.q)
    if match:
        stmt = stmt.where(match.condition)
    return stmt.options(selectinload(Representative.state)).order_by(
        *match.order, Representative.sort_name, Representative.id
    )


def members_of(state: State, on: date | None) -> sa.ColumnElement[bool]:
    """Picks, among representatives, the live records of `state` who hold a seat in its
    parliament on `on` (its current members), or who ever held one when `on` is None."""
    seat = sa.select(Membership.id).where(Membership.representative_id == Representative.id)
    if on is not None:
        seat = seat.where(current_membership_filter(on))
    return sa.and_(
        Representative.state_id == state.id, Representative.archived_at.is_(None), seat.exists()
    )


def paginate_representatives(
    filters: RepresentativeFilters, on: date, page: int, per_page: int, cap: int
) -> CappedPagination:
    """A page of the list, its rows counted up to `cap` (crm.queries.CappedPagination)."""
    return CappedPagination(
        representatives_select(filters, on), page=page, per_page=per_page, cap=cap
    )


def current_seats(representative_ids: list[int], on: date) -> dict[int, Membership]:
    """The current chamber seat of each representative (one query)."""
    if not representative_ids:
        return {}
    seats = db.session.scalars(
        sa.select(Membership)
        .where(Membership.representative_id.in_(representative_ids), current_membership_filter(on))
        .options(selectinload(Membership.chamber), selectinload(Membership.party))
        .order_by(Membership.start_date)
    )
    return {m.representative_id: m for m in seats}


def last_contacts(representative_ids: list[int], *, reader: Any) -> dict[int, datetime]:
    """The date of the latest contact with each representative that the reader may see
    linked to them (one query)."""
    if not representative_ids:
        return {}
    link = interaction_representatives
    rows = db.session.execute(
        sa.select(link.c.representative_id, sa.func.max(Interaction.occurred_at))
        .join(Interaction, Interaction.id == link.c.interaction_id)
        .where(
            link.c.representative_id.in_(representative_ids),
            Interaction.archived_at.is_(None),
            linked_to_people(reader),
        )
        .group_by(link.c.representative_id)
    )
    # MAX() is never NULL here (each group has a contact, and each contact a date): the test
    # is for the type checker.
    return {rep_id: at for rep_id, last in rows if (at := as_utc(last)) is not None}


def state_filter_choices(state: State | None) -> tuple[list[Chamber], list[Party]]:
    """The chambers and parties a list can be narrowed to, once a state is chosen."""
    if state is None:
        return [], []
    chambers = db.session.scalars(
        sa.select(Chamber).where(Chamber.state_id == state.id).order_by(Chamber.position)
    )
    parties = db.session.scalars(
        sa.select(Party).where(Party.state_id == state.id).order_by(Party.name)
    )
    return list(chambers), list(parties)


def get_representative(representative_id: int) -> Representative | None:
    return db.session.scalar(
        sa.select(Representative)
        .where(Representative.id == representative_id)
        # What a seat or committee seat belongs to comes with it (joined): six queries.
        .options(
            joinedload(Representative.state),
            selectinload(Representative.memberships).options(
                joinedload(Membership.chamber), joinedload(Membership.party)
            ),
            selectinload(Representative.committee_memberships).joinedload(
                CommitteeMembership.committee
            ),
            selectinload(Representative.other_names),
            selectinload(Representative.contact_details),
            selectinload(Representative.identifiers),
        )
    )


@functools.cache
def _page_statements() -> tuple[sa.Select[Any], tuple[tuple[str, sa.Select[Any]], ...]]:
    """The representative's page's reads, by `representative_id`, built once: the person
    with their state (the search columns, never shown, left out), then each list the page
    shows. Of a seat it shows the chamber's name and the party; of a committee seat the
    committee's name and focus (key or not)."""
    rep_id: sa.BindParameter[int] = sa.bindparam("representative_id")
    person = (
        sa.select(Representative)
        .where(Representative.id == rep_id)
        .options(
            defer(Representative.search_text),
            defer(Representative.name_keys),
            joinedload(Representative.state),
        )
    )
    lists = (
        (
            "memberships",
            sa.select(Membership)
            .where(Membership.representative_id == rep_id)
            .options(
                joinedload(Membership.chamber).load_only(Chamber.name),
                joinedload(Membership.party).load_only(
                    Party.name, Party.abbreviation, Party.in_government
                ),
            )
            .order_by(Membership.start_date.desc()),
        ),
        (
            "committee_memberships",
            sa.select(CommitteeMembership)
            .where(CommitteeMembership.representative_id == rep_id)
            .options(
                joinedload(CommitteeMembership.committee).load_only(Committee.name, Committee.focus)
            )
            .order_by(CommitteeMembership.id),
        ),
        *(
            (name, sa.select(model).where(model.representative_id == rep_id).order_by(model.id))
            for name, model in (
                ("other_names", OtherName),
                ("contact_details", ContactDetail),
                ("identifiers", Identifier),
            )
        ),
    )
    return person, lists


def get_representative_page(representative_id: int) -> Representative | None:
    """`get_representative` for the representative's page: the person, their state, seats,
    committee seats, other names, contact details and identifiers (six queries, built once:
    loader options cost more to build than the rows they read), and of the rows around them
    only the columns the page shows."""
    person, lists = _page_statements()
    params = {"representative_id": representative_id}
    rep: Representative | None = db.session.scalar(person, params)
    if rep is None:
        return None
    for name, stmt in lists:
        set_committed_value(rep, name, list(db.session.scalars(stmt, params)))
    return rep


# Of the people who recorded a stance, took part in a contact or were assigned a follow-up,
# pages, packs and the API show the name.
_PERSON_SHOWN = (User.id, User.name)
# Of the contact a stance or follow-up came from: whether it is restricted (and in which
# state), and its date.
_CONTACT_SHOWN = (
    Interaction.id,
    Interaction.state_id,
    Interaction.confidentiality,
    Interaction.occurred_at,
)


def stance_history(representative: Representative, *, reader: Any) -> list[StanceRecord]:
    """The representative's live stance records, newest first. A record the reader may see
    only as a value and month (observed in a restricted contact they may not read) is
    placed at its month's end, so that its place among the others tells no exact date."""
    rows = list(
        db.session.scalars(
            sa.select(StanceRecord)
            .where(
                StanceRecord.representative_id == representative.id,
                StanceRecord.archived_at.is_(None),
            )
            # Who recorded it and the contact it came from are one row each: joined.
            .options(
                joinedload(StanceRecord.recorded_by).load_only(*_PERSON_SHOWN),
                joinedload(StanceRecord.interaction).load_only(*_CONTACT_SHOWN),
            )
            .order_by(StanceRecord.observed_on.desc(), StanceRecord.id.desc())
        )
    )
    if not any(withheld(reader, r) for r in rows):
        return rows

    def placed(record: StanceRecord) -> date:
        return month_end(record.observed_on) if withheld(reader, record) else record.observed_on

    # A stable sort keeps the database's order among records placed on the same day.
    return sorted(rows, key=placed, reverse=True)


def contacts(representative: Representative, *, reader: Any, limit: int = 50) -> list[Interaction]:
    """The contacts with a representative that the reader may see linked to them."""
    return list(
        db.session.scalars(
            sa.select(Interaction)
            .join(
                interaction_representatives,
                interaction_representatives.c.interaction_id == Interaction.id,
            )
            .where(
                interaction_representatives.c.representative_id == representative.id,
                Interaction.archived_at.is_(None),
                linked_to_people(reader),
            )
            .options(selectinload(Interaction.participants).load_only(*_PERSON_SHOWN))
            .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
            .limit(limit)
        )
    )


def open_follow_ups(representative: Representative, *, reader: Any) -> list[FollowUp]:
    """The representative's open follow-ups that the reader may see linked to them."""
    return list(
        db.session.scalars(
            sa.select(FollowUp)
            .where(
                FollowUp.representative_id == representative.id,
                FollowUp.status == FollowUpStatus.OPEN,
                FollowUp.archived_at.is_(None),
                follow_ups_linked_to_people(reader),
            )
            .options(
                joinedload(FollowUp.assignee).load_only(*_PERSON_SHOWN),
                joinedload(FollowUp.interaction).load_only(*_CONTACT_SHOWN),
            )
            .order_by(FollowUp.due_on)
        )
    )


# --- Reads for the writes of a person's record ------------------------------------------------


def state_committees(state: State) -> list[Committee]:
    """The committees of every chamber of the state, chamber by chamber."""
    return list(
        db.session.scalars(
            sa.select(Committee)
            .join(Chamber)
            .where(Chamber.state_id == state.id)
            .options(selectinload(Committee.chamber))
            .order_by(Chamber.position, Chamber.name, Committee.name)
        )
    )


# A child row of a person's record: each has a `representative`.
_Child = TypeVar("_Child", Membership, CommitteeMembership, ContactDetail, OtherName, StanceRecord)


def _with_representative(model: type[_Child], row_id: int) -> _Child | None:
    """A child row of a person's record, with the person and their state (one query)."""
    return db.session.scalar(
        sa.select(model)
        .where(model.id == row_id)
        .options(selectinload(model.representative).selectinload(Representative.state))
    )


def get_membership(membership_id: int) -> Membership | None:
    return _with_representative(Membership, membership_id)


def get_committee_membership(seat_id: int) -> CommitteeMembership | None:
    return _with_representative(CommitteeMembership, seat_id)


def get_contact_detail(detail_id: int) -> ContactDetail | None:
    return _with_representative(ContactDetail, detail_id)


def get_other_name(other_name_id: int) -> OtherName | None:
    return _with_representative(OtherName, other_name_id)


def get_stance_record(record_id: int) -> StanceRecord | None:
    return _with_representative(StanceRecord, record_id)


def paginate_archived_representatives(page: int, per_page: int) -> Pagination:
    """Archived representatives, the most recently archived first."""
    return db.paginate(
        sa.select(Representative)
        .where(Representative.archived_at.is_not(None))
        .options(selectinload(Representative.state))
        .order_by(Representative.archived_at.desc(), Representative.id.desc()),
        page=page,
        per_page=per_page,
        error_out=False,
    )


def archived_stance_records(
    representative: Representative | None = None, limit: int = 50
) -> list[StanceRecord]:
    """Stance records archived as recorded in error, newest archived first."""
    stmt = sa.select(StanceRecord).where(StanceRecord.archived_at.is_not(None))
    if representative is not None:
        stmt = stmt.where(StanceRecord.representative_id == representative.id)
    return list(
        db.session.scalars(
            stmt.options(
                selectinload(StanceRecord.representative).selectinload(Representative.state),
                selectinload(StanceRecord.recorded_by),
            )
            .order_by(StanceRecord.archived_at.desc(), StanceRecord.id.desc())
            .limit(limit)
        )
    )


def possible_duplicates(state: State, name: str, *, limit: int = 10) -> list[Representative]:
    """Records of `state` a new person called `name` may duplicate: every word of the name
    matches one of theirs (as search matches: crm.parliament.queries.NameMatch). Archived
    records count (their `archived_at` says so); records merged into another do not (the
    one they were merged into stands for them)."""
    match = NameMatch(name)
    if not match:
        return []
    stmt = match.among(state.id).where(Representative.merged_into_id.is_(None))
    return list(db.session.scalars(stmt.options(*_SEATS_LOADED).limit(limit)))


def merge_candidates(rep: Representative, q: str, *, limit: int = 20) -> list[Representative]:
    """The live records of `rep`'s state that `rep` may be merged with, found by name."""
    stmt = (
        NameMatch(q)
        .among(rep.state_id)
        .where(Representative.id != rep.id, Representative.archived_at.is_(None))
    )
    return list(db.session.scalars(stmt.options(*_SEATS_LOADED).limit(limit)))


# The seats a list of records shows beside each name (chamber, party).
_SEATS_LOADED = (
    selectinload(Representative.memberships).selectinload(Membership.chamber),
    selectinload(Representative.memberships).selectinload(Membership.party),
)
