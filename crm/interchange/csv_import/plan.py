"""What a checked file would write: a plan per row, and a fingerprint of what the check read
(a change made before the write shows as another fingerprint)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa

from crm.extensions import db
from crm.parliament.models import (
    Chamber,
    ContactDetail,
    ContactKind,
    Identifier,
    Membership,
    Party,
    Representative,
)
from crm.said import Said

if TYPE_CHECKING:
    pass

from crm.interchange.csv_import.read import (
    CONTACT_DETAILS,
    IDENTIFIERS,
    MEMBERSHIPS,
    OTHER_NAMES,
    REPRESENTATIVES,
    CsvReport,
)


@dataclass(frozen=True)
class Seat:
    chamber_id: int
    chamber_name: str
    party_id: int | None
    constituency: str | None
    period: str | None
    start: date


@dataclass
class RowPlan:
    """What one row will do, in plain values: the write needs no object the check loaded."""

    line: int
    name: str
    # The representative the row updates, at the version checked; None adds one.
    rep_id: int | None = None
    version: int = 0
    # An update: the profile on record (every PROFILE_FIELDS value) and their other names.
    current: dict[str, Any] = field(default_factory=dict)
    other_names: list[str] = field(default_factory=list)
    # A new representative: every value given. An update: only the values that change.
    profile: dict[str, Any] = field(default_factory=dict)
    contacts: list[tuple[ContactKind, str]] = field(default_factory=list)
    identifiers: list[tuple[str, str]] = field(default_factory=list)
    seat: Seat | None = None
    # An update: what changes, in words (the report, and in English the audit entry's summary).
    what: list[Said] = field(default_factory=list)


@dataclass
class ImportPlan:
    """A checked file: what each row will do, and what the check read (to notice a change
    made between the check and the write)."""

    state_id: int
    state_name: str
    on: date
    rows: list[tuple[int, dict[str, str]]]
    plans: list[RowPlan]
    fingerprint: tuple[Any, ...]
    report: CsvReport


def chunks(items: list[Any], size: int = 500) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def fingerprint(state_id: int) -> tuple[Any, ...]:
    """Counts and sums over every row the check of a file for this state reads, in one
    query: any insert, delete or versioned update among them changes it, and so does an
    edit of the text of the rows that have no version (other names, contact details,
    identifiers) that changes its length."""
    reps = sa.select(Representative.id).where(Representative.state_id == state_id)

    def totals(table: sa.Table, where: sa.ColumnElement[bool], *summed: Any) -> list[Any]:
        sums = [sa.func.count(), sa.func.coalesce(sa.func.sum(table.c.id), 0)]
        sums += [sa.func.coalesce(sa.func.sum(column), 0) for column in summed]
        return [sa.select(total).where(where).scalar_subquery() for total in sums]

    chambers = cast(sa.Table, Chamber.__table__)
    parties = cast(sa.Table, Party.__table__)
    owned = OTHER_NAMES.c.representative_id.in_(reps)
    columns = [
        *totals(REPRESENTATIVES, Representative.state_id == state_id, REPRESENTATIVES.c.version),
        *totals(chambers, Chamber.state_id == state_id, chambers.c.version),
        *totals(parties, Party.state_id == state_id, parties.c.version),
        *totals(MEMBERSHIPS, Membership.representative_id.in_(reps), MEMBERSHIPS.c.version),
        *totals(
            CONTACT_DETAILS,
            ContactDetail.representative_id.in_(reps),
            sa.func.length(CONTACT_DETAILS.c.value),
        ),
        *totals(
            IDENTIFIERS, Identifier.representative_id.in_(reps), sa.func.length(IDENTIFIERS.c.value)
        ),
        *totals(OTHER_NAMES, owned, sa.func.length(OTHER_NAMES.c.name)),
    ]
    return tuple(db.session.execute(sa.select(*columns)).one())
