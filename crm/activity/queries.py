"""Reads for the campaign's week: the activity feed and the overdue follow-ups.

The feed is one list over five tables, so it is one query: each kind of record gives its
(kind, id, moment, state) rows, the rows are joined with UNION ALL, filtered, ordered
newest first and cut to a page in the database. Only then are the page's records loaded,
one query per kind (and its loader options), so a page makes the same number of queries
however much has happened.

When each kind "happened": a contact at its time; a stance when it was recorded (the day
it was seen is shown); an event at its start, once it has started; a stage when it last
changed (scheduled, postponed, held, cancelled); an import when it was written.

What a reader who may not read a restricted contact gets (SPEC §2): the contact as the
state's list of contacts shows it, "restricted contact" and its date; a stance seen in it
not at all (a row would tie the person to that contact, as `states.queries
.recent_stance_records` says); no filter by anything the contact withholds (person, kind
of contact, who took part). Filtering by state, by section (the states it is responsible
for) or by dates only narrows what the state's own list already shows.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from itertools import groupby
from typing import Any

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import selectinload

from crm.audit.models import AuditEntry
from crm.auth.models import Section, User, section_states
from crm.auth.permissions import withheld
from crm.events.models import Event
from crm.extensions import db
from crm.interactions.models import FollowUp, FollowUpStatus, Interaction
from crm.interactions.queries import follow_ups_select
from crm.interactions.visibility import stances_linked_to_people
from crm.parliament.models import Representative, StanceRecord
from crm.states.models import Agreement, Stage, State


class FeedKind(enum.StrEnum):
    CONTACT = "contact"
    STANCE = "stance"
    EVENT = "event"
    STAGE = "stage"
    IMPORT = "import"


# The audit actions that are imports from a file (crm.interchange): their entries are the
# only record of an import that outlives its job.
IMPORT_ACTIONS = ("csv.imported", "popolo.imported", "popolo.votes_imported")


@dataclass(frozen=True)
class FeedFilters:
    """What the feed is narrowed to; None or empty means "any"."""

    state_id: int | None = None
    section_id: int | None = None
    kinds: frozenset[FeedKind] = frozenset()
    # Whole UTC days, both included.
    since: date | None = None
    until: date | None = None


def _period(column: Any, filters: FeedFilters) -> list[sa.ColumnElement[bool]]:
    conditions = []
    if filters.since is not None:
        conditions.append(column >= datetime.combine(filters.since, time(), UTC))
    if filters.until is not None:
        conditions.append(column <= datetime.combine(filters.until, time.max, UTC))
    return conditions


def _places(column: Any, filters: FeedFilters) -> list[sa.ColumnElement[bool]]:
    conditions = []
    if filters.state_id is not None:
        conditions.append(column == filters.state_id)
    if filters.section_id is not None:
        conditions.append(
            column.in_(
                sa.select(section_states.c.state_id).where(
                    section_states.c.section_id == filters.section_id
                )
            )
        )
    return conditions


def _rows(
    kind: FeedKind,
    id_: Any,
    at: Any,
    state_id: Any,
    filters: FeedFilters,
    *where: sa.ColumnElement[bool],
) -> sa.Select[Any]:
    """The kind's (kind, id, moment, state) rows where `where` holds, narrowed to the
    filters' state, section and days."""
    return sa.select(
        # Written into the statement: a bound parameter in a UNION has no type PostgreSQL
        # can infer. The values are this module's own.
        sa.literal_column(f"'{kind.value}'", sa.String(10)).label("kind"),
        id_.label("id"),
        at.label("at"),
        state_id.label("state_id"),
    ).where(*where, *_places(state_id, filters), *_period(at, filters))


