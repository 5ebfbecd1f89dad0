"""The risk pages in the pseudo-locale (tests/i18n/pseudo.py): the coordinators' dashboard,
with its filters used and refused, and a state's risk page for each route (a parliament
that votes, a government that decides alone, no sitting parliament). Nothing a reader sees
or hears is left outside the markers but data: names of states, chambers, parties, people,
committees and sections, the campaign's name, route notes, and what the model says of a
threshold."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa
from babel.dates import format_date

from crm.auth.models import Section, User
from crm.extensions import db
from crm.parliament.models import Chamber, Committee, Party, Representative
from crm.risk import services as risk_services
from crm.states.models import Agreement, Campaign, State
from crm.states.queries import active_campaign
from tests.conftest import login
from tests.i18n.pseudo import OPEN, pseudo, unmarked

COORDINATOR = "coordinator@demo.example"

# Dates are data, formatted in the page's locale (English here): month names on the history
# chart's axis, and whole dates ("16 Dec 2026").
_MONTHS = tuple(
    name
    for month in range(12, 0, -1)
    for name in (
        format_date(date(2000, month, 1), "MMMM", locale="en"),
        format_date(date(2000, month, 1), "MMM", locale="en"),
    )
)
_MONTH_NAMES = "|".join(_MONTHS)
_DATE = re.compile(rf"\b\d{{1,2}} (?:{_MONTH_NAMES}) \d{{4}}\b")


@pytest.fixture
def wrapped():
    with pseudo():
        yield


def _data(app) -> tuple[str, ...]:
    """What the demo holds and the pages show as it is, longest first (a name that holds
    another is taken out whole)."""
    with app.app_context():
        values: set[str] = set()
        for column in (
            State.name,
            State.iso2,
            Chamber.name,
            Party.name,
            Party.abbreviation,
            Committee.name,
            Representative.name,
            Section.name,
            Campaign.name,
            Agreement.route_note,
            User.name,
            User.email,
        ):
            values |= {v for v in db.session.scalars(sa.select(column)) if v}
        values |= {note.capitalize() for note in list(values)}
        # The model's own words for a chamber's threshold (crm/risk/model.py, not marked
        # yet: it is shared with the API, where it stays English).
        for result in risk_services.forecasts(active_campaign(), None):
            for chamber in result.forecast.chambers:
                values.add(chamber.threshold_label)
    return tuple(sorted(values, key=len, reverse=True))


def _assert_marked(response, data: tuple[str, ...], status: int = 200) -> None:
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert OPEN in html, "the pseudo-locale is not in use"
    assert unmarked(_DATE.sub(" ", html), data + _MONTHS) == []


def test_the_dashboard_with_its_filters(demo_app, demo_client, wrapped):
    data = _data(demo_app)
    login(demo_client, COORDINATOR)
    _assert_marked(demo_client.get("/dashboard"), data)
    _assert_marked(demo_client.get("/dashboard?level=critical&within=90&low_coverage=y"), data)
    _assert_marked(demo_client.get("/dashboard?q=zzzz"), data)  # no state matches


def test_the_dashboard_refusing_its_filters(demo_app, demo_client, wrapped):
    data = _data(demo_app)
    login(demo_client, COORDINATOR)
    _assert_marked(demo_client.get("/dashboard?within=soon&level=nowhere"), data, status=400)
    _assert_marked(demo_client.get("/dashboard?within=99999"), data, status=400)


@pytest.mark.parametrize(
    "iso2", ["RO", "IN", "AF"], ids=["parliament", "executive", "no-sitting-parliament"]
)
def test_a_states_risk_page(demo_app, demo_client, wrapped, iso2):
    data = _data(demo_app)
    login(demo_client, COORDINATOR)
    _assert_marked(demo_client.get(f"/states/{iso2}/risk"), data)
