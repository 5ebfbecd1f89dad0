"""The JSON API under /api/v1.

Every request carries a bearer token (crm.api.auth). Reads and writes ask the same
permission module as the pages, and writes go through the same services, in one
transaction each: an error rolls everything back and answers with a problem document.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import current_app, g
from flask_smorest import Blueprint
from marshmallow import RAISE
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import BadRequest

from crm.api import PROBLEM_JSON, present, queries
from crm.api import schemas as s
from crm.api.auth import api_user, authenticate
from crm.auth.models import Section
from crm.auth.permissions import Action, Page, may, require, restricted_readable_states
from crm.db import utcnow
from crm.errors import DomainError, NotFound, ValidationFailed
from crm.events import queries as event_queries
from crm.events import services as event_services
from crm.events.models import Event, EventStatus
from crm.extensions import db
from crm.interactions import queries as interaction_queries
from crm.interactions import services as interaction_services
from crm.interactions.models import Interaction
from crm.interactions.queries import InteractionFilters
from crm.parliament import queries as parliament_queries
from crm.parliament import services as parliament_services
from crm.parliament.queries import RepresentativeFilters
from crm.risk import services as risk_services
from crm.risk.queries import risk_config
from crm.states.models import Stage, State
from crm.states.queries import active_campaign, agreement_for, get_state


class _Parser(FlaskParser):
    """webargs' parser, refusing with 400 the JSON that Python cannot read back (a number
    of thousands of digits, nesting deeper than the interpreter allows) instead of failing."""

    def _raw_load_json(self, req):
        try:
            return super()._raw_load_json(req)
        except json.JSONDecodeError:
            raise  # webargs answers these itself
        except (ValueError, RecursionError) as error:
            raise BadRequest("The JSON body holds a number too long or nesting too deep.") from (
                error
            )


class _Blueprint(Blueprint):
    ARGUMENTS_PARSER = _Parser()


bp = _Blueprint(
    "api",
    __name__,
    url_prefix="/api/v1",
    description="The campaign's data for other tools: the same records and rules as the pages.",
)
bp.before_request(authenticate)


@bp.after_request
def _no_shared_caches(response):
    # Answers depend on who asks and may hold restricted content.
    response.headers["Cache-Control"] = "private, no-store"
    response.vary.add("Authorization")
    return response


# Ids in paths: a number outside the database's 32-bit ids names no row, so routing answers
# 404 before any query runs.
ID = f"int(min=1, max={s.MAX_ID})"


def query(schema: type) -> Any:
    """Query-string arguments, passed as keywords; unknown parameters are refused (a typo in
    a filter must not silently return everything)."""
    return bp.arguments(schema, location="query", as_kwargs=True, unknown=RAISE)


def _documented(*statuses: int):
    """Document the problem documents an operation may answer with."""

    def decorate(view):
        for status in statuses:
            view = bp.alt_response(status, schema=s.Problem, content_type=PROBLEM_JSON)(view)
        return view

    return decorate


# The services name fields as the pages' forms do; the API's bodies name these by their ids.
BODY_FIELDS = {
    "representatives": "representative_ids",
    "participants": "participant_ids",
    "representative": "representative_id",
    "assignee": "assignee_id",
    "section": "section_id",
    "stage": "stage_id",
}


@contextmanager
def body_field_names() -> Iterator[None]:
    """A broken rule raised in the block names its field as the request's body does. (The
    request commits at its end and rolls back on any error: crm.web.App.)"""
    try:
        yield
    except DomainError as error:
        if error.field:
            error.field = BODY_FIELDS.get(error.field, error.field)
        raise


def _state(iso2: str) -> State:
    found = get_state(iso2) if len(iso2) == 2 else None
    if found is None:
        raise NotFound(f"No state {iso2.upper()!r}.")
    return found


def _state_field(iso2: str) -> State:
    """A state named in a request body: unknown is invalid input, not a missing page."""
    found = get_state(iso2)
    if found is None:
        raise ValidationFailed(f"No state {iso2.upper()!r}.", field="state")
    return found


def _record(model: type, record_id: int | None, *, field: str) -> Any:
    """A record named by id in a request body, or None when none is named."""
    if record_id is None:
        return None
    found = db.session.get(model, record_id)
    if found is None:
        raise ValidationFailed("No such record.", field=field)
    return found


def _optional_state(args: dict[str, Any]) -> State | None:
    return _state(args["state"]) if args.get("state") else None


def _stale_days() -> int:
    return int(current_app.config["STALE_STANCE_DAYS"])


def _paginate(stmt, args: dict[str, Any]):
    return db.paginate(stmt, page=args["page"], per_page=args["per_page"], error_out=False)


# --- Who am I, states, chambers, parties -------------------------------------------------------


@bp.get("/me")
@bp.response(200, s.MeOut)
@_documented(401)
def me():
    """The user the token belongs to, with their role and sections."""
    return present.me(api_user())


@bp.get("/states")
@bp.response(200, s.list_of(s.StateOut, "StateList"))
@_documented(401)
def states():
    """Every state of the campaign, with its agreement's status."""
    rows = queries.states_with_agreements(active_campaign())
    return present.items(present.state(st, agreement) for st, agreement in rows)


