"""The list of states and the state page, on the demo data set."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from crm.extensions import db
from crm.states.models import State
from tests.conftest import login
from tests.pages import page, text

DEMO_ACCOUNTS = [
    "admin@demo.example",
    "coordinator@demo.example",
    "section.ro@demo.example",
    "section.ne@demo.example",
    "staff@demo.example",
]


@pytest.mark.parametrize("email", DEMO_ACCOUNTS)
def test_every_demo_account_can_browse_every_state(demo_client, email):
    assert login(demo_client, email).status_code == 302
    states = db.session.scalars(sa.select(State).order_by(State.name)).all()
    listing = page(demo_client, "/states")
    for state in states:
        assert listing.find("a", href=f"/states/{state.iso2}"), state.iso2
        body = text(page(demo_client, f"/states/{state.iso2}"))
        assert state.name in body
        for chamber in state.chambers:
            assert chamber.name in body


def test_state_list_shows_agreement_status_and_seats(demo_client):
    login(demo_client, "coordinator@demo.example")
    body = text(page(demo_client, "/states"))
    assert "No impunity agreements" in body
    assert "Before parliament" in body
    # Romania: 345 + 140 seats.
    assert "485" in body


def test_state_page_shows_parties_with_their_seat_counts(demo_client):
    login(demo_client, "staff@demo.example")
    state = db.session.scalar(sa.select(State).where(State.iso2 == "RO"))
    body = text(page(demo_client, "/states/RO"))
    for party in state.parties:
        assert party.name in body
    assert "Chamber of Deputies" in body
    assert "Majority of votes cast" in body


def test_unknown_state_is_a_404_page(demo_client):
    login(demo_client, "staff@demo.example")
    soup = page(demo_client, "/states/ZZ", status=404)
    assert "nothing at this address" in text(soup).lower()


def test_lower_case_state_code_redirects_to_the_canonical_address(demo_client):
    login(demo_client, "staff@demo.example")
    response = demo_client.get("/states/ro")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/states/RO")


def test_home_page_is_the_dashboard(demo_client):
    login(demo_client, "staff@demo.example")
    response = demo_client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/dashboard")
