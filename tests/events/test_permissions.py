"""Who may open and change events: role × route × own or another state's records (SPEC §1)."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token
from tests.pages import page
from tests.world import Side, World

# Who may write which event, route by route, is checked with every other write route in
# tests/test_write_routes.py (tests/events/routes.py).
USERS = ("member", "other_member", "coordinator", "staff", "admin")
# Who may write in each side's state.
WRITERS = {"home": {"member", "admin"}, "other": {"other_member", "admin"}}


def _side(world: World, name: str) -> Side:
    return getattr(world, name)


READ_PAGES = [
    "/events",
    "/events?when=past",
    "/events/calendar",
    "/states/{iso2}/events",
    "/states/{iso2}/events/calendar",
    "/events/{event}",
]
FORM_PAGES = [
    "/states/{iso2}/events/new",
    "/events/{event}/edit",
    "/events/{event}/invitations/new",
]


def _url(template: str, side: Side) -> str:
    return template.format(iso2=side.state.iso2, event=side.event.id)


@pytest.mark.parametrize("who", USERS)
def test_everyone_signed_in_reads_every_states_events(sign_in, world, who):
    client = sign_in(who)
    for side in ("home", "other"):
        for template in READ_PAGES:
            page(client, _url(template, _side(world, side)))


@pytest.mark.parametrize("side", ["home", "other"])
@pytest.mark.parametrize("who", USERS)
def test_only_the_states_section_and_admins_open_the_forms(sign_in, world, who, side):
    client = sign_in(who)
    expected = 200 if who in WRITERS[side] else 403
    for template in FORM_PAGES:
        url = _url(template, _side(world, side))
        assert client.get(url).status_code == expected, url


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    for template in READ_PAGES + FORM_PAGES:
        response = client.get(_url(template, world.home))
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


# --- Every write route, against each state's records ---------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/events/987654"),
        ("get", "/events/987654/edit"),
        ("get", "/events/987654/invitations/new"),
        ("get", "/states/ZZ/events"),
        ("get", "/states/ZZ/events/calendar"),
        ("get", "/states/ZZ/events/new"),
        ("post", "/events/987654/cancel"),
        ("post", "/events/987654/archive"),
        ("post", "/events/987654/restore"),
        ("post", "/events/987654/invitations/new"),
        ("post", "/events/{event}/invitations/987654"),
        ("post", "/events/{event}/invitations/987654/remove"),
    ],
)
def test_unknown_records_are_not_found(sign_in, world, method, url):
    client = sign_in("admin")
    url = url.format(event=world.home.event.id)
    if method == "get":
        assert client.get(url).status_code == 404
    else:
        token = csrf_token(client.get("/account").text)
        assert client.post(url, data={"csrf_token": token}).status_code == 404


def test_a_lower_case_state_code_redirects(sign_in, world):
    client = sign_in("staff")
    iso2 = world.home.state.iso2
    response = client.get(f"/states/{iso2.lower()}/events?when=past")
    assert response.status_code == 301
    assert response.headers["Location"] == f"/states/{iso2}/events?when=past"


def test_buttons_appear_only_for_those_who_may_use_them(sign_in, world):
    event = world.home.event
    for who, can in (("member", True), ("other_member", False), ("coordinator", False),
                     ("staff", False), ("admin", True)):  # fmt: skip
        soup = page(sign_in(who), f"/events/{event.id}")
        assert bool(soup.find("a", href=f"/events/{event.id}/edit")) is can, who
        assert bool(soup.select("main form[action$='/cancel']")) is can, who
        assert bool(soup.select("main form.invitation-form")) is can, who
        listing = page(sign_in(who), f"/states/{world.home.state.iso2}/events")
        assert bool(listing.find("a", href=f"/states/{world.home.state.iso2}/events/new")) is can
