"""Seats in a chamber: adding one, ending one, a change of party."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_login import login_required
from wtforms.fields import SelectChoice

from crm.parliament import queries, services
from crm.parliament.forms import MovePartyForm, SeatForm
from crm.parliament.models import Chamber, Membership, Party
from crm.parliament.views.common import (
    bp,
    end_seat_page,
    form_page,
    person_form,
    save_form,
    today_by_default,
)
from crm.web import found


def _party_label(party: Party) -> str:
    return f"{party.name} ({party.abbreviation})" if party.abbreviation else party.name


def seat_choices(form, state) -> tuple[dict[int, Chamber], dict[int, Party]]:
    """Fill the chamber and party choices with the state's own (others are not valid)."""
    chambers, parties = queries.state_filter_choices(state)
    if hasattr(form, "chamber"):
        form.chamber.choices = [SelectChoice("", _("Choose a chamber"))] + [
            SelectChoice(str(c.id), c.name) for c in chambers
        ]
    form.party.choices = [SelectChoice("", _("Independent (no party)"))] + [
        SelectChoice(str(p.id), _party_label(p)) for p in parties
    ]
    return {c.id: c for c in chambers}, {p.id: p for p in parties}


def new_seat(form, chambers: dict[int, Chamber], parties: dict[int, Party]) -> services.NewSeat:
    # The choices were validated: only the state's own chambers and parties get here.
    return services.NewSeat(
        chamber=chambers[int(form.chamber.data)],
        party=parties[int(form.party.data)] if form.party.data else None,
        start_date=form.start_date.data,
        constituency=form.constituency.data,
        legislative_period=form.legislative_period.data
        if hasattr(form, "legislative_period")
        else None,
    )


def _seat_label(seat: Membership) -> str:
    party = seat.party.short_name if seat.party else _("independent")
    if seat.start_date:
        return _(
            "%(chamber)s — %(party)s, since %(date)s",
            chamber=seat.chamber.name,
            party=party,
            date=f"{seat.start_date:%d %b %Y}",
        )
    return _("%(chamber)s — %(party)s", chamber=seat.chamber.name, party=party)


@bp.route("/representatives/<int:representative_id>/memberships/new", methods=["GET", "POST"])
@login_required
def new_membership(representative_id: int):
    rep, actor, form = person_form(representative_id, SeatForm)
    chambers, parties = seat_choices(form, rep.state)
    response, conflict = save_form(
        form,
        lambda: services.add_membership(
            actor, rep, new_seat(form, chambers, parties), expected_version=form.expected_version
        ),
        rep=rep,
        done=_("Added a seat for %(name)s.", name=rep.name),
    )
    return response or form_page(
        rep,
        form,
        conflict,
        heading=_("Add a seat"),
        intro=_(
            "A new seat in a chamber, for instance after an election. To record a change "
            "of party during a term, use “Move party” instead."
        ),
    )


@bp.route("/memberships/<int:membership_id>/end", methods=["GET", "POST"])
@login_required
def end_membership(membership_id: int):
    seat = found(queries.get_membership(membership_id))
    return end_seat_page(
        seat,
        services.end_membership,
        done=_(
            "Ended %(name)s's seat in %(chamber)s.",
            name=seat.representative.name,
            chamber=seat.chamber.name,
        ),
        heading=_("End a seat"),
        intro=_("The seat stays in the representative's history with its end date."),
        facts=[(_("Seat"), _seat_label(seat))],
    )


@bp.route("/representatives/<int:representative_id>/move-party", methods=["GET", "POST"])
@login_required
def move_party(representative_id: int):
    rep, actor, form = person_form(representative_id, MovePartyForm)
    _chambers, parties = seat_choices(form, rep.state)
    seats = {m.id: m for m in rep.memberships}
    open_seats = [m for m in seats.values() if m.end_date is None]
    offered = list(open_seats)
    # A seat that ended since the form was opened stays a valid answer, so that the
    # service can say what happened (a conflict) rather than "not a valid choice".
    posted = request.form.get("membership", "")
    if posted.isdigit() and int(posted) in seats and seats[int(posted)] not in offered:
        offered.append(seats[int(posted)])
    form.membership.choices = [SelectChoice(str(m.id), _seat_label(m)) for m in offered]
    if request.method == "GET" and open_seats:
        form.membership.data = str(open_seats[0].id)
    today_by_default(form.changed_on)
    response, conflict = save_form(
        form,
        lambda: services.move_party(
            actor,
            seats[int(form.membership.data)],
            party=parties[int(form.party.data)] if form.party.data else None,
            changed_on=form.changed_on.data,
            expected_version=form.expected_version,
        ),
        rep=rep,
        done=_("Recorded %(name)s's change of party.", name=rep.name),
    )
    intro = (
        _(
            "The seat ends the day before the change; a new one, in the same chamber and "
            "constituency, starts on the day."
        )
        if open_seats
        else _("They hold no open seat: add a seat first.")
    )
    return response or form_page(rep, form, conflict, heading=_("Move party"), intro=intro)
