"""The event lists and the month calendar: filters, pages, layout and query counts."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from flask import current_app

from crm.auth.models import Role
from crm.db import utcnow
from crm.events.models import EventKind, EventStatus, Rsvp
from tests.conftest import login, page_queries, read_only_worlds
from tests.events.factories import InvitationFactory
from tests.factories import (
    PASSWORD,
    AgreementFactory,
    CampaignFactory,
    ChamberFactory,
    EventFactory,
    StageFactory,
    StateFactory,
    UserFactory,
    seated_representative,
)
from tests.pages import page, text


def _linked(soup, event) -> bool:
    return soup.find("a", href=f"/events/{event.id}") is not None


def test_the_list_shows_upcoming_events_by_default(sign_in, world):
    past = EventFactory(state=world.home.state, title="Last year's vigil",
                        starts_at=utcnow() - timedelta(days=300))  # fmt: skip
    running = EventFactory(state=world.home.state, title="Running now",
                           starts_at=utcnow() - timedelta(hours=1),
                           ends_at=utcnow() + timedelta(hours=1))  # fmt: skip
    client = sign_in("staff")
    upcoming = page(client, "/events")
    assert _linked(upcoming, world.home.event)
    assert _linked(upcoming, world.other.event)
    assert _linked(upcoming, running)
    assert not _linked(upcoming, past)
    earlier = page(client, "/events?when=past")
    assert _linked(earlier, past)
    assert not _linked(earlier, world.home.event)
    everything = page(client, "/events?when=all")
    assert all(_linked(everything, e) for e in (past, running, world.home.event))


def test_the_list_filters_by_state_kind_and_status(sign_in, world):
    briefing = EventFactory(
        state=world.home.state,
        kind=EventKind.PARLIAMENTARY_BRIEFING,
        status=EventStatus.CONFIRMED,
        title="Briefing",
    )
    client = sign_in("member")
    home = page(client, f"/events?state={world.home.state.iso2}")
    assert _linked(home, world.home.event)
    assert not _linked(home, world.other.event)
    assert page(client, f"/events?state={world.home.state.iso2.lower()}").find(
        "a", href=f"/events/{world.home.event.id}"
    )
    kinds = page(client, "/events?kind=parliamentary_briefing")
    assert _linked(kinds, briefing)
    assert not _linked(kinds, world.home.event)
    statuses = page(client, "/events?status=confirmed")
    assert _linked(statuses, briefing)
    assert not _linked(statuses, world.other.event)
    own = page(client, f"/states/{world.other.state.iso2}/events")
    assert _linked(own, world.other.event)
    assert not _linked(own, briefing)


@pytest.mark.parametrize(
    "query", ["state=XX", "kind=party", "status=lost", "when=someday", "page=0", "page=abc"]
)
def test_a_bad_filter_is_explained_and_ignored(sign_in, world, query):
    soup = page(sign_in("staff"), f"/events?{query}", status=400)
    assert soup.select(".error-summary")
    assert _linked(soup, world.home.event)


def test_the_list_pages(app, sign_in, world):
    app.config["PAGE_SIZE"] = 2
    for n in range(3):
        EventFactory(state=world.home.state, starts_at=utcnow() + timedelta(days=30 + n))
    client = sign_in("staff")
    first = page(client, "/events?kind=petition_handover")
    assert "5 events" in text(first)
    assert len(first.select("tbody tr")) == 2
    next_link = first.select_one("nav.pagination a[rel=next]")["href"]
    assert "kind=petition_handover" in next_link
    assert len(page(client, next_link).select("tbody tr")) == 2
    beyond = page(client, "/events?page=9")
    assert "There is no page 9" in text(beyond)


def test_the_list_counts_answers(sign_in, world):
    InvitationFactory(event=world.home.event, representative=world.home.reps[0],
                      rsvp=Rsvp.ACCEPTED)  # fmt: skip
    soup = page(sign_in("staff"), "/events")
    row = soup.find("a", href=f"/events/{world.home.event.id}").find_parent("tr")
    assert "2" in text(row.select_one("td[data-label=Invited]"))
    assert "1 accepted" in text(row)


def test_the_calendar_is_a_grid_of_weeks_with_month_links(sign_in, world):
    client = sign_in("staff")
    soup = page(client, "/events/calendar?month=2027-02")
    table = soup.select_one("table.calendar")
    assert table.caption.get_text(strip=True).startswith("February 2027")
    assert [th.get_text(strip=True) for th in table.select("thead th")] == [
        "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"
    ]  # fmt: skip
    rows = table.select("tbody tr")
    assert len(rows) == 4  # February 2027 starts on a Monday
    assert all(len(row.find_all("td")) == 7 for row in rows)
    assert soup.select_one("a[rel=prev]")["href"] == "/events/calendar?month=2027-01"
    assert soup.select_one("a[rel=next]")["href"] == "/events/calendar?month=2027-03"
    iso2 = world.home.state.iso2
    filtered = page(client, f"/events/calendar?month=2027-12&state={iso2}")
    assert filtered.select_one("a[rel=next]")["href"] == (
        f"/events/calendar?month=2028-01&state={iso2}"
    )
    own = page(client, f"/states/{iso2}/events/calendar?month=2027-12")
    assert own.select_one("a[rel=prev]")["href"] == f"/states/{iso2}/events/calendar?month=2027-11"


def test_the_calendar_marks_today_and_shows_this_month_by_default(sign_in, world):
    client = sign_in("member")
    soup = page(client, f"/states/{world.home.state.iso2}/events/calendar")
    today = soup.select_one("td[aria-current=date]")
    assert today is not None
    assert _linked(page(client, "/events/calendar"), world.home.event) == (
        world.home.event.starts_at.month == date.today().month
    )


@pytest.mark.parametrize("month", ["2027-13", "27-01", "1800-01", "next", "2027-1"])
def test_a_bad_month_is_explained(sign_in, world, month):
    soup = page(sign_in("staff"), f"/events/calendar?month={month}", status=400)
    assert soup.find(id="month-error")
    assert soup.select_one("table.calendar")  # this month instead


def test_pages_use_no_inline_styles_or_scripts(sign_in, world):
    client = sign_in("member")
    event = world.home.event
    for url in ("/events", "/events/calendar", f"/events/{event.id}", f"/events/{event.id}/edit",
                f"/events/{event.id}/invitations/new",
                f"/states/{world.home.state.iso2}/events/new"):  # fmt: skip
        html = client.get(url).text
        assert "style=" not in html, url
        assert "<style" not in html, url
        soup = page(client, url)
        # Scripts of our own, from files: none written into the page.
        for script in soup.find_all("script"):
            assert script.get("src", "").startswith("/static/js/"), url
            assert not script.get_text(strip=True), url
        nav = soup.select_one("nav.site-nav a[aria-current=page]")
        assert nav.get_text(strip=True) == "Events", url
        controls = "main input:not([type=hidden]):not([type=submit]), main select, main textarea"
        for control in soup.select(controls):
            assert soup.find("label", attrs={"for": control["id"]}), (url, control.get("name"))


# --- Query counts -------------------------------------------------------------------------


def _next_month() -> date:
    return (date.today().replace(day=1) + timedelta(days=32)).replace(day=1)


def _build(size: int):
    campaign = CampaignFactory()
    states = [StateFactory() for _ in range(size)]
    home = states[0]
    agreement = AgreementFactory(campaign=campaign, state=home)
    chamber = ChamberFactory(state=home, seats=size * 2)
    stage = StageFactory(agreement=agreement, chamber=chamber)
    reps = [seated_representative(chamber) for _ in range(size)]
    events = []
    for n in range(size):
        for state in states:
            event = EventFactory(
                state=state,
                stage=stage if state is home else None,
                starts_at=utcnow() + timedelta(days=n + 1),
            )
            events.append(event)
        EventFactory(state=states[n], starts_at=utcnow() - timedelta(days=n + 1))
        # Next month has events too, whatever today's date.
        EventFactory(state=states[n], stage=stage if n == 0 else None,
                     starts_at=datetime.combine(_next_month() + timedelta(days=10 + n),
                                                time(12), tzinfo=UTC))  # fmt: skip
    first = events[0]
    for rep in reps[: size // 2]:
        InvitationFactory(event=first, representative=rep, rsvp=Rsvp.ACCEPTED)
        InvitationFactory(event=events[1 + n % 3], representative=rep)
    return home, first, reps


PAGES = [
    "/events",
    "/events?when=all&state={iso2}",
    "/states/{iso2}/events",
    "/events/calendar",
    "/events/calendar?month={next_month}",
    "/states/{iso2}/events/calendar",
    "/events/{event}",
    "/events/{event}/edit",
    "/events/{event}/invitations/new",
    "/states/{iso2}",
    "/representatives/{rep}",
]


def _values(size: int) -> dict[str, Any]:
    home, first, reps = _build(size)
    admin = UserFactory(role=Role.ADMIN)
    client = current_app.test_client()
    login(client, admin.email, PASSWORD)  # once: sign-in is rate-limited
    return {"iso2": home.iso2, "event": first.id, "rep": reps[0].id, "client": client}


@pytest.fixture(scope="module")
def worlds(databases, tmp_path_factory):
    with read_only_worlds(databases, tmp_path_factory, _values, (2, 8)) as built:
        yield built


@pytest.mark.parametrize("template", PAGES)
def test_query_count_does_not_grow_with_the_data(worlds, template):
    next_month = _next_month().strftime("%Y-%m")
    counts = [
        page_queries(app, values["client"], template.format(**values, next_month=next_month))
        for app, values in worlds.values()
    ]
    assert counts[0] == counts[1], f"{template}: {counts[0]} queries, then {counts[1]}"
