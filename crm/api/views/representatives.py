"""Representatives and the stances recorded of them."""

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
    optional_state,
    paginate,
    post,
    shown,
    stale_days,
)
from crm.auth.permissions import Action, require
from crm.parliament import queries as parliament_queries
from crm.parliament import services as parliament_services
from crm.parliament.queries import RepresentativeFilters

# --- Representatives and their stances -------------------------------------------------------


@listing("/representatives", s.RepresentativeArgs, s.RepresentativeSummaryOut, "RepresentativePage")
def representatives(**args: Any):
    """Representatives sitting now (or ever, with include_former), by sort name."""
    filters = RepresentativeFilters(
        state=optional_state(args),
        chamber_id=args.get("chamber"),
        party_id=args.get("party"),
        stance=args.get("stance"),
        q=args.get("q") or "",
        include_former=args["include_former"],
    )
    pagination = paginate(parliament_queries.representatives_select(filters, g.today), args)
    seats = parliament_queries.current_seats([r.id for r in pagination.items], g.today)
    days = stale_days()
    reader = api_user()
    return present.page(
        pagination,
        lambda r: present.representative_summary(reader, r, seats.get(r.id), g.today, days),
    )


def _representative(representative_id: int):
    found = shown(
        parliament_queries.get_representative(representative_id), "No such representative."
    )
    require(api_user(), Action.VIEW, found)
    return found


@get(f"/representatives/<{ID}:representative_id>", s.RepresentativeOut, 404)
def representative(representative_id: int):
    """One representative: seats, committees, contact details, names, identifiers."""
    found = _representative(representative_id)
    seat = parliament_queries.current_seats([found.id], g.today).get(found.id)
    return present.representative(api_user(), found, seat, g.today, stale_days())


@get(
    f"/representatives/<{ID}:representative_id>/stances",
    s.list_of(s.StanceRecordOut, "StanceRecordList"),
    404,
)
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


@post(
    f"/representatives/<{ID}:representative_id>/stances",
    s.StanceRecordIn,
    s.StanceRecordOut,
    403,
    404,
)
def record_stance(representative_id: int, **body: Any):
    """Record a stance observed; the representative's current stance follows."""
    found = _representative(representative_id)
    with body_field_names():
        entry = parliament_services.record_stance(api_user(), found, **body)
    return present.stance_record(api_user(), entry)