@bp.get("/states/<iso2>")
@bp.response(200, s.StateOut)
@_documented(401, 404)
def state(iso2: str):
    """One state."""
    found = _state(iso2)
    return present.state(found, agreement_for(found, active_campaign()))


@bp.get("/chambers")
@query(s.StateFilter)
@bp.response(200, s.list_of(s.ChamberOut, "ChamberList"))
@_documented(401, 404)
def chambers(**args: Any):
    """Chambers (with their committees), of one state or all."""
    return present.items(present.chamber(c) for c in queries.chambers(_optional_state(args)))


@bp.get(f"/chambers/<{ID}:chamber_id>")
@bp.response(200, s.ChamberOut)
@_documented(401, 404)
def chamber(chamber_id: int):
    """One chamber with its committees."""
    found = queries.get_chamber(chamber_id)
    if found is None:
        raise NotFound("No such chamber.")
    return present.chamber(found)


@bp.get("/parties")
@query(s.StateFilter)
@bp.response(200, s.list_of(s.PartyOut, "PartyList"))
@_documented(401, 404)
def parties(**args: Any):
    """Parties, of one state or all."""
    return present.items(present.party(p) for p in queries.parties(_optional_state(args)))


# --- Representatives and their stances -------------------------------------------------------


@bp.get("/representatives")
@query(s.RepresentativeArgs)
@bp.response(200, s.page_of(s.RepresentativeSummaryOut, "RepresentativePage"))
@_documented(401, 404)
def representatives(**args: Any):
    """Representatives sitting now (or ever, with include_former), by sort name."""
    filters = RepresentativeFilters(
        state=_optional_state(args),
        chamber_id=args.get("chamber"),
        party_id=args.get("party"),
        stance=args.get("stance"),
        q=args.get("q") or "",
        include_former=args["include_former"],
    )
    pagination = _paginate(parliament_queries.representatives_select(filters, g.today), args)
    seats = parliament_queries.current_seats([r.id for r in pagination.items], g.today)
    days = _stale_days()
    return present.page(
        pagination,
        (
            present.representative_summary(api_user(), r, seats.get(r.id), g.today, days)
            for r in pagination.items
        ),
    )


def _shown(record: Any, missing: str) -> Any:
    """A record a path names; an archived one only to those who may restore it (to anyone
    else it is not there)."""
    if record is None or (
        record.archived_at is not None and not may(api_user(), Action.RESTORE, record)
    ):
        raise NotFound(missing)
    return record


def _representative(representative_id: int):
    found = _shown(
        parliament_queries.get_representative(representative_id), "No such representative."
    )
    require(api_user(), Action.VIEW, found)
    return found


@bp.get(f"/representatives/<{ID}:representative_id>")
@bp.response(200, s.RepresentativeOut)
@_documented(401, 404)
def representative(representative_id: int):
    """One representative: seats, committees, contact details, names, identifiers."""
    found = _representative(representative_id)
    seat = parliament_queries.current_seats([found.id], g.today).get(found.id)
    return present.representative(api_user(), found, seat, g.today, _stale_days())


@bp.get(f"/representatives/<{ID}:representative_id>/stances")
@bp.response(200, s.list_of(s.StanceRecordOut, "StanceRecordList"))
@_documented(401, 404)
def stance_records(representative_id: int):
    """The representative's stance records, newest first. One observed in a restricted
    contact the reader may not read keeps its stance and month only (`observed_month`):
    no source, confidence, exact date, note or contact."""
    found = _representative(representative_id)
    reader = api_user()
    return present.items(
        present.stance_record(reader, r)
        for r in parliament_queries.stance_history(found, reader=reader)
    )


