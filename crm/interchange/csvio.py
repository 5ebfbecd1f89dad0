"""CSV files that open cleanly in spreadsheet programs, and the three exports.

UTF-8 with a byte order mark (so Excel reads accents and other scripts), CRLF line ends, a
header row, ISO dates. A text cell that starts with = + - @ (or a tab or carriage return)
gets a leading single quote: a spreadsheet would otherwise run it as a formula, and a
representative's name or a meeting summary is text that anyone could have typed.

Restricted interactions follow SPEC §2: for someone who may not read them, a row says only
"restricted contact" and the date.
"""

from __future__ import annotations

import csv
import enum
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.base import ExecutableOption

from crm.events.models import Event, Invitation, Rsvp
from crm.extensions import db
from crm.interactions.models import FollowUp, Interaction
from crm.parliament.models import ContactKind, Membership, Representative, Stance
from crm.parliament.queries import members_of
from crm.states.models import Stage, State

if TYPE_CHECKING:
    from crm.risk.services import SwingRow

BOM = "\ufeff"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 500
RESTRICTED_KIND = "restricted contact"

Row = TypeVar("Row", Representative, Interaction, Event)


def cell(value: Any) -> Any:
    """A value as a spreadsheet-safe cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        value = value.value
    text = str(value)
    if text.startswith(FORMULA_START):
        return "'" + text
    return text


def uncell(text: str) -> str:
    """Undo `cell`'s quote, so an exported file imports back as it was."""
    if text.startswith("'") and text[1:2] and text[1] in "=+-@\t\r":
        return text[1:]
    return text


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The file as text chunks: BOM, header, rows (streamed, a few hundred rows at a time)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(header)
    for n, row in enumerate(rows, 1):
        writer.writerow([cell(value) for value in row])
        if n % CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _in_chunks(model: type[Row], ids: list[int], *options: ExecutableOption) -> Iterator[list[Row]]:
    """The rows of `model` with these ids, in this order, CHUNK at a time: each chunk and
    what `options` loads with it in a fixed number of queries, however long the file."""
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        found = {
            row.id: row
            for row in db.session.scalars(
                sa.select(model).where(model.id.in_(chunk)).options(*options)
            )
        }
        yield [found[row_id] for row_id in chunk]


def _local(value: datetime | None, zone: ZoneInfo) -> str:
    return value.astimezone(zone).isoformat(timespec="minutes") if value else ""


def _joined(values: Iterable[str | None]) -> str:
    return "; ".join(v for v in values if v)


# --- Representatives -------------------------------------------------------------------------

REPRESENTATIVE_COLUMNS = [
    "id",
    "name",
    "sort_name",
    "given_name",
    "family_name",
    "gender",
    "chamber",
    "party",
    "constituency",
    "legislative_period",
    "start_date",
    "end_date",
    "stance",
    "stance_on",
    "stance_stale",
    "influence",
    "languages",
    "tags",
    "do_not_contact",
    "do_not_contact_reason",
    "email",
    "phone",
    "website",
    "wikidata",
    "popolo_id",
]


def representative_rows(
    state: State, on: date, *, may_see_restricted: bool, former: bool = False, stale_days: int = 180
) -> Iterator[list[Any]]:
    """A state's representatives (current members, or everyone when `former`), by name,
    with their seat, current stance and its date. A fixed number of queries per chunk.

    Without `may_see_restricted`, a stance observed in a restricted contact shows its
    month only ("2026-03"), as on the pages (SPEC §2)."""
    ids = list(
        db.session.scalars(
            sa.select(Representative.id)
            .where(members_of(state, None if former else on))
            .order_by(Representative.sort_name, Representative.id)
        )
    )
    for reps in _in_chunks(
        Representative,
        ids,
        selectinload(Representative.memberships).selectinload(Membership.chamber),
        selectinload(Representative.memberships).selectinload(Membership.party),
        selectinload(Representative.contact_details),
        selectinload(Representative.identifiers),
    ):
        for rep in reps:
            current = [m for m in rep.memberships if m.is_current(on)]
            seat = (current or rep.memberships or [None])[0]
            contacts = {kind: [] for kind in ContactKind}
            for detail in rep.contact_details:
                contacts[detail.kind].append(detail.value)
            identifiers = {i.scheme: i.value for i in sorted(rep.identifiers, key=lambda i: i.id)}
            seen = rep.stance_date(withheld=rep.stance_restricted and not may_see_restricted)
            known = seen.on is not None and rep.stance is not Stance.UNKNOWN
            stale = seen.is_stale(on, stale_days) if known else None
            yield [
                rep.id,
                rep.name,
                rep.sort_name,
                rep.given_name,
                rep.family_name,
                rep.gender,
                seat.chamber.name if seat else None,
                seat.party.name if seat and seat.party else None,
                seat.constituency if seat else None,
                seat.legislative_period if seat else None,
                seat.start_date if seat else None,
                seat.end_date if seat else None,
                rep.stance,
                seen.on if seen.exact else seen.month,
                stale,
                rep.influence,
                _joined(rep.languages or []),
                _joined(rep.tags or []),
                rep.do_not_contact,
                rep.do_not_contact_reason,
                _joined(contacts[ContactKind.EMAIL]),
                _joined(contacts[ContactKind.PHONE]),
                _joined(contacts[ContactKind.WEBSITE]),
                identifiers.get("wikidata"),
                identifiers.get("popolo"),
            ]


