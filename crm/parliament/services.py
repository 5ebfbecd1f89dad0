"""Writes about representatives: profiles, memberships, committee seats, contact details,
other names, stances, archiving.

A representative's record is the person and their child rows (other names, contact
details, seats, committee seats). Every change to it goes through `_begin_change` and
`_finish_change`: the permission and the version the form was opened on are checked, the
representative's version moves on, and the audit entry — on the representative, naming the
new version — says exactly what changed. So a form opened on an older version gets a
conflict that shows the change, whichever part of the record it touched.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email

from crm import records
from crm.audit.services import record, snapshot
from crm.auth.permissions import Action, require
from crm.db import today, utcnow
from crm.errors import ValidationFailed
from crm.extensions import db
from crm.interactions.models import Confidentiality, Interaction
from crm.parliament.models import (
    Chamber,
    Committee,
    CommitteeMembership,
    CommitteeRole,
    Confidence,
    ContactDetail,
    ContactKind,
    Membership,
    OtherName,
    Party,
    Representative,
    Stance,
    StanceRecord,
    StanceSource,
)
from crm.risk.changes import inputs_changed
from crm.text import search_text

if TYPE_CHECKING:
    from crm.auth.models import User
    from crm.states.models import State
    from crm.votes.models import Vote


def refresh_search_text(representative: Representative) -> None:
    """Recompute the folded names used by search (after a name or other name changes)."""
    representative.search_text = search_text(
        [representative.name, *(other.name for other in representative.other_names)]
    )


def refresh_current_stances(representative_ids: Iterable[int]) -> None:
    """Set each representative's cached current stance from their newest live record.

    Newest means the latest observation date, then the latest recorded; a representative
    without records is `unknown`. The cache also notes whether that record was observed in
    a restricted contact (call again when a contact's confidentiality changes).
    """
    ids = list(representative_ids)
    if not ids:
        return
    restricted = sa.exists().where(
        Interaction.id == StanceRecord.interaction_id,
        Interaction.confidentiality == Confidentiality.RESTRICTED,
    )
    ranked = (
        sa.select(
            StanceRecord.representative_id,
            StanceRecord.stance,
            StanceRecord.observed_on,
            sa.case((restricted, True), else_=False).label("restricted"),
            sa.func.row_number()
            .over(
                partition_by=StanceRecord.representative_id,
                order_by=(StanceRecord.observed_on.desc(), StanceRecord.id.desc()),
            )
            .label("rank"),
        )
        .where(StanceRecord.representative_id.in_(ids), StanceRecord.archived_at.is_(None))
        .subquery()
    )
    latest = {
        rep_id: (Stance(stance), observed_on, bool(is_restricted))
        for rep_id, stance, observed_on, is_restricted in db.session.execute(
            sa.select(
                ranked.c.representative_id,
                ranked.c.stance,
                ranked.c.observed_on,
                ranked.c.restricted,
            ).where(ranked.c.rank == 1)
        )
    }
    # The cached stance is derived data: it is written without the representative's version,
    # so someone editing the profile meanwhile gets no conflict they could not explain.
    table = Representative.__table__
    changed: list[dict[str, Any]] = []
    states: set[int] = set()
    for chunk_start in range(0, len(ids), 500):
        for rep_id, state_id, cached, cached_on, cached_restricted in db.session.execute(
            sa.select(
                table.c.id,
                table.c.state_id,
                table.c.stance,
                table.c.stance_on,
                table.c.stance_restricted,
            ).where(table.c.id.in_(ids[chunk_start : chunk_start + 500]))
        ):
            now = latest.get(rep_id, (Stance.UNKNOWN, None, False))
            if (Stance(cached), cached_on, bool(cached_restricted)) != now:
                changed.append({"rep_id": rep_id, "s": now[0], "on": now[1], "r": now[2]})
                states.add(state_id)
    if not changed:
        return
    inputs_changed(*states)
    db.session.execute(
        sa.update(table)
        .where(table.c.id == sa.bindparam("rep_id"))
        .values(
            stance=sa.bindparam("s"),
            stance_on=sa.bindparam("on"),
            stance_restricted=sa.bindparam("r"),
        ),
        changed,
    )
    # Objects already in the session read the new values on their next access.
    updated = {row["rep_id"] for row in changed}
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Representative) and obj.id in updated:
            db.session.expire(obj, ["stance", "stance_on", "stance_restricted"])


def record_stance(
    actor: User | None,
    representative: Representative,
    *,
    stance: Stance,
    source: StanceSource,
    observed_on: date,
    confidence: Confidence = Confidence.MEDIUM,
    note: str | None = None,
    interaction: Interaction | None = None,
    vote: Vote | None = None,
) -> StanceRecord:
    """Record an observation of a representative's stance and update their current stance.

    `actor` is None only for imports and the demo loader, which check nothing.
    """
    if actor is not None:
        require(actor, Action.CREATE, StanceRecord, state=representative.state)
    if vote is None:
        # A roll call names whoever voted; anything else is about a record still in use.
        _refuse_archived(representative)
    # "Today" where the representative is: east of UTC, their day starts before ours.
    local_today = utcnow().astimezone(ZoneInfo(representative.state.timezone)).date()
    if observed_on > max(today(), local_today):
        raise ValidationFailed("A stance cannot be observed in the future.", field="observed_on")
    entry = StanceRecord(
        representative=representative,
        stance=stance,
        source=source,
        confidence=confidence,
        observed_on=observed_on,
        note=(note or "").strip() or None,
        recorded_by=actor,
        interaction=interaction,
        vote=vote,
    )
    db.session.add(entry)
    db.session.flush()
    refresh_current_stances([representative.id])
    record(actor, "stance.recorded", entry, after=snapshot(entry))
    return entry


# The fields of a representative that the edit form changes directly.
EDITABLE_FIELDS = (
    "name",
    "sort_name",
    "given_name",
    "family_name",
    "gender",
    "languages",
    "influence",
    "tags",
    "notes",
    "do_not_contact",
    "do_not_contact_reason",
)


def update_representative(
    actor: User,
    representative: Representative,
    changes: dict[str, Any],
    *,
    expected_version: int | None,
) -> dict[str, Any]:
    """Edit a representative's profile; returns what changed."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable here: {', '.join(sorted(unknown))}")
    require(actor, Action.EDIT, representative)
    _refuse_archived(representative)
    records.check_version(representative, expected_version)
    _check_profile(changes, representative)
    if not changes.get("sort_name", representative.sort_name):
        changes = {**changes, "sort_name": changes.get("name") or representative.name}
    # The folded names go into the same UPDATE as the new name: a second UPDATE at commit
    # would move the version past the one the audit entry names.
    name = (changes.get("name") or representative.name).strip()
    if name != representative.name:
        representative.search_text = search_text(
            [name, *(other.name for other in representative.other_names)]
        )
    return records.update(
        actor,
        representative,
        changes,
        action="representative.updated",
        expected_version=expected_version,
    )


# --- Rules shared by the writes below ----------------------------------------------------

EARLIEST_DATE = date(1900, 1, 1)
# How far ahead a seat may start or end: a term's known end, an election's known result.
LATEST_AHEAD = timedelta(days=366)
# BCP 47 in the shape people type: "hi", "ne", "sr-Latn", "zh-Hant-TW".
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")
PHONE_NUMBER = re.compile(r"\+?[0-9 ()./-]+((ext\.?|x) ?[0-9]{1,6})?", re.IGNORECASE)
URL_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def _refuse_archived(representative: Representative) -> None:
    if representative.archived_at is not None:
        raise ValidationFailed(
            f"{representative.name} is archived: an administrator must restore the record "
            "before it can change."
        )


def _check_date(value: date, field: str) -> None:
    latest = today() + LATEST_AHEAD
    if not EARLIEST_DATE <= value <= latest:
        raise ValidationFailed(
            f"Enter a date between {EARLIEST_DATE:%d %b %Y} and {latest:%d %b %Y}.", field=field
        )


def _check_profile(values: dict[str, Any], current: Representative | None) -> None:
    if "name" in values and not (values["name"] or "").strip():
        raise ValidationFailed("Enter a name.", field="name")
    influence = values.get("influence")
    if "influence" in values and (
        not isinstance(influence, int) or isinstance(influence, bool) or not 1 <= influence <= 5
    ):
        raise ValidationFailed("Choose an influence from 1 to 5.", field="influence")
    do_not_contact = values.get("do_not_contact", current.do_not_contact if current else False)
    reason = values.get("do_not_contact_reason", current.do_not_contact_reason if current else None)
    if do_not_contact and not (reason or "").strip():
        raise ValidationFailed(
            "Say why this person must not be contacted.", field="do_not_contact_reason"
        )


def _is_web_address(value: str) -> bool:
    if any(ch.isspace() or not ch.isprintable() for ch in value):
        return False
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(host)


def contact_value_problem(kind: ContactKind, value: str) -> str | None:
    """What is wrong with a contact detail's value for its kind, or None if it is fine.

    Pages link e-mail, phone and web values, so those must be what they claim to be: a
    `javascript:` "website" must never become a link.
    """
    value = (value or "").strip()
    if not value:
        return "Enter the contact detail."
    if len(value) > 300:
        return "At most 300 characters."
    if kind is ContactKind.EMAIL:
        try:
            validate_email(value, check_deliverability=False)
        except EmailNotValidError:
            return "Enter an e-mail address such as name@example.org."
    elif kind is ContactKind.WEBSITE:
        if not _is_web_address(value):
            return "Enter a web address starting with http:// or https://."
    elif kind is ContactKind.SOCIAL:
        if URL_SCHEME.match(value) and not _is_web_address(value):
            return "Enter a handle such as @name, or a link starting with http:// or https://."
    elif kind in (ContactKind.PHONE, ContactKind.FAX):
        digits = sum(ch.isdigit() for ch in value)
        if not PHONE_NUMBER.fullmatch(value) or not 3 <= digits <= 30:
            return "Enter a number using digits, spaces and + ( ) - . / only."
    return None


def _clean_contact(
    kind: ContactKind, value: str, label: str | None, *, prefix: str = "", row: str = ""
) -> tuple[ContactKind, str, str | None]:
    kind = ContactKind(kind)
    problem = contact_value_problem(kind, value)
    if problem:
        raise ValidationFailed(f"{row}{problem}", field=f"{prefix}value")
    label = (label or "").strip() or None
    if label and len(label) > 120:
        raise ValidationFailed(f"{row}A label is at most 120 characters.", field=f"{prefix}label")
    return kind, value.strip(), label


def _clean_other_name(
    name: str, lang: str | None, note: str | None, *, prefix: str = "", row: str = ""
) -> tuple[str, str | None, str | None]:
    name = (name or "").strip()
    lang = (lang or "").strip() or None
    note = (note or "").strip() or None
    if not name:
        raise ValidationFailed(f"{row}Enter the name.", field=f"{prefix}name")
    if len(name) > 200:
        raise ValidationFailed(f"{row}A name is at most 200 characters.", field=f"{prefix}name")
    if lang and (len(lang) > 20 or not LANGUAGE_TAG.fullmatch(lang)):
        raise ValidationFailed(
            f"{row}Enter a language tag such as hi, ne or sr-Latn.", field=f"{prefix}lang"
        )
    if note and len(note) > 200:
        raise ValidationFailed(f"{row}A note is at most 200 characters.", field=f"{prefix}note")
    return name, lang, note


def _check_seat(state_id: int, chamber: Chamber, party: Party | None, start_date: date) -> None:
    if chamber.state_id != state_id:
        raise ValidationFailed("Choose a chamber of this representative's state.", field="chamber")
    if party is not None and party.state_id != state_id:
        raise ValidationFailed(
            "Choose a party of this representative's state, or independent.", field="party"
        )
    _check_date(start_date, "start_date")


def _period(start: date | None, end: date | None) -> str:
    begun = f"{start:%d %b %Y}" if start else "…"
    return f"{begun} – {end:%d %b %Y}" if end else f"since {begun}"


def _begin_change(
    actor: User, representative: Representative, expected_version: int | None
) -> None:
    """Check that the actor may change the record, and that nobody did since the form opened."""
    require(actor, Action.EDIT, representative)
    _refuse_archived(representative)
    records.check_version(representative, expected_version)


# --- Creating a representative -----------------------------------------------------------


@dataclass(frozen=True)
class NewOtherName:
    name: str
    lang: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class NewContactDetail:
    kind: ContactKind
    value: str
    label: str | None = None


@dataclass(frozen=True)
class NewSeat:
    chamber: Chamber
    party: Party | None
    start_date: date
    constituency: str | None = None
    legislative_period: str | None = None


def _new_membership(seat: NewSeat) -> Membership:
    constituency = (seat.constituency or "").strip() or None
    period = (seat.legislative_period or "").strip() or None
    if constituency and len(constituency) > 200:
        raise ValidationFailed("A constituency is at most 200 characters.", field="constituency")
    if period and len(period) > 80:
        raise ValidationFailed("A term is at most 80 characters.", field="legislative_period")
    return Membership(
        chamber=seat.chamber,
        party=seat.party,
        constituency=constituency,
        legislative_period=period,
        start_date=seat.start_date,
    )


def create_representative(
    actor: User,
    state: State,
    *,
    profile: dict[str, Any],
    seat: NewSeat,
    other_names: Sequence[NewOtherName] = (),
    contact_details: Sequence[NewContactDetail] = (),
) -> Representative:
    """Add a representative of `state` with their first seat, other names and contacts."""
    require(actor, Action.CREATE, Representative, state=state)
    unknown = set(profile) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not set here: {', '.join(sorted(unknown))}")
    profile = records.clean(Representative, profile)
    _check_profile({"name": "", **profile}, None)
    _check_seat(state.id, seat.chamber, seat.party, seat.start_date)
    names = [
        _clean_other_name(
            n.name, n.lang, n.note, prefix=f"other_names-{i}-", row=f"Other name {i + 1}: "
        )
        for i, n in enumerate(other_names)
    ]
    contacts = [
        _clean_contact(
            c.kind, c.value, c.label, prefix=f"contact_details-{i}-", row=f"Contact {i + 1}: "
        )
        for i, c in enumerate(contact_details)
    ]
    if not profile.get("sort_name"):
        given, family = profile.get("given_name"), profile.get("family_name")
        profile["sort_name"] = f"{family}, {given}" if family and given else profile["name"]
    representative = Representative(state=state, **profile)
    representative.other_names = [
        OtherName(name=n, lang=lang, note=note) for n, lang, note in names
    ]
    representative.contact_details = [
        ContactDetail(kind=kind, value=value, label=label) for kind, value, label in contacts
    ]
    representative.memberships = [_new_membership(seat)]
    refresh_search_text(representative)
    records.create(actor, representative, action="representative.created", state=state, audit=False)
    record(
        actor,
        "representative.created",
        representative,
        after={
            **snapshot(representative),
            "other_names": [snapshot(n) for n in representative.other_names],
            "contact_details": [snapshot(c) for c in representative.contact_details],
            "memberships": [snapshot(m) for m in representative.memberships],
        },
        summary=f"Added {representative.name}",
    )
    inputs_changed(state.id)  # with their first seat
    return representative


# --- Contact details and other names: small rows, really deleted ---------------------------


def add_contact_detail(
    actor: User,
    representative: Representative,
    *,
    kind: ContactKind,
    value: str,
    label: str | None = None,
    expected_version: int | None = None,
) -> ContactDetail:
    _begin_change(actor, representative, expected_version)
    kind, value, label = _clean_contact(kind, value, label)
    detail = ContactDetail(kind=kind, value=value, label=label)
    representative.contact_details.append(detail)
    records.touch_parent(
        actor,
        representative,
        "contact_detail.added",
        after=lambda: {"contact_detail": snapshot(detail)},
        summary=f"{kind.label}: {value}",
    )
    return detail


def update_contact_detail(
    actor: User,
    detail: ContactDetail,
    *,
    kind: ContactKind,
    value: str,
    label: str | None = None,
    expected_version: int | None = None,
) -> bool:
    """Change a contact detail; returns whether anything changed."""
    representative = detail.representative
    _begin_change(actor, representative, expected_version)
    kind, value, label = _clean_contact(kind, value, label)
    before = snapshot(detail)
    detail.kind, detail.value, detail.label = kind, value, label
    if snapshot(detail) == before:
        return False
    records.touch_parent(
        actor,
        representative,
        "contact_detail.updated",
        before={"contact_detail": before},
        after=lambda: {"contact_detail": snapshot(detail)},
        summary=f"{kind.label}: {value}",
    )
    return True


def remove_contact_detail(
    actor: User, detail: ContactDetail, *, expected_version: int | None = None
) -> None:
    """Delete a contact detail; the audit entry keeps what it was."""
    representative = detail.representative
    _begin_change(actor, representative, expected_version)
    before = snapshot(detail)
    representative.contact_details.remove(detail)
    records.touch_parent(
        actor,
        representative,
        "contact_detail.removed",
        before={"contact_detail": before},
        after={"contact_detail": None},
        summary=f"{detail.kind.label}: {detail.value}",
    )


def add_other_name(
    actor: User,
    representative: Representative,
    *,
    name: str,
    lang: str | None = None,
    note: str | None = None,
    expected_version: int | None = None,
) -> OtherName:
    _begin_change(actor, representative, expected_version)
    name, lang, note = _clean_other_name(name, lang, note)
    other = OtherName(name=name, lang=lang, note=note)
    representative.other_names.append(other)
    refresh_search_text(representative)
    records.touch_parent(
        actor,
        representative,
        "other_name.added",
        after=lambda: {"other_name": snapshot(other)},
        summary=name,
    )
    return other


def update_other_name(
    actor: User,
    other: OtherName,
    *,
    name: str,
    lang: str | None = None,
    note: str | None = None,
    expected_version: int | None = None,
) -> bool:
    """Change another name of a person; returns whether anything changed."""
    representative = other.representative
    _begin_change(actor, representative, expected_version)
    name, lang, note = _clean_other_name(name, lang, note)
    before = snapshot(other)
    other.name, other.lang, other.note = name, lang, note
    if snapshot(other) == before:
        return False
    refresh_search_text(representative)
    records.touch_parent(
        actor,
        representative,
        "other_name.updated",
        before={"other_name": before},
        after=lambda: {"other_name": snapshot(other)},
        summary=name,
    )
    return True


def remove_other_name(
    actor: User, other: OtherName, *, expected_version: int | None = None
) -> None:
    """Delete another name of a person; the audit entry keeps what it was."""
    representative = other.representative
    _begin_change(actor, representative, expected_version)
    before = snapshot(other)
    representative.other_names.remove(other)
    refresh_search_text(representative)
    records.touch_parent(
        actor,
        representative,
        "other_name.removed",
        before={"other_name": before},
        after={"other_name": None},
        summary=other.name,
    )


# --- Seats in parliament and on committees --------------------------------------------------


def add_membership(
    actor: User,
    representative: Representative,
    seat: NewSeat,
    *,
    expected_version: int | None = None,
) -> Membership:
    """Add a seat (after an election, say). Seats in one chamber may not overlap."""
    _begin_change(actor, representative, expected_version)
    _check_seat(representative.state_id, seat.chamber, seat.party, seat.start_date)
    for held in representative.memberships:
        if held.chamber_id == seat.chamber.id and (
            held.end_date is None or held.end_date >= seat.start_date
        ):
            raise ValidationFailed(
                f"They already hold a seat in {seat.chamber.name} on that date "
                f"({_period(held.start_date, held.end_date)}). End that seat first, or use "
                "“Move party” for a change of party.",
                field="start_date",
            )
    membership = _new_membership(seat)
    representative.memberships.append(membership)
    records.touch_parent(
        actor,
        representative,
        "membership.added",
        after=lambda: {"membership": snapshot(membership)},
        summary=f"Seat in {seat.chamber.name} from {seat.start_date:%d %b %Y}",
    )
    inputs_changed(representative.state_id)
    return membership


def _check_end(start: date | None, current_end: date | None, end_date: date) -> None:
    if current_end is not None:
        raise ValidationFailed(f"This seat already ended on {current_end:%d %b %Y}.")
    if start is not None and end_date < start:
        raise ValidationFailed(
            f"The end date cannot be before the seat began ({start:%d %b %Y}).", field="end_date"
        )
    _check_date(end_date, "end_date")


def end_membership(
    actor: User, membership: Membership, *, end_date: date, expected_version: int | None = None
) -> None:
    """End a seat; the representative keeps it in their history."""
    representative = membership.representative
    _begin_change(actor, representative, expected_version)
    _check_end(membership.start_date, membership.end_date, end_date)
    before = snapshot(membership)
    membership.end_date = end_date
    records.touch_parent(
        actor,
        representative,
        "membership.ended",
        before={"membership": before},
        after=lambda: {"membership": snapshot(membership)},
        summary=f"Seat in {membership.chamber.name} ended {end_date:%d %b %Y}",
    )
    inputs_changed(representative.state_id)


def move_party(
    actor: User,
    membership: Membership,
    *,
    party: Party | None,
    changed_on: date,
    expected_version: int | None = None,
) -> Membership:
    """A change of party: the seat ends the day before, and a new one opens on the day,
    in the same chamber and constituency, for the new party (None: independent)."""
    representative = membership.representative
    _begin_change(actor, representative, expected_version)
    if membership.end_date is not None:
        raise ValidationFailed("This seat has ended: add a new seat instead.", field="membership")
    if party is not None and party.state_id != representative.state_id:
        raise ValidationFailed(
            "Choose a party of this representative's state, or independent.", field="party"
        )
    if (party.id if party else None) == membership.party_id:
        raise ValidationFailed(
            "They already sit for that party." if party else "They already sit as independent.",
            field="party",
        )
    _check_date(changed_on, "changed_on")
    if membership.start_date is not None and changed_on <= membership.start_date:
        raise ValidationFailed(
            f"The change must come after the seat began ({membership.start_date:%d %b %Y}).",
            field="changed_on",
        )
    before = snapshot(membership)
    membership.end_date = changed_on - timedelta(days=1)
    moved = Membership(
        chamber=membership.chamber,
        party=party,
        constituency=membership.constituency,
        role=membership.role,
        legislative_period=membership.legislative_period,
        start_date=changed_on,
    )
    representative.memberships.append(moved)
    old_name = membership.party.name if membership.party else "independent"
    records.touch_parent(
        actor,
        representative,
        "membership.party_changed",
        before={"membership": before},
        after=lambda: {"membership": snapshot(membership), "new_membership": snapshot(moved)},
        summary=f"From {old_name} to {party.name if party else 'independent'} on "
        f"{changed_on:%d %b %Y}",
    )
    inputs_changed(representative.state_id)
    return moved


def add_committee_membership(
    actor: User,
    representative: Representative,
    *,
    committee: Committee,
    role: CommitteeRole,
    start_date: date,
    expected_version: int | None = None,
) -> CommitteeMembership:
    """Add a committee seat (member, chair, vice chair, rapporteur)."""
    _begin_change(actor, representative, expected_version)
    if committee.chamber.state_id != representative.state_id:
        raise ValidationFailed(
            "Choose a committee of a chamber of this representative's state.", field="committee"
        )
    role = CommitteeRole(role)
    _check_date(start_date, "start_date")
    for held in representative.committee_memberships:
        if held.committee_id == committee.id and (
            held.end_date is None or held.end_date >= start_date
        ):
            raise ValidationFailed(
                f"They already sit on {committee.name} on that date "
                f"({_period(held.start_date, held.end_date)}): end that seat first.",
                field="start_date",
            )
    seat = CommitteeMembership(committee=committee, role=role, start_date=start_date)
    representative.committee_memberships.append(seat)
    records.touch_parent(
        actor,
        representative,
        "committee_membership.added",
        after=lambda: {"committee_membership": snapshot(seat)},
        summary=f"{role.label} of {committee.name} from {start_date:%d %b %Y}",
    )
    return seat


def end_committee_membership(
    actor: User,
    seat: CommitteeMembership,
    *,
    end_date: date,
    expected_version: int | None = None,
) -> None:
    representative = seat.representative
    _begin_change(actor, representative, expected_version)
    _check_end(seat.start_date, seat.end_date, end_date)
    before = snapshot(seat)
    seat.end_date = end_date
    records.touch_parent(
        actor,
        representative,
        "committee_membership.ended",
        before={"committee_membership": before},
        after=lambda: {"committee_membership": snapshot(seat)},
        summary=f"{seat.role.label} of {seat.committee.name} ended {end_date:%d %b %Y}",
    )


# --- Archiving ---------------------------------------------------------------------------


def archive_representative(
    actor: User, representative: Representative, *, expected_version: int | None = None
) -> None:
    """Archive a representative: gone from lists and searches, kept for an admin to restore."""
    require(actor, Action.ARCHIVE, representative)
    records.archive(
        actor, representative, action="representative.archived", expected_version=expected_version
    )
    inputs_changed(representative.state_id)  # their seat no longer counts


def restore_representative(actor: User, representative: Representative) -> None:
    require(actor, Action.RESTORE, representative)
    records.restore(actor, representative, action="representative.restored")
    inputs_changed(representative.state_id)


def archive_stance_record(actor: User, entry: StanceRecord) -> None:
    """Archive a stance recorded in error; the current stance is derived again without it."""
    require(actor, Action.ARCHIVE, entry)
    records.archive(actor, entry, action="stance.archived")
    refresh_current_stances([entry.representative_id])
    db.session.flush()


def restore_stance_record(actor: User, entry: StanceRecord) -> None:
    require(actor, Action.RESTORE, entry)
    records.restore(actor, entry, action="stance.restored")
    refresh_current_stances([entry.representative_id])
    db.session.flush()
