"""A restricted contact in the feed and the overdue list (SPEC §2): whoever may not read it
sees at most "restricted contact", its date and its state, as the state's own list of
contacts shows it; nothing ties it to a person, in the page's words or in its shape (which
items, how many, what they link to).

Only coordinators and admins open these pages today, and they read every restricted
contact. The pages are built from the reader all the same, so these tests open them to
every role (`opened_to_everyone`) and look at what another state's section and staff
would get: if the pages are ever opened wider, nothing leaks."""

from __future__ import annotations

import re

import pytest

from crm.auth import permissions
from crm.auth.permissions import Page
from tests.activity.helpers import SECRET, add_happenings, add_secret
from tests.conftest import sign_in
from tests.pages import page, text
from tests.world import RESTRICTED_MARK, build_world

WITHHELD = ["other_member", "staff"]
# A withheld contact's words: the tag, its day (and the zone's abbreviation), its state.
ONLY_THE_DAY = r"Restricted contact \d\d \w{3} \d{4}( [A-Z+0-9-]+)? Home land"
ALLOWED = ["member", "coordinator", "admin"]


@pytest.fixture
def opened_to_everyone(monkeypatch):
    may_page = permissions._may_page

    def everyone(user, page_):
        return True if page_ is Page.ACTIVITY else may_page(user, page_)

    monkeypatch.setattr(permissions, "_may_page", everyone)


@pytest.fixture
def secret_world(app, opened_to_everyone):
    world = build_world()
    add_happenings(world)
    return world, add_secret(world)


def _feed_urls(world) -> list[str]:
    home = world.home
    section = home.state.sections[0].id
    return [
        "/activity",
        f"/activity?state={home.state.iso2}",
        f"/activity?section={section}",
        "/activity?kind=contact",
        "/activity?kind=stance",
        f"/activity?kind=contact&state={home.state.iso2}&section={section}",
    ]


def _secret_words(secret) -> list[str]:
    # (Another state's section reads that state's own restricted contacts.)
    return [SECRET, secret.person.name, secret.participant.name, f"{RESTRICTED_MARK}Home"]


@pytest.mark.parametrize("who", WITHHELD)
def test_the_feed_never_names_what_a_restricted_contact_withholds(client, secret_world, who):
    world, secret = secret_world
    sign_in(client, getattr(world, who))
    for url in _feed_urls(world):
        soup = page(client, url)
        body = text(soup)
        for word in _secret_words(secret):
            assert word not in body, (url, word)
        html = str(soup)
        assert f"/representatives/{secret.person.id}" not in html, url
        assert f"/interactions/{secret.contact.id}" not in html, url


@pytest.mark.parametrize("who", WITHHELD)
def test_a_restricted_contact_shows_only_that_it_happened_its_date_and_state(
    client, secret_world, who
):
    world, _secret = secret_world
    sign_in(client, getattr(world, who))
    soup = page(client, f"/activity?kind=contact&state={world.home.state.iso2}")
    hidden = [li for li in soup.select("ol.activity > li") if li.select(".restricted-contact")]
    # The world's own restricted contact and the secret one.
    assert len(hidden) == 2
    for li in hidden:
        # Its words: the tag, the day and the state; its only link, the state's page.
        words = text(li)
        assert re.fullmatch(ONLY_THE_DAY, words), words
        assert [a["href"] for a in li.find_all("a")] == [f"/states/{world.home.state.iso2}"]
        # No exact moment in the markup either.
        assert li.find("time") is None


@pytest.mark.parametrize("who", WITHHELD + ALLOWED)
def test_the_feed_counts_a_states_contacts_as_its_own_list_does(client, secret_world, who):
    """Filtering by state, by the state's section or by kind answers nothing the state's list
    of contacts does not: the same number of contacts, restricted ones included."""
    world, _secret = secret_world
    home = world.home
    sign_in(client, getattr(world, who))
    listed = page(client, f"/states/{home.state.iso2}/interactions")
    in_list = len(listed.select("ol.activity > li"))
    for url in (
        f"/activity?kind=contact&state={home.state.iso2}",
        f"/activity?kind=contact&section={home.state.sections[0].id}",
    ):
        soup = page(client, url)
        assert len(soup.select("ol.activity > li")) == in_list, url
        assert f"{in_list} items, newest first" in text(soup)
    assert in_list == 3  # the world's two contacts, and the secret one


@pytest.mark.parametrize(
    ("who", "shown"), [(w, False) for w in WITHHELD] + [(w, True) for w in ALLOWED]
)
def test_a_stance_seen_in_a_restricted_contact_is_news_only_for_those_who_may_read_it(
    client, secret_world, who, shown
):
    world, secret = secret_world
    sign_in(client, getattr(world, who))
    soup = page(client, f"/activity?kind=stance&state={world.home.state.iso2}")
    # The world's three public stances, its restricted one, and the secret one.
    assert len(soup.select("ol.activity > li")) == (5 if shown else 3)
    assert (secret.person.name in text(soup)) is shown


@pytest.mark.parametrize("who", ALLOWED)
def test_those_who_may_read_it_see_the_restricted_contact_whole(client, secret_world, who):
    world, secret = secret_world
    sign_in(client, getattr(world, who))
    body = text(page(client, f"/activity?state={world.home.state.iso2}"))
    assert secret.person.name in body
    assert secret.participant.name in body
    assert f"{SECRET} summary" in body


@pytest.mark.parametrize("who", WITHHELD)
def test_an_overdue_follow_up_of_a_restricted_contact_shows_only_its_due_date_and_status(
    client, secret_world, who
):
    world, secret = secret_world
    sign_in(client, getattr(world, who))
    for url in ("/activity/overdue", f"/activity/overdue?state={world.home.state.iso2}"):
        soup = page(client, url)
        body = text(soup)
        for word in _secret_words(secret):
            assert word not in body, (url, word)
        [item] = soup.select("ul.activity > li")
        words = text(item)
        assert re.fullmatch(r"Due \d\d \w{3} \d{4} Overdue Home land Restricted follow-up", words)
        assert [a["href"] for a in item.find_all("a")] == [
            f"/states/{world.home.state.iso2}/follow-ups"
        ]
        assert not item.find("form")


@pytest.mark.parametrize("who", ALLOWED)
def test_those_who_may_read_it_see_the_overdue_follow_up_whole(client, secret_world, who):
    world, secret = secret_world
    sign_in(client, getattr(world, who))
    body = text(page(client, "/activity/overdue"))
    assert f"{SECRET} follow-up" in body
    assert f"Assigned to {secret.participant.name}" in body