@bp.post(f"/representatives/<{ID}:representative_id>/stances")
@bp.arguments(s.StanceRecordIn, as_kwargs=True)
@bp.response(201, s.StanceRecordOut)
@_documented(401, 403, 404)
def record_stance(representative_id: int, **body: Any):
    """Record a stance observed; the representative's current stance follows."""
    found = _representative(representative_id)
    with body_field_names():
        entry = parliament_services.record_stance(api_user(), found, **body)
    return present.stance_record(api_user(), entry)


# --- Interactions and follow-ups ----------------------------------------------------------------


@bp.get("/interactions")
@query(s.InteractionArgs)
@bp.response(200, s.page_of(s.InteractionOut, "InteractionPage"))
@_documented(401, 404)
def interactions(**args: Any):
    """Contacts, newest first. A restricted contact the reader may not see shows only its
    state and day."""
    filters = InteractionFilters(
        kind=args.get("kind"),
        representative_id=args.get("representative"),
        restricted_readable=restricted_readable_states(api_user()),
    )
    stmt = queries.interactions_select_all(_optional_state(args), filters)
    pagination = _paginate(stmt, args)
    reader = api_user()
    return present.page(pagination, (present.interaction(reader, i) for i in pagination.items))


def _interaction(interaction_id: int) -> Interaction:
    found = _shown(interaction_queries.get_interaction(interaction_id), "No such contact.")
    require(api_user(), Action.VIEW, found)
    return found


@bp.get(f"/interactions/<{ID}:interaction_id>")
@bp.response(200, s.InteractionOut)
@_documented(401, 403, 404)
def interaction(interaction_id: int):
    """One contact. A restricted one is refused to those who may not read it."""
    return present.interaction(api_user(), _interaction(interaction_id))


@bp.post("/interactions")
@bp.arguments(s.InteractionIn, as_kwargs=True)
@bp.response(201, s.InteractionOut)
@_documented(401, 403)
def create_interaction(**body: Any):
    """Log a contact with the stances seen and follow-ups agreed, all or nothing."""
    target = _state_field(body.pop("state"))
    stances = [interaction_services.StanceSeen(**seen) for seen in body.pop("stances")]
    drafts = [interaction_services.FollowUpDraft(**d) for d in body.pop("follow_ups")]
    with body_field_names():
        created = interaction_services.record_interaction(
            api_user(), target, stances=stances, follow_ups=drafts, **body
        )
        created_id = created.id
    return present.interaction(api_user(), _interaction(created_id))


@bp.patch(f"/interactions/<{ID}:interaction_id>")
@bp.arguments(s.InteractionPatch, as_kwargs=True)
@bp.response(200, s.InteractionOut)
@_documented(401, 403, 404, 409)
def update_interaction(interaction_id: int, version: int, **changes: Any):
    """Edit a contact: only the fields sent change. People met and participants, when sent,
    replace the lists. A version older than the contact's is a conflict (409)."""
    found = _interaction(interaction_id)
    representative_ids = changes.pop("representative_ids", None)
    participant_ids = changes.pop("participant_ids", None)
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
        )
    return present.interaction(api_user(), _interaction(interaction_id))


@bp.get("/follow-ups")
@query(s.FollowUpArgs)
@bp.response(200, s.page_of(s.FollowUpOut, "FollowUpPage"))
@_documented(401, 404)
def follow_ups(**args: Any):
    """Follow-ups of one status (open by default: overdue first, then by due date)."""
    reader = api_user()
    stmt = interaction_queries.follow_ups_select(
        _optional_state(args), args["status"], reader if args["mine"] else None, g.today
    )
    pagination = _paginate(stmt, args)
    return present.page(
        pagination, (present.follow_up(reader, f, g.today) for f in pagination.items)
    )


def _follow_up(follow_up_id: int):
    found = interaction_queries.get_follow_up(follow_up_id)
    if found is None or found.archived_at is not None:
        raise NotFound("No such follow-up.")
    return found


@bp.get(f"/follow-ups/<{ID}:follow_up_id>")
@bp.response(200, s.FollowUpOut)
@_documented(401, 404)
def follow_up(follow_up_id: int):
    """One follow-up."""
    return present.follow_up(api_user(), _follow_up(follow_up_id), g.today)


@bp.post("/follow-ups")
@bp.arguments(s.FollowUpIn, as_kwargs=True)
@bp.response(201, s.FollowUpOut)
@_documented(401, 403)
def create_follow_up(**body: Any):
    """Add a follow-up about a state or one of its representatives."""
    target = _state_field(body.pop("state"))
    with body_field_names():
        created = interaction_services.create_follow_up(api_user(), target, **body)
        created_id = created.id
    return present.follow_up(api_user(), _follow_up(created_id), g.today)


