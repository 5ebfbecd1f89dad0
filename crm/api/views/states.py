"""Who am I, states, chambers and parties."""

from __future__ import annotations

from typing import Any

from crm.api import present, queries
from crm.api import schemas as s
from crm.api.auth import api_user
from crm.api.views.common import ID, find_state, get, optional_state
from crm.errors import NotFound
from crm.states.queries import active_campaign, agreement_for

# --- Who am I, states, chambers, parties -------------------------------------------------------


@get("/me", s.MeOut)
def me():
    """The user the token belongs to, with their role and sections."""
    return present.me(api_user())


@get("/states", s.list_of(s.StateOut, "StateList"))
def states():
    """Every state of the campaign, with its agreement's status."""
    rows = queries.states_with_agreements(active_campaign())
    return present.items(present.state(st, agreement) for st, agreement in rows)


@get("/states/<iso2>", s.StateOut, 404)
def state(iso2: str):
    """One state."""
    found = find_state(iso2)
    return present.state(found, agreement_for(found, active_campaign()))


@get("/chambers", s.list_of(s.ChamberOut, "ChamberList"), 404, args=s.StateFilter)
def chambers(**args: Any):
    """Chambers (with their committees), of one state or all."""
    return present.items(present.chamber(c) for c in queries.chambers(optional_state(args)))


@get(f"/chambers/<{ID}:chamber_id>", s.ChamberOut, 404)
def chamber(chamber_id: int):
    """One chamber with its committees."""
    found = queries.get_chamber(chamber_id)
    if found is None:
        raise NotFound("No such chamber.")
    return present.chamber(found)


@get("/parties", s.list_of(s.PartyOut, "PartyList"), 404, args=s.StateFilter)
def parties(**args: Any):
    """Parties, of one state or all."""
    return present.items(present.party(p) for p in queries.parties(optional_state(args)))