# --- Interactions ------------------------------------------------------------------------------

INTERACTION_COLUMNS = [
    "id",
    "date",
    "time",
    "timezone",
    "kind",
    "confidentiality",
    "representatives",
    "participants",
    "summary",
    "outcome",
    "follow_ups",
]


def interaction_rows(state: State, *, may_see_restricted: bool) -> Iterator[list[Any]]:
    """A state's contacts, newest first. Without `may_see_restricted`, a restricted one is
    a row holding only "restricted contact" and its date (SPEC §2)."""
    zone = ZoneInfo(state.timezone)
    ids = list(
        db.session.scalars(
            sa.select(Interaction.id)
            .where(Interaction.state_id == state.id, Interaction.archived_at.is_(None))
            .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
        )
    )
    for interactions in _in_chunks(
        Interaction,
        ids,
        selectinload(Interaction.representatives),
        selectinload(Interaction.participants),
        selectinload(Interaction.follow_ups).selectinload(FollowUp.assignee),
    ):
        for interaction in interactions:
            local = interaction.occurred_at.astimezone(zone)
            if interaction.is_restricted and not may_see_restricted:
                yield ["", local.date(), "", "", RESTRICTED_KIND, "", "", "", "", "", ""]
                continue
            follow_ups = [
                f"{f.title} ({f.status.value}"
                + (f", due {f.due_on.isoformat()}" if f.due_on else "")
                + ")"
                for f in interaction.follow_ups
                if f.archived_at is None
            ]
            yield [
                interaction.id,
                local.date(),
                local.strftime("%H:%M"),
                state.timezone,
                interaction.kind,
                interaction.confidentiality,
                _joined(r.name for r in interaction.representatives),
                _joined(u.name for u in interaction.participants),
                interaction.summary,
                interaction.outcome,
                _joined(follow_ups),
            ]


# --- Events --------------------------------------------------------------------------------------

EVENT_COLUMNS = [
    "id",
    "title",
    "kind",
    "status",
    "starts_at",
    "ends_at",
    "timezone",
    "city",
    "venue",
    "section",
    "stage",
    "stage_date",
    "expected_attendance",
    "actual_attendance",
    "signatures_handed_over",
    "invited",
    "accepted",
    "attended",
    "press_links",
    "outcome",
    "description",
]


def event_rows(state: State) -> Iterator[list[Any]]:
    """A state's events (not archived), soonest first, times in the state's zone."""
    zone = ZoneInfo(state.timezone)
    ids = list(
        db.session.scalars(
            sa.select(Event.id)
            .where(Event.state_id == state.id, Event.archived_at.is_(None))
            .order_by(Event.starts_at, Event.id)
        )
    )
    for events in _in_chunks(
        Event,
        ids,
        selectinload(Event.section),
        selectinload(Event.stage).selectinload(Stage.chamber),
        selectinload(Event.stage).selectinload(Stage.committee),
    ):
        guests: dict[int, dict[str, int]] = {}
        for event_id, rsvp, attended, n in db.session.execute(
            sa.select(Invitation.event_id, Invitation.rsvp, Invitation.attended, sa.func.count())
            .where(Invitation.event_id.in_([event.id for event in events]))
            .group_by(Invitation.event_id, Invitation.rsvp, Invitation.attended)
        ):
            tally = guests.setdefault(event_id, {"invited": 0, "accepted": 0, "attended": 0})
            tally["invited"] += n
            tally["accepted"] += n if Rsvp(rsvp) is Rsvp.ACCEPTED else 0
            tally["attended"] += n if attended else 0
        for event in events:
            tally = guests.get(event.id, {"invited": 0, "accepted": 0, "attended": 0})
            stage = event.stage
            stage_place = None
            if stage is not None:
                where = stage.committee or stage.chamber
                stage_place = stage.kind.label + (f" ({where.name})" if where else "")
            yield [
                event.id,
                event.title,
                event.kind,
                event.status,
                _local(event.starts_at, zone),
                _local(event.ends_at, zone),
                state.timezone,
                event.city,
                event.venue,
                event.section.name if event.section else None,
                stage_place,
                (stage.held_on or stage.scheduled_on) if stage else None,
                event.expected_attendance,
                event.actual_attendance,
                event.signatures_handed_over,
                tally["invited"],
                tally["accepted"],
                tally["attended"],
                _joined(event.press_links or []),
                event.outcome,
                event.description,
            ]


SWING_COLUMNS = (
    "rank",
    "name",
    "chamber",
    "party",
    "stance",
    "stance_observed",
    "if_persuaded",
    "risk_drop_points",
    "influence",
    "last_contact",
)


def swing_rows(rows: Iterable[SwingRow]) -> Iterator[tuple[Any, ...]]:
    """The swing list's rows as its page shows them: a stance observed in a restricted
    contact the reader may not read gives its month only ("2026-03")."""
    for row in rows:
        seen = row.stance_date
        observed = (seen.on if seen.exact else seen.month) if seen.on else None
        yield (
            row.rank,
            row.representative.name,
            row.chamber,
            row.party,
            row.representative.stance,
            observed,
            row.entry.new_stance,
            round(row.entry.risk_drop * 100, 2),
            row.representative.influence,
            row.last_contact.date() if row.last_contact else None,
        )
