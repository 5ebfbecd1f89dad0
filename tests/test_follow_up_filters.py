"""The follow-up lists' filters: "my follow-ups" by state and title, a state's by title."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from crm.extensions import db
from crm.interactions.models import FollowUpStatus
from tests.conftest import sign_in
from tests.factories import FollowUpFactory, section_member
from tests.pages import page, text
from tests.world import RESTRICTED_MARK


def _titles(soup) -> list[str]:
    return [s.get_text() for s in soup.select("main .activity .activity-title strong")]


@pytest.fixture
def two_states(world):
    """A member of both states with a follow-up in each, and one done."""
    home, other = world.home.state, world.other.state
    both = section_member(home, other, email="both@world.example")
    for state, title in ((home, "Call the Speaker"), (other, "Send the legal NOTE")):
        FollowUpFactory(state=state, assignee=both, title=title)
    FollowUpFactory(state=other, assignee=both, title="Old legal note", status=FollowUpStatus.DONE)
    db.session.commit()
    return both


def test_my_follow_ups_by_state(client, world, two_states):
    sign_in(client, two_states)
    assert sorted(_titles(page(client, "/follow-ups"))) == [
        "Call the Speaker",
        "Old legal note",
        "Send the legal NOTE",
    ]
    # Any case of the code; the form shows the state chosen.
    soup = page(client, f"/follow-ups?state={world.other.state.iso2.lower()}")
    assert sorted(_titles(soup)) == ["Old legal note", "Send the legal NOTE"]
    chosen = soup.find("select", attrs={"name": "state"}).find("option", selected=True)
    assert chosen["value"] == world.other.state.iso2


def test_my_follow_ups_by_title_in_any_case(client, world, two_states):
    sign_in(client, two_states)
    soup = page(client, "/follow-ups?q=Legal+note")
    assert sorted(_titles(soup)) == ["Old legal note", "Send the legal NOTE"]
    soup = page(client, f"/follow-ups?q=note&state={world.home.state.iso2}")
    assert _titles(soup) == []
    assert "matches these filters" in text(soup)


def test_a_like_wildcard_in_the_search_matches_only_itself(client, world, two_states):
    sign_in(client, two_states)
    assert _titles(page(client, "/follow-ups?q=%25")) == []
    assert _titles(page(client, "/follow-ups?q=_")) == []


def test_a_like_wildcard_in_the_search_finds_the_titles_that_hold_it(client, world, two_states):
    for title in ("Ask about the 5% quota", "Check the draft_v2 file"):
        FollowUpFactory(state=world.home.state, assignee=two_states, title=title)
    db.session.commit()
    sign_in(client, two_states)
    assert _titles(page(client, "/follow-ups?q=5%25")) == ["Ask about the 5% quota"]
    assert _titles(page(client, "/follow-ups?q=_")) == ["Check the draft_v2 file"]


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("state=ZZ", "state", "There is no state with the code “ZZ”."),
        ("q=" + "x" * 101, "q", "Search for at most 100 characters."),
    ],
)
def test_a_bad_filter_gets_its_message_next_to_it_and_is_ignored(
    client, world, two_states, query, field, message
):
    sign_in(client, two_states)
    soup = page(client, f"/follow-ups?{query}", status=400)
    assert soup.find(id=f"{field}-error").get_text(" ", strip=True).endswith(message)
    assert soup.find(id=field)["aria-invalid"] == "true"
    assert len(_titles(soup)) == 3  # the list ignores it


def test_a_states_follow_ups_by_title(client, world):
    state = world.home.state
    FollowUpFactory(state=state, title="Book the hall", due_on=date.today() + timedelta(days=3))
    db.session.commit()
    sign_in(client, world.staff)
    soup = page(client, f"/states/{state.iso2}/follow-ups?q=HALL")
    assert _titles(soup) == ["Book the hall"]
    # The status tabs keep the search.
    assert soup.find("a", href=f"/states/{state.iso2}/follow-ups?status=done&q=HALL")
    soup = page(client, f"/states/{state.iso2}/follow-ups?q=" + "x" * 101, status=400)
    assert "Search for at most 100 characters." in soup.find(id="q-error").get_text()


def test_a_title_is_found_in_any_case_of_any_alphabet(client, world):
    state = world.home.state
    for title in ("Întâlnire cu ȘEFUL comisiei", "Встреча с ПРЕДСЕДАТЕЛЕМ", "Call the chair"):
        FollowUpFactory(state=state, title=title, due_on=date.today() + timedelta(days=3))
    db.session.commit()
    sign_in(client, world.staff)
    base = f"/states/{state.iso2}/follow-ups?q="
    assert _titles(page(client, base + "șeful")) == ["Întâlnire cu ȘEFUL comisiei"]
    assert _titles(page(client, base + "ÎNTÂLNIRE")) == ["Întâlnire cu ȘEFUL comisiei"]
    assert _titles(page(client, base + "председателем")) == ["Встреча с ПРЕДСЕДАТЕЛЕМ"]


@pytest.mark.parametrize(("who", "found"), [("staff", False), ("other_member", False),
                                            ("member", True), ("coordinator", True)])  # fmt: skip
def test_a_search_never_finds_a_follow_up_the_reader_may_not_read(client, world, who, found):
    """Unfiltered, everyone sees that a restricted contact's follow-up exists, and when it is
    due; a search matching its title must not single it out (SPEC §2)."""
    state = world.home.state
    sign_in(client, getattr(world, who))
    soup = page(client, f"/states/{state.iso2}/follow-ups?q={RESTRICTED_MARK}")
    assert bool(soup.select("main .activity .activity-item")) is found
    # Without the search the follow-up is there, with its title withheld from others.
    listed = text(page(client, f"/states/{state.iso2}/follow-ups"))
    assert ("Restricted follow-up" in listed) is not found


def test_my_follow_ups_search_leaves_out_those_i_may_not_read(client, world):
    # Assigned to a member from a restricted contact of a state that is not theirs.
    world.other.restricted_follow_up.assignee = world.member
    db.session.commit()
    sign_in(client, world.member)
    assert "Restricted follow-up" in text(page(client, "/follow-ups"))
    soup = page(client, f"/follow-ups?q={RESTRICTED_MARK}")
    # Their own state's restricted follow-up, which they may read, is found; not the other.
    assert _titles(soup) == [world.home.restricted_follow_up.title]
    assert len(soup.select("main .activity .activity-item")) == 1
    assert "Restricted follow-up" not in text(soup)
