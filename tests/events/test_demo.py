"""The event pages on the demo data set, as each demo account."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from crm.events.models import Event
from crm.extensions import db
from crm.states.models import State
from tests.conftest import login
from tests.pages import page, text

ACCOUNTS = ["admin@demo.example", "coordinator@demo.example", "section.ro@demo.example",
            "section.ne@demo.example", "staff@demo.example"]  # fmt: skip


@pytest.mark.parametrize("email", ACCOUNTS)
def test_every_demo_account_opens_every_event_page(demo_client, email):
    assert login(demo_client, email).status_code == 302
    events = db.session.scalars(sa.select(Event).order_by(Event.id)).all()
    assert events
    listing = text(page(demo_client, "/events?when=all"))
    assert f"{len(events)} events" in listing
    page(demo_client, "/events/calendar")
    for event in events:
        soup = page(demo_client, f"/events/{event.id}")
        assert event.title in text(soup)


def test_the_romania_section_plans_only_in_romania(demo_client):
    login(demo_client, "section.ro@demo.example")
    assert demo_client.get("/states/RO/events/new").status_code == 200
    assert demo_client.get("/states/NP/events/new").status_code == 403
    nepal = db.session.scalars(sa.select(Event).join(Event.state).where(State.iso2 == "NP")).first()
    assert demo_client.get(f"/events/{nepal.id}/edit").status_code == 403
    assert demo_client.get(f"/events/{nepal.id}").status_code == 200
