"""Overdue follow-ups of every state, grouped by the sections that keep the states, for
coordinators and admins: each with its due date, state and assignee."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from crm.extensions import db
from crm.interactions.models import FollowUpStatus
from tests.conftest import sign_in
from tests.factories import FollowUpFactory, SectionFactory, StateFactory
from tests.pages import page, text
from tests.world import build_world


def _late(state, title: str, days: int, **kwargs):
    return FollowUpFactory(
        state=state, title=title, due_on=date.today() - timedelta(days=days), **kwargs
    )


def _groups(soup) -> dict[str, list[str]]:
    return {
        section.find("h2").get_text(strip=True): [
            li.select_one(".activity-title").get_text(strip=True)
            for li in section.select("li.activity-item")
        ]
        for section in soup.select("section.overdue-section")
    }


@pytest.fixture
def late_world(app):
    world = build_world()
    home, other = world.home.state, world.other.state
    _late(home, "Home late by five", 5, assignee=world.member)
    _late(home, "Home late by one", 1)
    _late(other, "Other late by two", 2, assignee=world.other_member)
    _late(home, "Home done long ago", 9, status=FollowUpStatus.DONE)
    FollowUpFactory(state=home, title="Home due today", due_on=date.today())
    FollowUpFactory(state=home, title="Home without a day", due_on=None)
    # A state no section keeps, and a section sharing the other state.
    _late(StateFactory(name="Lonely land"), "Lonely late", 3)
    SectionFactory(name="Zeta section", states=[other])
    db.session.commit()
    return world


def test_overdue_follow_ups_are_grouped_by_section_longest_overdue_first(client, late_world):
    world = late_world
    sign_in(client, world.coordinator)
    soup = page(client, "/activity/overdue")
    groups = _groups(soup)
    home_section = world.home.state.sections[0].name
    other_section = next(s.name for s in world.other.state.sections if s.name != "Zeta section")
    assert groups[home_section] == ["Home late by five", "Home late by one"]
    # A state kept by two sections is listed under each.
    assert groups[other_section] == ["Other late by two"]
    assert groups["Zeta section"] == ["Other late by two"]
    assert groups["States no section keeps"] == ["Lonely late"]
    assert list(groups)[-1] == "States no section keeps"
    body = text(soup)
    for never in ("Home done long ago", "Home due today", "Home without a day"):
        assert never not in body
    assert "5 overdue follow-ups." in body


def test_each_overdue_follow_up_shows_its_due_date_state_and_assignee(client, late_world):
    world = late_world
    sign_in(client, world.admin)
    soup = page(client, "/activity/overdue")
    [item] = [li for li in soup.select("li.activity-item") if "Home late by five" in text(li)]
    words = text(item)
    due = (date.today() - timedelta(days=5)).strftime("%d %b %Y")
    assert f"Due {due}" in words
    assert "Overdue" in words
    assert "Home land" in words
    assert "Assigned to Home Member" in words
    unassigned = next(li for li in soup.select("li.activity-item") if "by one" in text(li))
    assert "Unassigned" in text(unassigned)


def test_overdue_follow_ups_are_filtered_by_section_and_state(client, late_world):
    world = late_world
    sign_in(client, world.coordinator)
    home_section = world.home.state.sections[0]
    soup = page(client, f"/activity/overdue?section={home_section.id}")
    assert list(_groups(soup)) == [home_section.name]
    soup = page(client, f"/activity/overdue?state={world.other.state.iso2}")
    assert set(_groups(soup)) == {s.name for s in world.other.state.sections}
    assert "Home late" not in text(soup)


def test_a_coordinator_marks_an_overdue_follow_up_done_from_the_list(client, late_world):
    world = late_world
    sign_in(client, world.coordinator)
    soup = page(client, "/activity/overdue")
    item = next(li for li in soup.select("li.activity-item") if "by five" in text(li))
    form = item.find("form", action=lambda a: a and a.endswith("/done"))
    data = {i["name"]: i.get("value", "") for i in form.find_all("input")}
    response = client.post(form["action"], data=data)
    assert response.status_code == 302
    assert response.headers["Location"] == "/activity/overdue"
    assert "Home late by five" not in text(page(client, "/activity/overdue"))


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("state=Z1", "state", "There is no state with the code “Z1”."),
        ("section=0", "section", "There is no such section"),
        ("section=-4", "section", "There is no such section"),
    ],
)
def test_a_bad_overdue_filter_says_why_next_to_it(client, late_world, query, field, message):
    sign_in(client, late_world.coordinator)
    soup = page(client, f"/activity/overdue?{query}", status=400)
    assert message in text(soup.find(id=f"{field}-error"))
    assert "Home late by five" in text(soup)


def test_overdue_follow_ups_come_a_page_at_a_time(client, app, late_world):
    app.config["PAGE_SIZE"] = 2
    sign_in(client, late_world.coordinator)
    first = page(client, "/activity/overdue")
    assert len(first.select("li.activity-item")) == 2
    assert "Page 1 of 3" in text(first)
    last = page(client, "/activity/overdue?page=3")
    assert len(last.select("li.activity-item")) == 1
    assert _items_or_none(page(client, "/activity/overdue?page=99")) == []


def _items_or_none(soup) -> list:
    return soup.select("li.activity-item")