def _selects(reader: Any, filters: FeedFilters, now: datetime) -> list[sa.Select[Any]]:
    """Each kind's rows, filtered by state, section and dates (the kinds asked for)."""

    def wanted(kind: FeedKind) -> bool:
        return not filters.kinds or kind in filters.kinds

    selects = []
    if wanted(FeedKind.CONTACT):
        # Every contact, restricted ones too: the state's list shows each one's date.
        selects.append(
            _rows(
                FeedKind.CONTACT,
                Interaction.id,
                Interaction.occurred_at,
                Interaction.state_id,
                filters,
                Interaction.archived_at.is_(None),
            )
        )
    if wanted(FeedKind.STANCE):
        selects.append(
            _rows(
                FeedKind.STANCE,
                StanceRecord.id,
                StanceRecord.recorded_at,
                Representative.state_id,
                filters,
                StanceRecord.representative_id == Representative.id,
                StanceRecord.archived_at.is_(None),
                # A roll call's votes are the stage's news, not hundreds of stances.
                StanceRecord.vote_id.is_(None),
                stances_linked_to_people(reader),
            )
        )
    if wanted(FeedKind.EVENT):
        selects.append(
            _rows(
                FeedKind.EVENT,
                Event.id,
                Event.starts_at,
                Event.state_id,
                filters,
                Event.archived_at.is_(None),
                Event.starts_at <= now,
            )
        )
    if wanted(FeedKind.STAGE):
        selects.append(
            _rows(
                FeedKind.STAGE,
                Stage.id,
                Stage.updated_at,
                Agreement.state_id,
                filters,
                Stage.agreement_id == Agreement.id,
            )
        )
    if wanted(FeedKind.IMPORT):
        selects.append(
            _rows(
                FeedKind.IMPORT,
                AuditEntry.id,
                AuditEntry.at,
                AuditEntry.state_id,
                filters,
                AuditEntry.action.in_(IMPORT_ACTIONS),
            )
        )
    return selects


@dataclass
class FeedItem:
    """One thing that happened. `record` is the Interaction, StanceRecord, Event, Stage or
    AuditEntry; `hidden` when it is a restricted contact the reader may not read, whose
    date and state are then all the page may show."""

    kind: FeedKind
    at: datetime
    state: State | None
    record: Any
    hidden: bool = False


class RowPagination(Pagination):
    """`Pagination` (what the page links' macro reads) over a statement's rows, not its
    first column: the feed's union rows, and the overdue (follow-up, section) pairs."""

    def _query_items(self) -> list[Any]:
        stmt = self._query_args["select"]
        return list(db.session.execute(stmt.limit(self.per_page).offset(self._query_offset)))

    def _query_count(self) -> int:
        stmt = self._query_args["select"].order_by(None).subquery()
        return int(db.session.scalar(sa.select(sa.func.count()).select_from(stmt)) or 0)


def feed_page(
    reader: User, filters: FeedFilters, page: int, per_page: int, now: datetime
) -> RowPagination:
    """One page of what happened across the campaign, newest first, as `reader` may see it
    (a fixed number of queries: the page, its count, then each kind's records)."""
    union = sa.union_all(*_selects(reader, filters, now)).subquery("feed")
    stmt = sa.select(union.c.kind, union.c.id, union.c.at, union.c.state_id).order_by(
        union.c.at.desc(), union.c.kind, union.c.id.desc()
    )
    pagination = RowPagination(page=page, per_page=per_page, error_out=False, select=stmt)
    pagination.items = _items(reader, pagination.items)
    return pagination


# How each kind's records are loaded for the page: whatever its template shows.
_LOADERS: dict[FeedKind, tuple[Any, tuple[Any, ...]]] = {
    FeedKind.CONTACT: (
        Interaction,
        (selectinload(Interaction.representatives), selectinload(Interaction.participants)),
    ),
    FeedKind.STANCE: (
        StanceRecord,
        (selectinload(StanceRecord.representative), selectinload(StanceRecord.recorded_by)),
    ),
    FeedKind.EVENT: (Event, (selectinload(Event.section),)),
    FeedKind.STAGE: (Stage, (selectinload(Stage.chamber), selectinload(Stage.committee))),
    FeedKind.IMPORT: (AuditEntry, ()),
}


