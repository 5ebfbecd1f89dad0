"""Who am I, states, chambers and parties."""

from __future__ import annotations

from typing import Any

from crm.api import present, queries
from crm.api import schemas as s
from crm.api.auth import api_user
from crm.api.views.common import ID, bp, documented, find_state, optional_state, query
from crm.errors import NotFound
from crm.states.queries import active_campaign, agreement_for

# --- Who am I, states, chambers, parties -------------------------------------------------------


@bp.get("/me")
@bp.response(200, s.MeOut)
@documented(401)
def me():
    """The user the token belongs to, with their role and sections."""
    return present.me(api_user())


@bp.get("/states")
@bp.response(200, s.list_of(s.StateOut, "StateList"))
@documented(401)
def states():
    """Every state of the campaign, with its agreement's status."""
    rows = queries.states_with_agreements(active_campaign())
    return present.items(present.state(st, agreement) for st, agreement in rows)


@bp.get("/states/<iso2>")
@bp.response(200, s.StateOut)
@documented(401, 404)
def state(iso2: str):
    """One state."""
    found = find_state(iso2)
    return present.state(found, agreement_for(found, active_campaign()))


@bp.get("/chambers")
@query(s.StateFilter)
@bp.response(200, s.list_of(s.ChamberOut, "ChamberList"))
@documented(401, 404)
def chambers(**args: Any):
    """Chambers (with their committees), of one state or all."""
    return present.items(present.chamber(c) for c in queries.chambers(optional_state(args)))


@bp.get(f"/chambers/<{ID}:chamber_id>")
@bp.response(200, s.ChamberOut)
@documented(401, 404)
def chamber(chamber_id: int):
    """One chamber with its committees."""
    found = queries.get_chamber(chamber_id)
    if found is None:
        raise NotFound("No such chamber.")
    return present.chamber(found)


@bp.get("/parties")
@query(s.StateFilter)
@bp.response(200, s.list_of(s.PartyOut, "PartyList"))
@documented(401, 404)
def parties(**args: Any):
    """Parties, of one state or all."""
    return present.items(present.party(p) for p in queries.parties(optional_state(args)))
