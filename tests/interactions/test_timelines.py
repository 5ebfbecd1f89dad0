"""Contacts on the state and representative pages and in the state's list: newest first."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from crm.interactions.models import InteractionKind
from tests.conftest import sign_in
from tests.factories import InteractionFactory
from tests.pages import page
from tests.world import build_world

_CONTACT = re.compile(r"^/interactions/(\d+)$")


def _contact_ids(soup, heading_id: str | None = None) -> list[int]:
    scope = soup.find(id=heading_id).find_next("ol") if heading_id else soup.find("main")
    return [
        int(m.group(1)) for a in scope.find_all("a", href=True) if (m := _CONTACT.match(a["href"]))
    ]


def _three_contacts(world):
    now = datetime.now(UTC)
    rep = world.home.reps[0]
    return [
        InteractionFactory(
            state=world.home.state,
            representatives=[rep],
            occurred_at=now - timedelta(hours=hours),
            kind=InteractionKind.CALL,
            summary=f"Call {hours} hours ago",
        )
        for hours in (30, 2, 50)
    ]


def test_the_state_page_and_the_representative_page_list_contacts_newest_first(client, app):
    world = build_world()
    older, newest, oldest = _three_contacts(world)
    sign_in(client, world.member.email)
    state_page = page(client, f"/states/{world.home.state.iso2}")
    ids = _contact_ids(state_page, "contacts-heading")
    assert ids.index(newest.id) < ids.index(older.id) < ids.index(oldest.id)
    rep_page = page(client, f"/representatives/{world.home.reps[0].id}")
    ids = _contact_ids(rep_page, "contacts-heading")
    assert ids == [newest.id, older.id, oldest.id, world.home.interaction.id]


def test_a_states_contacts_are_paginated_and_filtered(client, app):
    world = build_world()
    app.config["PAGE_SIZE"] = 2
    older, newest, oldest = _three_contacts(world)
    iso2 = world.home.state.iso2
    sign_in(client, world.staff.email)
    first = page(client, f"/states/{iso2}/interactions")
    # Newest first: the restricted one (a day ago) shows as a date only, without a link.
    assert _contact_ids(first) == [newest.id]
    assert "Page 1 of 3" in first.get_text()

    calls = page(client, f"/states/{iso2}/interactions?kind=call&page=2")
    assert _contact_ids(calls) == [oldest.id]
    assert "kind=call" in calls.find("a", rel="prev")["href"]

    with_rep = page(
        client, f"/states/{iso2}/interactions?representative={world.home.reps[0].id}&page=1"
    )
    assert _contact_ids(with_rep) == [newest.id, older.id]
    other_rep = world.other.reps[0].id
    assert client.get(f"/states/{iso2}/interactions?representative={other_rep}").status_code == 400
    assert client.get(f"/states/{iso2}/interactions?kind=party").status_code == 400
    assert client.get(f"/states/{iso2}/interactions?page=0").status_code == 400
    assert client.get("/states/QQ7/interactions").status_code == 404
