"""Contacts (interactions) and follow-ups."""

from __future__ import annotations

from typing import Any

from flask import g

from crm.api import present, queries
from crm.api import schemas as s
from crm.api.auth import api_user
from crm.api.views.common import (
    ID,
    body_field_names,
    get,
    listing,
    optional_state,
    paginate,
    patch,
    post,
    shown,
    state_field,
)
from crm.auth.permissions import Action, require, restricted_readable_states
from crm.errors import NotFound
from crm.interactions import queries as interaction_queries
from crm.interactions import services as interaction_services
from crm.interactions.models import Interaction
from crm.interactions.queries import InteractionFilters

# --- Interactions and follow-ups ----------------------------------------------------------------


@listing("/interactions", s.InteractionArgs, s.InteractionOut, "InteractionPage")
def interactions(**args: Any):
    """Contacts, newest first. A restricted contact the reader may not see shows only its
    state and day."""
    filters = InteractionFilters(
        kind=args.get("kind"),
        representative_id=args.get("representative"),
        restricted_readable=restricted_readable_states(api_user()),
    )
    stmt = queries.interactions_select_all(optional_state(args), filters)
    reader = api_user()
    return present.page(paginate(stmt, args), lambda i: present.interaction(reader, i))


def _interaction(interaction_id: int) -> Interaction:
    found = shown(interaction_queries.get_interaction(interaction_id), "No such contact.")
    require(api_user(), Action.VIEW, found)
    return found


@get(f"/interactions/<{ID}:interaction_id>", s.InteractionOut, 403, 404)
def interaction(interaction_id: int):
    """One contact. A restricted one is refused to those who may not read it."""
    return present.interaction(api_user(), _interaction(interaction_id))


@post("/interactions", s.InteractionIn, s.InteractionOut, 403)
def create_interaction(**body: Any):
    """Log a contact with the stances seen and follow-ups agreed, all or nothing. Someone
    met who asked not to be contacted needs `do_not_contact_override` with a reason."""
    target = state_field(body.pop("state"))
    stances = [interaction_services.StanceSeen(**seen) for seen in body.pop("stances")]
    drafts = [interaction_services.FollowUpDraft(**d) for d in body.pop("follow_ups")]
    override = body.pop("do_not_contact_override")
    with body_field_names():
        created = interaction_services.record_interaction(
            api_user(),
            target,
            stances=stances,
            follow_ups=drafts,
            do_not_contact_reason=override["reason"] if override else None,
            **body,
        )
        created_id = created.id
    return present.interaction(api_user(), _interaction(created_id))


@patch(f"/interactions/<{ID}:interaction_id>", s.InteractionPatch, s.InteractionOut, 403, 404, 409)
def update_interaction(interaction_id: int, version: int, **changes: Any):
    """Edit a contact: only the fields sent change. People met and participants, when sent,
    replace the lists; adding someone who asked not to be contacted needs
    `do_not_contact_override` with a reason. A version older than the contact's is a
    conflict (409)."""
    found = _interaction(interaction_id)
    representative_ids = changes.pop("representative_ids", None)
    participant_ids = changes.pop("participant_ids", None)
    override = changes.pop("do_not_contact_override", None)
    with body_field_names():
        interaction_services.update_interaction(
            api_user(),
            found,
            changes,
            representative_ids=(
                [r.id for r in found.representatives]
                if representative_ids is None
                else representative_ids
            ),
            participant_ids=(
                [u.id for u in found.participants] if participant_ids is None else participant_ids
            ),
            expected_version=version,
            do_not_contact_reason=override["reason"] if override else None,
        )
    return present.interaction(api_user(), _interaction(interaction_id))


@listing("/follow-ups", s.FollowUpArgs, s.FollowUpOut, "FollowUpPage")
def follow_ups(**args: Any):
    """Follow-ups of one status (open by default: overdue first, then by due date)."""
    reader = api_user()
    stmt = interaction_queries.follow_ups_select(
        optional_state(args), args["status"], reader if args["mine"] else None, g.today
    )
    return present.page(paginate(stmt, args), lambda f: present.follow_up(reader, f, g.today))


def _follow_up(follow_up_id: int):
    found = interaction_queries.get_follow_up(follow_up_id)
    if found is None or found.archived_at is not None:
        raise NotFound("No such follow-up.")
    return found


@get(f"/follow-ups/<{ID}:follow_up_id>", s.FollowUpOut, 404)
def follow_up(follow_up_id: int):
    """One follow-up."""
    return present.follow_up(api_user(), _follow_up(follow_up_id), g.today)


@post("/follow-ups", s.FollowUpIn, s.FollowUpOut, 403)
def create_follow_up(**body: Any):
    """Add a follow-up about a state or one of its representatives."""
    target = state_field(body.pop("state"))
    with body_field_names():
        created = interaction_services.create_follow_up(api_user(), target, **body)
        created_id = created.id
    return present.follow_up(api_user(), _follow_up(created_id), g.today)


@patch(f"/follow-ups/<{ID}:follow_up_id>", s.FollowUpStatusIn, s.FollowUpOut, 403, 404)
def set_follow_up_status(follow_up_id: int, status):
    """Mark a follow-up done or cancelled, or reopen it."""
    found = _follow_up(follow_up_id)
    with body_field_names():
        interaction_services.set_follow_up_status(api_user(), found, status)
    return present.follow_up(api_user(), _follow_up(follow_up_id), g.today)
