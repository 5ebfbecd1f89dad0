"""The activity feed: what happened across the campaign, newest first, for coordinators and
admins; filtered by state, section, kind and days, a page at a time."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from tests.activity.helpers import add_happenings
from tests.conftest import sign_in
from tests.pages import page, text
from tests.world import build_world


def _items(soup) -> list:
    return soup.select("ol.activity > li")


def _kinds(soup) -> list[str]:
    return [
        next(c for c in li["class"] if c.startswith("feed-")).removeprefix("feed-")
        for li in _items(soup)
    ]


@pytest.mark.parametrize("who", ["coordinator", "admin"])
def test_the_feed_shows_every_kind_of_news_newest_first(client, app, who):
    world = build_world()
    add_happenings(world)
    sign_in(client, getattr(world, who))
    soup = page(client, "/activity")
    body = text(soup)
    assert "Home open meeting summary" in body  # a contact
    assert "Home Member 0" in body  # a stance recorded
    assert "Home candle vigil" in body  # an event held
    assert "home-roster.csv" in body  # an import
    assert "4 added, 1 changed, 7 unchanged" in body
    assert {"contact", "stance", "event", "stage", "import"} <= set(_kinds(soup))
    # Events still to come are not news yet.
    assert "Home vigil" not in body
    # Newest first: the vigil of two days ago before the meeting of three days ago, and
    # every item's moment no later than the one above it.
    assert body.index("Home candle vigil") < body.index("Home open meeting summary")
    moments = [datetime.fromisoformat(t["datetime"]) for t in soup.select("ol.activity time")]
    assert len(moments) == len(_items(soup))
    assert moments == sorted(moments, reverse=True)


def test_the_feed_is_filtered_by_state(client, app):
    world = build_world()
    add_happenings(world)
    sign_in(client, world.coordinator)
    body = text(page(client, f"/activity?state={world.home.state.iso2.lower()}"))
    assert "Home open meeting summary" in body
    assert "Other open meeting summary" not in body
    assert "Other Member 0" not in body


def test_the_feed_is_filtered_by_section_through_its_states(client, app):
    world = build_world()
    sign_in(client, world.coordinator)
    section = world.other.state.sections[0]
    body = text(page(client, f"/activity?section={section.id}"))
    assert "Other open meeting summary" in body
    assert "Home open meeting summary" not in body


def test_the_feed_is_filtered_by_kind(client, app):
    world = build_world()
    add_happenings(world)
    sign_in(client, world.coordinator)
    soup = page(client, "/activity?kind=event&kind=import")
    assert set(_kinds(soup)) == {"event", "import"}
    # The boxes stay ticked.
    ticked = {box["value"] for box in soup.select("input[name=kind][checked]")}
    assert ticked == {"event", "import"}


def test_the_feed_is_filtered_by_days(client, app):
    world = build_world()
    add_happenings(world)
    sign_in(client, world.coordinator)
    two_days_ago = (date.today() - timedelta(days=2)).isoformat()
    body = text(page(client, f"/activity?kind=contact&since={two_days_ago}"))
    assert "Home open meeting summary" not in body  # three days ago
    soup = page(client, f"/activity?kind=contact&until={two_days_ago}")
    assert "Home open meeting summary" in text(soup)
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    assert _items(page(client, f"/activity?since={tomorrow}")) == []


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("state=ZZ", "state", "There is no state with the code “ZZ”."),
        ("section=abc", "section", "There is no such section"),
        ("section=99999999999999999999", "section", "There is no such section"),
        ("kind=gossip", "kind", "Choose what to show from the list."),
        ("since=2026-02-30", "since", "Not a valid date value."),
        ("until=yesterday", "until", "Not a valid date value."),
        ("since=2026-03-02&until=2026-03-01", "until", "This day is before the first day"),
    ],
)
def test_a_filter_that_cannot_be_used_says_why_next_to_it(client, app, query, field, message):
    world = build_world()
    sign_in(client, world.coordinator)
    soup = page(client, f"/activity?{query}", status=400)
    error = soup.find(id=f"{field}-error")
    assert error is not None, soup.select(".field-error")
    assert message in text(error)
    # The list is still there, without that filter.
    assert "Home open meeting summary" in text(soup)


@pytest.mark.parametrize(
    "query",
    ["page=0", "page=-1", "page=abc", "page=99999999999999", "state=%00", "since=0000-01-01",
     "since=9999-12-31", "until=0001-01-01", "kind=", "section=", "state=" + "x" * 5000],
)  # fmt: skip
def test_odd_values_never_break_the_feed(client, app, query):
    world = build_world()
    sign_in(client, world.coordinator)
    response = client.get(f"/activity?{query}")
    assert response.status_code in (200, 400)


def test_the_feed_comes_a_page_at_a_time_and_the_links_keep_the_filters(client, app):
    world = build_world()
    app.config["PAGE_SIZE"] = 2
    sign_in(client, world.coordinator)
    first = page(client, "/activity?kind=contact&kind=stance")
    assert len(_items(first)) == 2
    following = first.find("a", rel="next")["href"]
    assert "kind=contact" in following
    assert "kind=stance" in following
    second = page(client, following)
    assert len(_items(second)) == 2
    assert text(second) != text(first)
    # A page past the end is empty, not an error.
    assert _items(page(client, "/activity?page=999")) == []


@pytest.mark.parametrize("who", ["member", "other_member", "staff"])
def test_sections_and_staff_may_not_open_the_feed(client, app, who):
    world = build_world()
    sign_in(client, getattr(world, who))
    assert client.get("/activity").status_code == 403
    assert client.get("/activity/overdue").status_code == 403
    nav = page(client, "/account").find("nav", class_="site-nav")
    assert nav.find("a", href="/activity") is None
    assert nav.find("a", href="/activity/overdue") is None


@pytest.mark.parametrize("who", ["coordinator", "admin"])
def test_the_menu_leads_coordinators_and_admins_to_the_feed(client, app, who):
    world = build_world()
    sign_in(client, getattr(world, who))
    nav = page(client, "/account").find("nav", class_="site-nav")
    assert nav.find("a", href="/activity") is not None
    assert nav.find("a", href="/activity/overdue") is not None


def test_signed_out_visitors_are_sent_to_sign_in(client, app):
    for url in ("/activity", "/activity/overdue"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login?next=" in response.headers["Location"]
