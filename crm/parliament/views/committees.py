"""Committee seats: adding one, ending one."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_login import login_required
from wtforms.fields import SelectChoice

from crm.parliament import queries, services
from crm.parliament.forms import CommitteeSeatForm
from crm.parliament.models import CommitteeRole
from crm.parliament.views.common import (
    bp,
    end_seat_page,
    form_page,
    person_form,
    save_form,
    today_by_default,
)
from crm.web import found


@bp.route(
    "/representatives/<int:representative_id>/committee-memberships/new", methods=["GET", "POST"]
)
@login_required
def new_committee_membership(representative_id: int):
    rep, actor, form = person_form(representative_id, CommitteeSeatForm)
    committees = {c.id: c for c in queries.state_committees(rep.state)}
    form.committee.choices = [SelectChoice("", _("Choose a committee"))] + [
        SelectChoice(str(c.id), f"{c.name} ({c.chamber.name})") for c in committees.values()
    ]
    today_by_default(form.start_date)
    response, conflict = save_form(
        form,
        lambda: services.add_committee_membership(
            actor,
            rep,
            committee=committees[int(form.committee.data)],
            role=CommitteeRole(form.role.data),
            start_date=form.start_date.data,
            expected_version=form.expected_version,
        ),
        rep=rep,
        done=_("Added a committee seat for %(name)s.", name=rep.name),
    )
    return response or form_page(rep, form, conflict, heading=_("Add a committee seat"))


@bp.route("/committee-memberships/<int:seat_id>/end", methods=["GET", "POST"])
@login_required
def end_committee_membership(seat_id: int):
    seat = found(queries.get_committee_membership(seat_id))
    return end_seat_page(
        seat,
        services.end_committee_membership,
        done=_(
            "Ended %(name)s's seat on %(committee)s.",
            name=seat.representative.name,
            committee=seat.committee.name,
        ),
        heading=_("End a committee seat"),
        facts=[(_("Committee seat"), f"{seat.role.label}, {seat.committee.name}")],
    )
