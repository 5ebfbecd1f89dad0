"""Merging two records of one person.

A merge keeps one record and empties the other into it, in one transaction: every row that
points at the merged-away record (seats, committee seats, stance records, contacts,
follow-ups, invitations, votes, identifiers, other names, contact details) moves to the
kept one. Where the kept record already holds the same thing, the other's row is dropped
rather than moved, and the preview says so first:

- an invitation to an event the kept record is invited to (one guest per event);
- a vote in a vote event the kept record voted in (one vote per member; a stance record
  that cited the dropped vote cites the kept one);
- a contact that already names the kept record (the link is removed, the contact stays);
- a contact detail or other name the kept record already has, word for word.

Identifiers are all kept, two of one scheme included: they differ in value (the pair is
unique), and an import of a file holding either must find this person rather than add
them again.

For each profile field where the two differ, the person merging chooses which value to
keep (or, for lists and notes, both). The merged-away name becomes an other name of the
kept record; the kept record's current stance and search columns are recomputed. The
merged-away record is archived and names the kept one (`merged_into_id`), so its page
leads there, and archived records weigh nothing in the forecast.

Only those `Action.MERGE` allows may merge (coordinators and admins), both records must
be of one state and live, and the versions the preview was opened on must still be
current: a change since is a conflict and nothing is written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import aliased
from sqlalchemy.orm.exc import StaleDataError

from crm import records
from crm.audit.services import diff, record, snapshot
from crm.auth.permissions import Action, require
from crm.db import utcnow
from crm.errors import ValidationFailed
from crm.events.models import Invitation
from crm.extensions import db
from crm.interactions.models import FollowUp, Interaction, interaction_representatives
from crm.parliament.models import (
    CommitteeMembership,
    ContactDetail,
    Identifier,
    Membership,
    OtherName,
    Representative,
    StanceRecord,
)
from crm.parliament.services.rules import refresh_search_text
from crm.parliament.services.stances import refresh_current_stances
from crm.risk.changes import inputs_changed
from crm.votes.models import Vote

if TYPE_CHECKING:
    from crm.auth.models import User

from crm.parliament.services.merge_plan import (
    BOTH,
    KEPT,
    OTHER,
    MergePlan,
    children_of,
    field_choices,
    plan_merge,
)

# Every column that points at representatives.id, and what a merge does with it. A test
# fails when a new one appears that is not here: a merge that forgot it would leave rows
# behind on an archived record (or fail on its RESTRICT).
HANDLED: dict[tuple[str, str], str] = {
    ("memberships", "representative_id"): "moved",
    ("committee_memberships", "representative_id"): "moved",
    ("stance_records", "representative_id"): "moved",
    ("interaction_representatives", "representative_id"): "moved, or dropped if both named",
    ("follow_ups", "representative_id"): "moved",
    ("invitations", "representative_id"): "moved, or dropped if both invited",
    ("votes", "representative_id"): "moved, or dropped if both voted",
    ("identifiers", "representative_id"): "moved",
    ("other_names", "representative_id"): "moved, or dropped if the same",
    ("contact_details", "representative_id"): "moved, or dropped if the same",
    ("representatives", "merged_into_id"): "set on the merged-away record",
}


def _check(actor: User, kept: Representative, other: Representative) -> None:
    require(actor, Action.MERGE, kept)
    require(actor, Action.MERGE, other)
    if kept.id == other.id:
        raise ValidationFailed(_("Choose another record: a record cannot be merged with itself."))
    if kept.state_id != other.state_id:
        raise ValidationFailed(_("Only records of one state can be merged."))
    for rep in (kept, other):
        if rep.merged_into_id is not None:
            raise ValidationFailed(
                _("%(name)s was already merged into another record.", name=rep.name)
            )
        if rep.archived_at is not None:
            raise ValidationFailed(
                _(
                    "%(name)s is archived: an administrator must restore the record before it "
                    "can be merged.",
                    name=rep.name,
                )
            )


def check_mergeable(actor: User, kept: Representative, other: Representative) -> None:
    """Refuse (PermissionDenied, ValidationFailed) a merge that may not be made at all."""
    _check(actor, kept, other)


def _values(
    kept: Representative, other: Representative, choices: dict[str, str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The profile values the kept record takes, and the choice made for each field."""
    changes: dict[str, Any] = {}
    made: dict[str, str] = {}
    for choice in field_choices(kept, other):
        picked = choices.get(choice.name)
        allowed = (KEPT, OTHER, BOTH) if choice.may_keep_both else (KEPT, OTHER)
        if picked not in allowed:
            raise ValidationFailed(
                _("Choose which %(field)s to keep.", field=choice.label.lower()),
                field=f"choice_{choice.name}",
            )
        made[choice.name] = str(picked)
        if picked == OTHER:
            changes.update({f: getattr(other, f) for f in choice.fields})
        elif picked == BOTH:
            (name,) = choice.fields
            a, b = getattr(kept, name), getattr(other, name)
            if isinstance(a, list):
                changes[name] = list(dict.fromkeys([*a, *b]))
            else:
                changes[name] = "\n\n".join(v for v in (a, b) if v)
    return changes, made