@bp.patch(f"/follow-ups/<{ID}:follow_up_id>")
@bp.arguments(s.FollowUpStatusIn, as_kwargs=True)
@bp.response(200, s.FollowUpOut)
@_documented(401, 403, 404)
def set_follow_up_status(follow_up_id: int, status):
    """Mark a follow-up done or cancelled, or reopen it."""
    found = _follow_up(follow_up_id)
    with body_field_names():
        interaction_services.set_follow_up_status(api_user(), found, status)
    return present.follow_up(api_user(), _follow_up(follow_up_id), g.today)


# --- Events --------------------------------------------------------------------------------------


@bp.get("/events")
@query(s.EventArgs)
@bp.response(200, s.page_of(s.EventOut, "EventPage"))
@_documented(401, 404)
def events(**args: Any):
    """Events: upcoming soonest first (by default), past or all newest first."""
    filters = event_queries.EventFilters(
        state=_optional_state(args),
        kind=args.get("kind"),
        status=args.get("status"),
        when=args["when"],
    )
    pagination = _paginate(event_queries.events_select(filters, utcnow()), args)
    return present.page(pagination, (present.event(e) for e in pagination.items))


def _event(event_id: int):
    return _shown(event_queries.get_event(event_id), "No such event.")


@bp.get(f"/events/<{ID}:event_id>")
@bp.response(200, s.EventOut)
@_documented(401, 404)
def event(event_id: int):
    """One event."""
    return present.event(_event(event_id))


@bp.post("/events")
@bp.arguments(s.EventIn, as_kwargs=True)
@bp.response(201, s.EventOut)
@_documented(401, 403)
def create_event(**body: Any):
    """Plan an event; times are RFC 3339 with their offset."""
    target = _state_field(body.pop("state"))
    require(api_user(), Action.CREATE, Event, state=target)  # before looking at the rest
    with body_field_names():
        # The service checks that they belong to the state (after the permission check).
        body["section"] = _record(Section, body.pop("section_id"), field="section_id")
        body["stage"] = _record(Stage, body.pop("stage_id"), field="stage_id")
        created = event_services.create_event(api_user(), target, body)
        created_id = created.id
    return present.event(_event(created_id))


@bp.patch(f"/events/<{ID}:event_id>")
@bp.arguments(s.EventPatch, as_kwargs=True)
@bp.response(200, s.EventOut)
@_documented(401, 403, 404, 409)
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
                values["section"] = _record(Section, values.pop("section_id"), field="section_id")
            if "stage_id" in values:
                values["stage"] = _record(Stage, values.pop("stage_id"), field="stage_id")
            event_services.update_event(actor, found, values, expected_version=version)
    return present.event(_event(event_id))


# --- Stages and risk -----------------------------------------------------------------------------


@bp.get("/states/<iso2>/stages")
@bp.response(200, s.list_of(s.StageOut, "StageList"))
@_documented(401, 404)
def stages(iso2: str):
    """The stages of the state's agreement, in order, with the votes held."""
    found = _state(iso2)
    return present.items(present.stage(x) for x in queries.stages(found, active_campaign()))


@bp.get("/risk")
@bp.response(200, s.list_of(s.RiskSummaryOut, "RiskList"))
@_documented(401, 403)
def risk():
    """Every open state's ratification risk, most urgent first."""
    require(api_user(), Action.VIEW, Page.DASHBOARD)
    campaign = active_campaign()
    if campaign is None:
        return present.items([])
    found = risk_services.forecasts(campaign, g.today, risk_config())
    return present.items(present.risk_summary(r) for r in found)


@bp.get("/states/<iso2>/risk")
@bp.response(200, s.StateRiskOut)
@_documented(401, 403, 404)
def state_risk(iso2: str):
    """The state's ratification risk with every number needed to check it."""
    require(api_user(), Action.VIEW, Page.DASHBOARD)
    found_state = _state(iso2)
    campaign = active_campaign()
    if campaign is None:
        raise NotFound("There is no active campaign.")
    found = risk_services.forecasts(
        campaign, g.today, risk_config(), state_ids=[found_state.id], open_only=False
    )
    if not found:
        raise NotFound(f"{found_state.name} has no agreement in the active campaign.")
    return present.state_risk(found[0], campaign.slug, utcnow())
