"""Public events and the representatives invited to them."""

from __future__ import annotations

from typing import Any

from flask import g

from crm.api import present
from crm.api import schemas as s
from crm.api.auth import api_user
from crm.api.views.common import (
    ID,
    body_field_names,
    get,
    listing,
    named_record,
    optional_state,
    paginate,
    patch,
    post,
    shown,
    state_field,
)
from crm.auth.models import Section
from crm.auth.permissions import Action, require
from crm.db import utcnow
from crm.errors import ValidationFailed
from crm.events import queries as event_queries
from crm.events import services as event_services
from crm.events.models import Event, EventStatus, Invitation
from crm.states.models import Stage

# --- Events --------------------------------------------------------------------------------------


@listing("/events", s.EventArgs, s.EventOut, "EventPage")
def events(**args: Any):
    """Events: upcoming soonest first (by default), past or all newest first."""
    filters = event_queries.EventFilters(
        state=optional_state(args),
        kind=args.get("kind"),
        status=args.get("status"),
        when=args["when"],
    )
    stmt = event_queries.events_select(filters, utcnow())
    return present.page(paginate(stmt, args), present.event)


def _event(event_id: int):
    return shown(event_queries.get_event(event_id), "No such event.")


@get(f"/events/<{ID}:event_id>", s.EventOut, 404)
def event(event_id: int):
    """One event."""
    return present.event(_event(event_id))


@post("/events", s.EventIn, s.EventOut, 403)
def create_event(**body: Any):
    """Plan an event; times are RFC 3339 with their offset."""
    target = state_field(body.pop("state"))
    require(api_user(), Action.CREATE, Event, state=target)  # before looking at the rest
    with body_field_names():
        # The service checks that they belong to the state (after the permission check).
        body["section"] = named_record(Section, body.pop("section_id"), field="section_id")
        body["stage"] = named_record(Stage, body.pop("stage_id"), field="stage_id")
        created = event_services.create_event(api_user(), target, body)
        created_id = created.id
    return present.event(_event(created_id))


@patch(f"/events/<{ID}:event_id>", s.EventPatch, s.EventOut, 403, 404, 409)
def update_event(event_id: int, version: int, **values: Any):
    """Edit an event: only the fields sent change. Cancelling (status `cancelled`) is a
    change of its own. A version older than the event's is a conflict (409)."""
    found = _event(event_id)
    actor = api_user()
    require(actor, Action.EDIT, found)  # before looking at the rest
    with body_field_names():
        if values.get("status") is EventStatus.CANCELLED:
            if len(values) > 1:
                raise ValidationFailed(
                    "Cancel an event on its own, without other changes.", field="status"
                )
            event_services.cancel_event(actor, found, expected_version=version)
        else:
            if "section_id" in values:
                values["section"] = named_record(
                    Section, values.pop("section_id"), field="section_id"
                )
            if "stage_id" in values:
                values["stage"] = named_record(Stage, values.pop("stage_id"), field="stage_id")
            event_services.update_event(actor, found, values, expected_version=version)
    return present.event(_event(event_id))


# --- Invitations ---------------------------------------------------------------------------------


@post(f"/events/<{ID}:event_id>/invitations", s.InvitationsIn, s.InvitationList, 403, 404)
def create_invitations(event_id: int, representative_ids: list[int], do_not_contact_override: Any):
    """Invite current members of the event's state's parliament (those invited already are
    refused). Someone who asked not to be contacted needs `do_not_contact_override` with a
    reason."""
    found = _event(event_id)
    actor = api_user()
    require(actor, Action.CREATE, Invitation, state=found.state)  # before looking at the rest
    with body_field_names(representative="representative_ids"):
        invited = event_services.invite(
            actor,
            found,
            representative_ids,
            on=g.today,
            do_not_contact_reason=do_not_contact_override["reason"]
            if do_not_contact_override
            else None,
        )
    return present.items(present.invitation(i) for i in invited)