def _items(reader: User, rows: Sequence[Any]) -> list[FeedItem]:
    ids: dict[FeedKind, list[int]] = {}
    for row in rows:
        ids.setdefault(FeedKind(row.kind), []).append(row.id)
    loaded: dict[FeedKind, dict[int, Any]] = {}
    for kind, wanted in ids.items():
        model, options = _LOADERS[kind]
        records = db.session.scalars(sa.select(model).where(model.id.in_(wanted)).options(*options))
        loaded[kind] = {r.id: r for r in records}
    state_ids = {row.state_id for row in rows if row.state_id is not None}
    states = (
        {s.id: s for s in db.session.scalars(sa.select(State).where(State.id.in_(state_ids)))}
        if state_ids
        else {}
    )
    items = []
    for row in rows:
        kind = FeedKind(row.kind)
        record = loaded[kind].get(row.id)
        if record is None:  # gone between the two reads
            continue
        items.append(
            FeedItem(
                kind=kind,
                at=record.at if kind is FeedKind.IMPORT else _moment(kind, record),
                state=states.get(row.state_id),
                record=record,
                hidden=kind is FeedKind.CONTACT and withheld(reader, record),
            )
        )
    return items


def _moment(kind: FeedKind, record: Any) -> datetime:
    # Read back from the record (an aware datetime on both databases), not from the union.
    attribute = {
        FeedKind.CONTACT: "occurred_at",
        FeedKind.STANCE: "recorded_at",
        FeedKind.EVENT: "starts_at",
        FeedKind.STAGE: "updated_at",
    }[kind]
    moment: datetime = getattr(record, attribute)
    return moment


def sections() -> list[Section]:
    """Every section, by name, for the filters."""
    return list(db.session.scalars(sa.select(Section).order_by(Section.name, Section.id)))


# --- Overdue follow-ups -------------------------------------------------------------------


@dataclass(frozen=True)
class OverdueFilters:
    state_id: int | None = None
    section_id: int | None = None


def overdue_select(on: date, filters: OverdueFilters) -> sa.Select[Any]:
    """Open follow-ups due before `on`, each with a section responsible for its state (a
    state kept by two sections comes under each; one kept by none, once, with None): by
    section name, then the longest overdue first."""
    base = follow_ups_select(None, FollowUpStatus.OPEN, None, on).where(FollowUp.due_on < on)
    stmt = (
        base.add_columns(Section)
        .outerjoin(section_states, section_states.c.state_id == FollowUp.state_id)
        .outerjoin(Section, Section.id == section_states.c.section_id)
        .order_by(None)
        .order_by(Section.id.is_(None), Section.name, Section.id, FollowUp.due_on, FollowUp.id)
    )
    if filters.state_id is not None:
        stmt = stmt.where(FollowUp.state_id == filters.state_id)
    if filters.section_id is not None:
        stmt = stmt.where(Section.id == filters.section_id)
    return stmt


@dataclass
class SectionGroup:
    """The overdue follow-ups of one section's states on this page (section None: states
    no section keeps)."""

    section: Section | None
    follow_ups: list[FollowUp]


def overdue_page(on: date, filters: OverdueFilters, page: int, per_page: int) -> RowPagination:
    """One page of the overdue follow-ups of every state, grouped by section (two queries,
    and the follow-ups' loader options)."""
    pagination = RowPagination(
        page=page, per_page=per_page, error_out=False, select=overdue_select(on, filters)
    )
    pagination.items = list(_grouped(pagination.items))
    return pagination


def _grouped(rows: Iterable[Any]) -> Iterator[SectionGroup]:
    for _key, group in groupby(rows, key=lambda row: row[1].id if row[1] is not None else None):
        pairs = list(group)
        yield SectionGroup(pairs[0][1], [follow_up for follow_up, _section in pairs])