def merge_representatives(
    actor: User,
    kept: Representative,
    other: Representative,
    *,
    choices: dict[str, str],
    kept_version: int | None,
    other_version: int | None,
) -> MergePlan:
    """Merge `other` into `kept` (see the module's docstring); returns what was done.

    `choices` maps each differing field (`field_choices`) to "kept", "other" or "both";
    the versions are those the preview showed. All or nothing: any refusal leaves the
    caller's transaction to be rolled back with nothing flushed."""
    _check(actor, kept, other)
    if kept_version is None or other_version is None:
        raise ValidationFailed(
            _("Open the preview again: it did not say which versions it showed.")
        )
    records.check_version(kept, kept_version)
    records.check_version(other, other_version)
    changes, made = _values(kept, other, choices)
    plan = plan_merge(kept, other, reader=actor)
    kept_before, other_before = snapshot(kept), snapshot(other)

    _move_rows(plan)
    names_added = _names_to_keep(kept, other, changes.get("name", kept.name))
    for name, value in records.clean(Representative, changes).items():
        setattr(kept, name, value)
    kept.updated_at = utcnow()
    other.archived_at = utcnow()
    other.merged_into_id = kept.id
    # The folded names go into the same UPDATE as the new names.
    refresh_search_text(other)
    refresh_search_text(kept)
    try:
        db.session.flush()
    except StaleDataError:
        # Someone saved one of the two between our read and our write (PostgreSQL).
        db.session.rollback()
        raise records.conflict(kept, kept_version) from None
    refresh_current_stances([kept.id, other.id])
    moved = {kind: ids for kind, ids in plan.moves.items() if ids}
    dropped = {kind: ids for kind, ids in plan.dropped.items() if ids}
    before, after = diff(kept_before, snapshot(kept))
    for derived in ("search_text", "name_keys", "stance", "stance_on", "stance_restricted"):
        before.pop(derived, None)
        after.pop(derived, None)
    record(
        actor,
        "representative.merged",
        kept,
        before=before or None,
        after={
            **after,
            "version": kept.version,
            "merged_from": other.id,
            "moved": moved,
            "dropped": dropped,
            "other_names_added": names_added,
            "choices": made,
        },
        summary=f"Merged {other.name} (#{other.id}) into {kept.name}",
    )
    gone_before, gone_after = diff(other_before, snapshot(other))
    keep_columns = ("archived_at", "merged_into_id")
    record(
        actor,
        "representative.merged_away",
        other,
        before={k: gone_before.get(k) for k in keep_columns},
        after={
            **{k: gone_after.get(k) for k in keep_columns},
            "version": other.version,
            "moved": moved,
            "dropped": dropped,
        },
        summary=f"Merged into {kept.name} (#{kept.id})",
    )
    inputs_changed(kept.state_id)
    return plan


def _move_rows(plan: MergePlan) -> None:
    kept, other = plan.kept, plan.other
    moves, dropped = plan.moves, plan.dropped
    # The person's own rows move through the ORM, so the kept record's collections (and
    # the versions of seats) follow.
    own_rows: tuple[tuple[Any, str], ...] = (
        (Membership, "seats"),
        (CommitteeMembership, "committee_seats"),
        (Identifier, "identifiers"),
        (OtherName, "other_names"),
        (ContactDetail, "contact_details"),
    )
    for model, kind in own_rows:
        for row in children_of(other, model):
            if row.id in moves[kind]:
                row.representative = kept
            else:
                db.session.delete(row)
    db.session.flush()

    # A stance record that cited a dropped vote cites the kept record's vote instead.
    if dropped["votes"]:
        dropped_vote, kept_vote = aliased(Vote), aliased(Vote)
        pairs = db.session.execute(
            sa.select(dropped_vote.id, kept_vote.id)
            .join(kept_vote, kept_vote.vote_event_id == dropped_vote.vote_event_id)
            .where(dropped_vote.id.in_(dropped["votes"]), kept_vote.representative_id == kept.id)
        ).all()
        for dropped_id, kept_id in pairs:
            db.session.execute(
                sa.update(StanceRecord)
                .where(StanceRecord.vote_id == dropped_id)
                .values(vote_id=kept_id),
                execution_options={"synchronize_session": False},
            )
        db.session.execute(sa.delete(Vote).where(Vote.id.in_(dropped["votes"])))
    if dropped["invitations"]:
        db.session.execute(sa.delete(Invitation).where(Invitation.id.in_(dropped["invitations"])))
    link = interaction_representatives
    if dropped["contacts"]:
        db.session.execute(
            sa.delete(link).where(
                link.c.representative_id == other.id, link.c.interaction_id.in_(dropped["contacts"])
            )
        )
    db.session.execute(
        sa.update(link)
        .where(link.c.representative_id == other.id)
        .values(representative_id=kept.id)
    )
    by_sql: tuple[tuple[Any, str], ...] = (
        (StanceRecord, "stances"),
        (FollowUp, "follow_ups"),
        (Vote, "votes"),
    )
    for model, kind in by_sql:
        if moves[kind]:
            db.session.execute(
                sa.update(model).where(model.id.in_(moves[kind])).values(representative_id=kept.id),
                execution_options={"synchronize_session": False},
            )
    if moves["invitations"]:
        # An invitation's version moves on, so a form opened on it before sees a conflict.
        db.session.execute(
            sa.update(Invitation)
            .where(Invitation.id.in_(moves["invitations"]))
            .values(representative_id=kept.id, version=Invitation.version + 1),
            execution_options={"synchronize_session": False},
        )
    # What the session holds of the rows just moved in SQL is read again when next used.
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, StanceRecord | FollowUp | Vote | Invitation | Interaction):
            db.session.expire(obj)


def _names_to_keep(kept: Representative, other: Representative, final_name: str) -> list[str]:
    """Each of the two names that is not the name kept becomes an other name of the kept
    record (search still finds the person by it); returns those added."""
    present = {n.name.casefold() for n in kept.other_names}
    added = []
    for name in dict.fromkeys([kept.name, other.name]):
        if (
            name.strip().casefold() != final_name.strip().casefold()
            and name.casefold() not in present
        ):
            kept.other_names.append(OtherName(name=name, note="Merged record"))
            present.add(name.casefold())
            added.append(name)
    return added
