"""Restricted contacts (SPEC §2): others learn only that one happened, and when — everywhere."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from crm.extensions import db
from tests.conftest import login, sign_in
from tests.factories import PASSWORD
from tests.pages import page, text
from tests.world import RESTRICTED_MARK, build_world

# Every page of the feature, and the two pages whose timelines it fills.
PAGES = [
    "/interactions/{restricted}",
    "/interactions/{normal}",
    "/states/{iso2}/interactions",
    "/states/{iso2}/interactions?representative={rep}",
    "/states/{iso2}/interactions?kind=meeting",
    "/states/{iso2}/follow-ups",
    "/states/{iso2}/follow-ups?status=done",
    "/follow-ups",
    "/states/{iso2}",
    "/representatives/{rep}",
]


def _urls(side) -> list[str]:
    values = {
        "restricted": side.restricted.id,
        "normal": side.interaction.id,
        "iso2": side.state.iso2,
        "rep": side.reps[1].id,
    }
    return [url.format(**values) for url in PAGES]


@pytest.mark.parametrize("who", ["staff", "other_member"])
def test_restricted_content_never_reaches_those_not_allowed(client, app, who):
    world = build_world()
    user = getattr(world, who)
    # Someone who has left the home section but still holds its restricted follow-up:
    # their own list must not show its text either.
    world.home.restricted_follow_up.assignee = user
    db.session.commit()
    sign_in(client, user.email)
    # (The other section's own restricted content is theirs to read: look for the home's.)
    secret = f"{RESTRICTED_MARK}Home"
    for url in _urls(world.home):
        body = client.get(url).get_data(as_text=True)
        assert secret not in body, url

    restricted = world.home.restricted
    soup = page(client, f"/interactions/{restricted.id}")
    body = text(soup)
    assert "Restricted contact" in body
    local = restricted.occurred_at.astimezone(ZoneInfo(world.home.state.timezone))
    assert local.strftime("%d %b %Y") in body
    # Not even who was met or who went.
    assert world.home.reps[1].name not in text(soup.find("main"))
    assert world.member.name not in text(soup.find("main"))
    assert "Restricted follow-up" in text(
        page(client, f"/states/{world.home.state.iso2}/follow-ups")
    )
    assert "Restricted follow-up" in text(page(client, "/follow-ups"))
    # The forms that would show the content are closed to them.
    assert client.get(f"/interactions/{restricted.id}/edit").status_code == 403
    assert client.get(f"/follow-ups/{world.home.restricted_follow_up.id}/edit").status_code == 403


def test_a_section_member_does_not_see_another_states_restricted_content(client, app):
    world = build_world()
    secret = f"{RESTRICTED_MARK}Other"
    restricted = world.other.restricted
    # The other state's own section reads the secret on its pages: it is there to be missed.
    owner = app.test_client()
    sign_in(owner, world.other_member.email)
    assert secret in owner.get(f"/interactions/{restricted.id}").get_data(as_text=True)

    sign_in(client, world.member.email)
    for url in _urls(world.other):
        response = client.get(url)
        assert response.status_code == 200, url
        assert secret not in response.get_data(as_text=True), url
    # What they do see: that a contact happened in that state, and when.
    body = text(page(client, f"/interactions/{restricted.id}"))
    assert "Restricted contact" in body
    local = restricted.occurred_at.astimezone(ZoneInfo(world.other.state.timezone))
    assert local.strftime("%d %b %Y") in body
    assert world.other.reps[1].name not in text(
        page(client, f"/interactions/{restricted.id}").find("main")
    )
    assert "Restricted follow-up" in text(
        page(client, f"/states/{world.other.state.iso2}/follow-ups")
    )
    assert client.get(f"/interactions/{restricted.id}/edit").status_code == 403


@pytest.mark.parametrize("who", ["member", "coordinator", "admin"])
def test_those_allowed_read_restricted_content(client, app, who):
    world = build_world()
    login(client, getattr(world, who).email, PASSWORD)
    side = world.home
    contact = client.get(f"/interactions/{side.restricted.id}").get_data(as_text=True)
    assert f"{RESTRICTED_MARK}Home-summary" in contact
    assert f"{RESTRICTED_MARK}Home-outcome" in contact
    assert f"{RESTRICTED_MARK}Home-stance-note" in contact
    assert f"{RESTRICTED_MARK}Home-follow-up" in contact
    listed = client.get(f"/states/{side.state.iso2}/follow-ups").get_data(as_text=True)
    assert f"{RESTRICTED_MARK}Home-follow-up" in listed
    contacts = client.get(f"/states/{side.state.iso2}/interactions").get_data(as_text=True)
    assert f"{RESTRICTED_MARK}Home-summary" in contacts
