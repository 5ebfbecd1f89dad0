"""The preview of a merge (crm.parliament.services.merge): what would move to the kept
record, what would be dropped because the kept record already holds it, and which profile
fields differ and need a choice. It reads and writes nothing; a reader who may not read a
restricted contact is not told it exists (the counts leave it out).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm import aliased

from crm.events.models import Invitation
from crm.extensions import db
from crm.i18n import marked
from crm.interactions.models import FollowUp, Interaction, interaction_representatives
from crm.interactions.visibility import follow_ups_linked_to_people, linked_to_people
from crm.parliament.models import (
    CommitteeMembership,
    ContactDetail,
    Identifier,
    Membership,
    OtherName,
    Representative,
    StanceRecord,
)
from crm.votes.models import Vote

# What moves, in the order the preview lists it: kind → what a person calls it (marked for
# the catalogs, said with `gettext` where it is shown).
KINDS: dict[str, str] = {
    "seats": marked("Seats in a chamber"),
    "committee_seats": marked("Committee seats"),
    "stances": marked("Stance records"),
    "contacts": marked("Contacts"),
    "follow_ups": marked("Follow-ups"),
    "invitations": marked("Invitations to events"),
    "votes": marked("Votes"),
    "identifiers": marked("Identifiers"),
    "other_names": marked("Other names"),
    "contact_details": marked("Contact details"),
}

KEPT, OTHER, BOTH = "kept", "other", "both"


@dataclass(frozen=True)
class FieldChoice:
    """A profile field (or pair of fields) on which the two records differ."""

    name: str
    label: str  # in the reader's language
    fields: tuple[str, ...]
    kept: str
    other: str
    # Lists and notes may keep both values.
    may_keep_both: bool = False
    default: str = KEPT


# The profile fields a merge chooses between; "do not contact" goes with its reason. The
# labels are marked for the catalogs and said in the reader's language by `field_choices`.
_CHOICES: tuple[tuple[str, str, tuple[str, ...], bool], ...] = (
    ("name", marked("Full name"), ("name",), False),
    ("given_name", marked("Given name"), ("given_name",), False),
    ("family_name", marked("Family name"), ("family_name",), False),
    ("sort_name", marked("Sort as"), ("sort_name",), False),
    ("gender", marked("Gender"), ("gender",), False),
    ("languages", marked("Languages"), ("languages",), True),
    ("influence", marked("Influence"), ("influence",), False),
    ("tags", marked("Tags"), ("tags",), True),
    ("notes", marked("Notes"), ("notes",), True),
    (
        "do_not_contact",
        marked("Do not contact"),
        ("do_not_contact", "do_not_contact_reason"),
        False,
    ),
)


def _shown(rep: Representative, fields: tuple[str, ...]) -> str:
    if fields == ("do_not_contact", "do_not_contact_reason"):
        if not rep.do_not_contact:
            return str(_("No"))
        return str(_("Yes: %(reason)s", reason=rep.do_not_contact_reason or "")).strip()
    value = getattr(rep, fields[0])
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    return "—" if value in (None, "") else str(value)


def field_choices(kept: Representative, other: Representative) -> list[FieldChoice]:
    """The profile fields on which the two records differ, each with the value proposed."""
    found = []
    for name, label, fields, both in _CHOICES:
        if all(getattr(kept, f) == getattr(other, f) for f in fields):
            continue
        # A "do not contact" flag is someone's wish, or their safety: proposed kept.
        default = OTHER if name == "do_not_contact" and other.do_not_contact else KEPT
        found.append(
            FieldChoice(
                name, _(label), fields, _shown(kept, fields), _shown(other, fields), both, default
            )
        )
    return found


@dataclass
class MergePlan:
    """What a merge of `other` into `kept` moves and drops: row ids by kind (KINDS)."""

    kept: Representative
    other: Representative
    moves: dict[str, list[int]] = field(default_factory=dict)
    dropped: dict[str, list[int]] = field(default_factory=dict)
    # Sentences for the preview: what is dropped and why, what is kept twice.
    notes: list[str] = field(default_factory=list)
    choices: list[FieldChoice] = field(default_factory=list)
    # How many rows of each kind the reader may see move (restricted contacts they may not
    # read are linked to no person, so they are not counted: SPEC §2).
    shown: dict[str, int] = field(default_factory=dict)


def _ids(stmt: sa.Select[Any]) -> list[int]:
    return sorted(db.session.scalars(stmt))


def plan_merge(kept: Representative, other: Representative, *, reader: Any) -> MergePlan:
    """What merging `other` into `kept` would do, as `reader` may see it (a fixed number
    of queries). Checks nothing: `merge_representatives` does."""
    plan = MergePlan(kept, other, choices=field_choices(kept, other))
    moves, dropped = plan.moves, plan.dropped

    # A seat of the other's that overlaps one of the kept record's in the same chamber (or
    # committee) is that seat recorded twice: moved, the person would hold two seats.
    seats: tuple[tuple[str, Any, str], ...] = (
        ("seats", Membership, "chamber_id"),
        ("committee_seats", CommitteeMembership, "committee_id"),
    )
    for kind, model, body in seats:
        mine: Any = aliased(model)
        overlapping = sa.exists().where(
            mine.representative_id == kept.id,
            getattr(mine, body) == getattr(model, body),
            sa.or_(
                mine.start_date.is_(None),
                model.end_date.is_(None),
                mine.start_date <= model.end_date,
            ),
            sa.or_(
                mine.end_date.is_(None),
                model.start_date.is_(None),
                model.start_date <= mine.end_date,
            ),
        )
        of_other = sa.select(model.id).where(model.representative_id == other.id)
        moves[kind] = _ids(of_other.where(~overlapping))
        dropped[kind] = _ids(of_other.where(overlapping))
    moves["stances"] = _ids(
        sa.select(StanceRecord.id).where(StanceRecord.representative_id == other.id)
    )

    link, kept_link = interaction_representatives, interaction_representatives.alias()
    kept_too = sa.exists().where(
        kept_link.c.interaction_id == Interaction.id, kept_link.c.representative_id == kept.id
    )
    of_other = sa.select(Interaction.id).join(link, link.c.interaction_id == Interaction.id)
    of_other = of_other.where(link.c.representative_id == other.id)
    moves["contacts"] = _ids(of_other.where(~kept_too))
    dropped["contacts"] = _ids(of_other.where(kept_too))
    moves["follow_ups"] = _ids(sa.select(FollowUp.id).where(FollowUp.representative_id == other.id))

    invited = sa.select(Invitation.event_id).where(Invitation.representative_id == kept.id)
    others_invitations = sa.select(Invitation.id).where(Invitation.representative_id == other.id)
    moves["invitations"] = _ids(others_invitations.where(Invitation.event_id.not_in(invited)))
    dropped["invitations"] = _ids(others_invitations.where(Invitation.event_id.in_(invited)))

    voted = sa.select(Vote.vote_event_id).where(Vote.representative_id == kept.id)
    others_votes = sa.select(Vote.id).where(Vote.representative_id == other.id)
    moves["votes"] = _ids(others_votes.where(Vote.vote_event_id.not_in(voted)))
    dropped["votes"] = _ids(others_votes.where(Vote.vote_event_id.in_(voted)))

    identifiers = children_of(other, Identifier)
    moves["identifiers"] = [i.id for i in identifiers]
    kept_schemes = {i.scheme for i in children_of(kept, Identifier)}
    twice = sorted({i.scheme for i in identifiers} & kept_schemes)

    def name_key(n: OtherName) -> tuple[Any, ...]:
        return (n.name.casefold(), n.lang)

    def contact_key(c: ContactDetail) -> tuple[Any, ...]:
        return (c.kind, c.value.casefold())

    same_rows: tuple[tuple[str, Any, Callable[[Any], tuple[Any, ...]]], ...] = (
        ("other_names", OtherName, name_key),
        ("contact_details", ContactDetail, contact_key),
    )
    for kind, model, key in same_rows:
        same = {key(r) for r in children_of(kept, model)}
        rows = children_of(other, model)
        moves[kind] = sorted(r.id for r in rows if key(r) not in same)
        dropped[kind] = sorted(r.id for r in rows if key(r) in same)

    plan.shown = {kind: len(ids) for kind, ids in moves.items()}
    plan.shown["contacts"] = _visible_count(moves["contacts"], reader)
    plan.shown["follow_ups"] = (
        db.session.scalar(
            sa.select(sa.func.count(FollowUp.id)).where(
                FollowUp.id.in_(moves["follow_ups"]), follow_ups_linked_to_people(reader)
            )
        )
        or 0
    )
    _explain(plan, twice, reader)
    return plan


def children_of(rep: Representative, model: Any) -> list[Any]:
    return list(db.session.scalars(sa.select(model).where(model.representative_id == rep.id)))


def _visible_count(interaction_ids: list[int], reader: Any) -> int:
    if not interaction_ids:
        return 0
    return (
        db.session.scalar(
            sa.select(sa.func.count(Interaction.id)).where(
                Interaction.id.in_(interaction_ids), linked_to_people(reader)
            )
        )
        or 0
    )


def _explain(plan: MergePlan, schemes_twice: list[str], reader: Any) -> None:
    kept, other, dropped = plan.kept.name, plan.other.name, plan.dropped
    # The English says "(s)" whatever the number; other languages choose their plural form.
    if dropped["seats"] or dropped["committee_seats"]:
        seats = ngettext("%(num)d seat(s)", "%(num)d seat(s)", len(dropped["seats"]))
        committee_seats = ngettext(
            "%(num)d committee seat(s)",
            "%(num)d committee seat(s)",
            len(dropped["committee_seats"]),
        )
        plan.notes.append(
            _(
                "%(seats)s and %(committee_seats)s of %(other)s overlap %(kept)s's in the same "
                "chamber or committee: the same seat recorded twice, so %(kept)s's is kept and "
                "%(other)s's removed.",
                seats=seats,
                committee_seats=committee_seats,
                other=other,
                kept=kept,
            )
        )
    if dropped["invitations"]:
        plan.notes.append(
            ngettext(
                "Both were invited to %(num)d event(s): %(kept)s's invitation and answer are "
                "kept, %(other)s's is removed.",
                "Both were invited to %(num)d event(s): %(kept)s's invitation and answer are "
                "kept, %(other)s's is removed.",
                len(dropped["invitations"]),
                kept=kept,
                other=other,
            )
        )
    if dropped["votes"]:
        plan.notes.append(
            ngettext(
                "Both have a vote recorded in %(num)d vote(s): %(kept)s's vote is kept, "
                "%(other)s's is removed (a member votes once).",
                "Both have a vote recorded in %(num)d vote(s): %(kept)s's vote is kept, "
                "%(other)s's is removed (a member votes once).",
                len(dropped["votes"]),
                kept=kept,
                other=other,
            )
        )
    shown_contacts = _visible_count(dropped["contacts"], reader)
    if shown_contacts:
        plan.notes.append(
            ngettext(
                "%(num)d contact(s) name both: they keep naming %(kept)s, once.",
                "%(num)d contact(s) name both: they keep naming %(kept)s, once.",
                shown_contacts,
                kept=kept,
            )
        )
    if dropped["other_names"] or dropped["contact_details"]:
        other_names = ngettext(
            "%(num)d other name(s)", "%(num)d other name(s)", len(dropped["other_names"])
        )
        contact_details = ngettext(
            "%(num)d contact detail(s)",
            "%(num)d contact detail(s)",
            len(dropped["contact_details"]),
        )
        plan.notes.append(
            _(
                "%(other_names)s and %(contact_details)s of %(other)s are already on %(kept)s's "
                "record: not copied twice.",
                other_names=other_names,
                contact_details=contact_details,
                other=other,
                kept=kept,
            )
        )
    for scheme in schemes_twice:
        plan.notes.append(
            _(
                "Both have an identifier of the scheme “%(scheme)s”: both are kept, so that an "
                "import holding either finds this person instead of adding them again.",
                scheme=scheme,
            )
        )
