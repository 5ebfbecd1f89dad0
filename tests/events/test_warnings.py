"""The warning when an event is planned after the vote it aims at (SPEC §2)."""

from __future__ import annotations

from datetime import date, timedelta

from bs4 import BeautifulSoup

from crm.events.models import EventStatus
from crm.extensions import db
from crm.states.models import StageStatus
from tests.events.factories import form_values, local
from tests.factories import EventFactory
from tests.pages import page, text

BUCHAREST = "Europe/Bucharest"


def _event_at(world, day: date, hour: int, minute: int = 0, **kwargs):
    """An event of the home state starting at a local time, aiming at the plenary vote."""
    return EventFactory(
        state=world.home.state,
        stage=world.home.stages[1],
        title=kwargs.pop("title", "Rally"),
        starts_at=local(BUCHAREST, day.year, day.month, day.day, hour, minute),
        **kwargs,
    )


def _warned(soup) -> bool:
    return bool(soup.select(".event-late-warning"))


def test_an_event_after_the_vote_is_flagged_everywhere_it_is_shown(sign_in, world):
    vote = world.home.stages[1].scheduled_on
    event = _event_at(world, vote + timedelta(days=2), 18, title="Too late rally")
    client = sign_in("member")

    soup = page(client, f"/events/{event.id}")
    assert _warned(soup)
    assert f"on {vote:%d %b %Y}" in text(soup.select_one(".event-late-warning"))
    assert _warned(page(client, f"/events/{event.id}/edit"))

    for url in ("/events", f"/states/{world.home.state.iso2}/events"):
        listing = page(client, url)
        row = listing.find("a", href=f"/events/{event.id}").find_parent("tr")
        assert "After the vote" in text(row), url
    month = page(client, f"/events/calendar?month={event.starts_at:%Y-%m}")
    item = month.find("a", href=f"/events/{event.id}").find_parent("li")
    assert "After the vote" in text(item)
    state_page = page(client, f"/states/{world.home.state.iso2}")
    item = state_page.find("a", href=f"/events/{event.id}").find_parent("li")
    assert "After the vote" in text(item)


def test_events_before_the_vote_are_not_flagged(sign_in, world):
    client = sign_in("member")
    soup = page(client, f"/events/{world.home.event.id}")  # five days before the vote
    assert not _warned(soup)
    row = page(client, "/events").find("a", href=f"/events/{world.home.event.id}")
    assert "After the vote" not in text(row.find_parent("tr"))


def test_the_day_is_the_states_local_day(sign_in, world):
    vote = world.home.stages[1].scheduled_on
    # 23:30 on the day of the vote in Bucharest: not after it.
    same_day = _event_at(world, vote, 23, 30)
    # 00:30 the next day in Bucharest is still the day of the vote in UTC — but it is after.
    next_day = _event_at(world, vote + timedelta(days=1), 0, 30)
    assert next_day.starts_at.date() == vote
    client = sign_in("staff")
    assert not _warned(page(client, f"/events/{same_day.id}"))
    assert _warned(page(client, f"/events/{next_day.id}"))


def test_saving_an_event_after_the_vote_warns_at_once(sign_in, world):
    vote = world.home.stages[1].scheduled_on
    event = world.home.event
    client = sign_in("member")
    url = f"/events/{event.id}/edit"
    later = vote + timedelta(days=3)
    data = form_values(client.get(url).text) | {
        "starts_at": f"{later:%Y-%m-%d}T10:00",
        "ends_at": "",
        "stage": str(world.home.stages[1].id),
    }
    response = client.post(url, data=data, follow_redirects=True)
    assert response.status_code == 200
    soup = page(client, url)  # the edit form shows it too, once saved
    assert _warned(soup)
    flashed = [p.get_text() for p in BeautifulSoup(response.text, "html.parser").select(".flash")]
    assert any("after the plenary vote" in message for message in flashed), flashed


def test_cancelled_events_are_not_flagged(sign_in, world):
    vote = world.home.stages[1].scheduled_on
    event = _event_at(world, vote + timedelta(days=2), 18, status=EventStatus.CANCELLED)
    assert not _warned(page(sign_in("member"), f"/events/{event.id}"))


def test_a_cancelled_stage_has_no_vote_to_be_late_for(sign_in, world):
    vote = world.home.stages[1].scheduled_on
    event = _event_at(world, vote + timedelta(days=2), 18)
    world.home.stages[1].status = StageStatus.CANCELLED
    db.session.commit()
    assert not _warned(page(sign_in("member"), f"/events/{event.id}"))


def test_a_held_vote_counts_from_the_day_it_was_held(sign_in, world):
    stage = world.home.stages[1]
    event = _event_at(world, stage.scheduled_on - timedelta(days=5), 18)
    stage.held_on = stage.scheduled_on - timedelta(days=10)  # brought forward
    stage.status = StageStatus.HELD
    db.session.commit()
    assert _warned(page(sign_in("member"), f"/events/{event.id}"))
