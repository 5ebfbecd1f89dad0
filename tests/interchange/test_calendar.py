"""`/calendar.ics?token=…`: events and stages per user, read back with icalendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

import icalendar
import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from crm.auth.models import ApiToken, TokenScope
from crm.auth.services import create_token
from crm.events.models import EventStatus
from crm.extensions import db
from crm.states.models import StageStatus
from tests.conftest import csrf_token, sign_in
from tests.factories import EventFactory, StateFactory
from tests.interchange.factories import run
from tests.world import RESTRICTED_MARK


def _token(user, scope: TokenScope = TokenScope.CALENDAR) -> str:
    raw, _token = create_token(None, user, name="test", scope=scope)
    db.session.commit()
    return raw


def _feed(client, token: str) -> icalendar.Calendar:
    response = client.get(f"/calendar.ics?token={token}")
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/calendar"
    assert response.headers["Cache-Control"] == "private, no-store"
    return icalendar.Calendar.from_ical(response.get_data())


def _entries(feed: icalendar.Calendar) -> dict[str, icalendar.Event]:
    return {str(entry["UID"]): entry for entry in feed.walk("VEVENT")}


def test_the_feed_holds_every_event_and_dated_stage_with_stable_uids(client, world):
    feed = _feed(client, _token(world.staff))

    entries = _entries(feed)
    for side in (world.home, world.other):
        event = entries[f"event-{side.event.id}@icc-campaign-crm"]
        assert str(event["SUMMARY"]) == f"{side.event.title} ({side.state.name})"
        assert event["STATUS"] == "TENTATIVE"
        assert str(event["URL"]).endswith(f"/events/{side.event.id}")
        for stage in side.stages:
            entry = entries[f"stage-{stage.id}@icc-campaign-crm"]
            # A stage is an all-day entry on its scheduled day.
            assert entry["DTSTART"].dt == stage.scheduled_on
            assert not isinstance(entry["DTSTART"].dt, datetime)
            assert entry["DTEND"].dt == stage.scheduled_on + timedelta(days=1)
            assert entry["STATUS"] == "CONFIRMED"
    assert set(entries) == set(_entries(_feed(client, _token(world.staff))))


def test_event_times_carry_their_states_zone_with_a_vtimezone_for_each(client, world):
    nepal = StateFactory(name="Nepal land", timezone="Asia/Kathmandu")
    starts = datetime(2030, 5, 1, 4, 15, tzinfo=UTC)
    nepali = EventFactory(state=nepal, title="Vigil in Kathmandu", starts_at=starts,
                          ends_at=starts + timedelta(hours=2))  # fmt: skip
    on_utc = EventFactory(state=StateFactory(timezone="UTC"), starts_at=starts)

    feed = _feed(client, _token(world.member))

    # UTC times end in Z and need no VTIMEZONE.
    zones = {str(tz["TZID"]) for tz in feed.walk("VTIMEZONE")}
    assert zones == {"Europe/Bucharest", "Asia/Kathmandu"}
    utc = _entries(feed)[f"event-{on_utc.id}@icc-campaign-crm"]["DTSTART"]
    assert "TZID" not in utc.params
    assert utc.dt == starts
    entry = _entries(feed)[f"event-{nepali.id}@icc-campaign-crm"]
    assert entry["DTSTART"].params["TZID"] == "Asia/Kathmandu"
    assert entry["DTSTART"].dt == starts
    assert entry["DTSTART"].dt.strftime("%H:%M") == "10:00"
    assert entry["DTEND"].dt == starts + timedelta(hours=2)
    home = _entries(feed)[f"event-{world.home.event.id}@icc-campaign-crm"]
    assert home["DTSTART"].params["TZID"] == "Europe/Bucharest"
    # iCalendar times have whole seconds.
    assert home["DTSTART"].dt == world.home.event.starts_at.replace(microsecond=0)


def test_cancelled_events_and_stages_say_so_and_edits_raise_the_sequence(client, world):
    token = _token(world.member)
    before = _entries(_feed(client, token))[f"event-{world.home.event.id}@icc-campaign-crm"]
    world.home.event.status = EventStatus.CANCELLED
    world.home.stages[0].status = StageStatus.CANCELLED
    db.session.commit()

    entries = _entries(_feed(client, token))

    event = entries[f"event-{world.home.event.id}@icc-campaign-crm"]
    assert event["STATUS"] == "CANCELLED"
    assert int(event["SEQUENCE"]) > int(before["SEQUENCE"])
    assert entries[f"stage-{world.home.stages[0].id}@icc-campaign-crm"]["STATUS"] == "CANCELLED"


def test_a_held_stage_is_on_the_day_it_was_held(client, world):
    stage = world.home.stages[0]
    stage.status, stage.held_on = StageStatus.HELD, date.today() - timedelta(days=2)
    db.session.commit()
    entry = _entries(_feed(client, _token(world.member)))[f"stage-{stage.id}@icc-campaign-crm"]
    assert entry["DTSTART"].dt == stage.held_on


def test_archived_and_long_past_events_are_left_out(client, world):
    old = EventFactory(state=world.home.state, title="Long ago",
                       starts_at=datetime.now(UTC) - timedelta(days=800))  # fmt: skip
    world.other.event.archived_at = datetime.now(UTC)
    db.session.commit()
    uids = set(_entries(_feed(client, _token(world.member))))
    assert f"event-{old.id}@icc-campaign-crm" not in uids
    assert f"event-{world.other.event.id}@icc-campaign-crm" not in uids


@pytest.mark.parametrize("who", ["staff", "coordinator"])
def test_the_feed_never_holds_restricted_content(client, world, who):
    """A calendar link is read by other programs: not even a reader allowed restricted
    content finds it there, though their restricted follow-up is due and the state's
    restricted contact sits beside the events shown."""
    user = getattr(world, who)
    world.home.restricted_follow_up.assignee = user
    db.session.commit()
    assert RESTRICTED_MARK in world.home.restricted_follow_up.title

    feed = _feed(client, _token(user))

    entries = _entries(feed)
    assert f"event-{world.home.event.id}@icc-campaign-crm" in entries
    assert f"stage-{world.home.stages[0].id}@icc-campaign-crm" in entries
    assert RESTRICTED_MARK not in feed.to_ical().decode()


@pytest.mark.parametrize("problem", ["missing", "wrong", "revoked", "api scope", "disabled"])
def test_no_calendar_without_a_live_calendar_token(client, world, problem):
    user = world.member
    token = _token(user, TokenScope.API if problem == "api scope" else TokenScope.CALENDAR)
    if problem == "revoked":
        db.session.scalars(sa.select(ApiToken)).one().revoked_at = datetime.now(UTC)
    if problem == "disabled":
        user.is_enabled = False
    db.session.commit()
    url = {"missing": "/calendar.ics", "wrong": "/calendar.ics?token=not-a-token"}.get(
        problem, f"/calendar.ics?token={token}"
    )
    response = client.get(url)
    assert response.status_code == 404
    assert b"BEGIN:VCALENDAR" not in response.get_data()


def test_a_token_made_on_the_command_line_opens_the_feed(app, client, world):
    result = run(app, "token", "create", world.member.email, "--scope", "calendar")
    assert result.exit_code == 0, result.output
    raw = result.output.strip().splitlines()[-1]
    assert _entries(_feed(client, raw))


# --- Calendar links on the account pages --------------------------------------------------------


def _post(client, url: str, data: dict | None = None):
    token = csrf_token(client.get("/account/calendar").get_data(as_text=True))
    return client.post(url, data={**(data or {}), "csrf_token": token})


def test_a_user_creates_a_calendar_link_that_is_shown_once_and_works(client, world):
    sign_in(client, world.staff.email)
    assert client.get("/account/calendar").status_code == 200

    response = _post(client, "/account/calendar", {"name": "Phone"})

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "it is shown only once" in html
    url = BeautifulSoup(html, "html.parser").select_one("main .notice .code").get_text().strip()
    token = db.session.scalars(sa.select(ApiToken)).one()
    assert (token.user_id, token.scope, token.name) == (
        world.staff.id,
        TokenScope.CALENDAR,
        "Phone",
    )
    assert url.split("token=")[1] not in client.get("/account/calendar").get_data(as_text=True)
    feed = client.get(urlsplit(url).path + "?" + urlsplit(url).query)
    assert feed.status_code == 200


def test_a_user_revokes_their_calendar_link(client, world):
    sign_in(client, world.member.email)
    raw = _token(world.member)
    token = db.session.scalars(sa.select(ApiToken)).one()

    response = _post(client, f"/account/calendar/{token.id}/revoke")

    assert response.status_code == 302
    assert client.get(f"/calendar.ics?token={raw}").status_code == 404
    db.session.refresh(token)
    assert token.revoked_at is not None


def test_nobody_revokes_another_users_link_but_an_admin(client, world):
    raw = _token(world.member)
    token = db.session.scalars(sa.select(ApiToken)).one()
    sign_in(client, world.other_member.email)
    assert _post(client, f"/account/calendar/{token.id}/revoke").status_code == 403
    assert client.get(f"/calendar.ics?token={raw}").status_code == 200
    assert _post(client, "/account/calendar/999999/revoke").status_code == 404
    assert _post(client, "/account/calendar/99999999999999/revoke").status_code == 404


def test_a_too_long_link_name_is_refused_next_to_the_field(client, world):
    sign_in(client, world.member.email)
    response = _post(client, "/account/calendar", {"name": "x" * 200})
    assert response.status_code == 422
    assert "At most 120 characters." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0
