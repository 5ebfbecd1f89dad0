"""A section member's home page (`/`): their state's next things to do, first; and the
"Log a contact" and "Plan an event" buttons at the top of the state, representative and
event pages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from crm.db import today, utcnow
from crm.extensions import db
from crm.interactions.models import Confidentiality, FollowUpStatus
from crm.parliament.models import Stance
from crm.risk import services as risk_services
from crm.risk.queries import risk_config
from crm.states.home import section_home
from crm.states.models import StageStatus
from tests.conftest import counting_queries, sign_in
from tests.factories import (
    FollowUpFactory,
    InteractionFactory,
    StanceRecordFactory,
    seated_representative,
    section_member,
)
from tests.pages import page, representative_ids, text
from tests.world import RESTRICTED_MARK


def _crowd(world, n: int = 8):
    """More members in the home state than the home page lists, with stances the campaign
    could move."""
    side = world.home
    stances = [Stance.UNDECIDED, Stance.LEANING_FOR, Stance.FOR_RATIFICATION, Stance.UNKNOWN]
    reps = []
    for i in range(n):
        rep = seated_representative(
            side.chamber, side.parties[i % 2], name=f"Crowd Member {i}", influence=1 + i % 5
        )
        StanceRecordFactory(
            representative=rep, stance=stances[i % 4], observed_on=date.today() - timedelta(days=5)
        )
        reps.append(rep)
    db.session.commit()
    return reps


def _swing_ids(world, reader, limit=5):
    result = risk_services.forecasts(
        world.campaign, today(), risk_config(), state_ids=[world.home.state.id], open_only=False
    )[0]
    return [e.member_id for e in risk_services.swing(result, limit=limit, reader=reader)]


def test_a_section_members_home_is_their_state_with_log_and_plan_first(client, world):
    sign_in(client, world.member)
    soup = page(client, "/")
    iso2 = world.home.state.iso2
    main = soup.find("main")
    assert world.home.state.name in main.find("h1").get_text()
    buttons = main.select(".home-actions a")
    assert [b["href"] for b in buttons] == [
        f"/states/{iso2}/interactions/new",
        f"/states/{iso2}/events/new",
    ]
    assert buttons[0].get_text(" ", strip=True).startswith("Log a contact")
    assert buttons[1].get_text(" ", strip=True).startswith("Plan an event")
    # Nothing of the other state.
    assert world.other.state.name not in text(main)
    assert f"{RESTRICTED_MARK}Other" not in str(soup)
    assert soup.find("nav").find("a", string="Home")["aria-current"] == "page"


@pytest.mark.parametrize("who", ["coordinator", "staff", "admin"])
def test_the_home_of_those_who_watch_every_state_is_the_dashboard(client, world, who):
    sign_in(client, getattr(world, who))
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/dashboard")


def test_a_section_member_without_states_is_told_why_the_home_is_empty(client, app):
    sign_in(client, section_member())
    body = text(page(client, "/"))
    assert "not in a section responsible for a state" in body
    assert "Log a contact" not in body


def test_who_to_meet_next_is_the_risk_pages_top_five_with_log_links(client, world):
    _crowd(world)
    sign_in(client, world.member)
    expected = _swing_ids(world, world.member)
    assert len(expected) == 5  # the crowd makes the list longer than the home shows
    soup = page(client, "/")
    listed = representative_ids(soup, "main .home-targets")
    assert listed == expected
    # The risk page ranks them the same way.
    risk_page = page(client, f"/states/{world.home.state.iso2}/risk")
    assert representative_ids(risk_page, "table:has(#swing-caption)")[:5] == expected
    iso2 = world.home.state.iso2
    for rep_id in expected:
        assert soup.find("a", href=f"/states/{iso2}/interactions/new?representative={rep_id}")


def test_the_log_link_of_a_person_to_meet_opens_the_form_with_that_person(client, world):
    crowd = _crowd(world)
    sign_in(client, world.member)
    target = _swing_ids(world, world.member)[0]
    assert target in {r.id for r in crowd}
    form = page(client, f"/states/{world.home.state.iso2}/interactions/new?representative={target}")
    box = form.find("input", attrs={"name": "representatives", "value": str(target)})
    assert box is not None
    assert box.has_attr("checked")


def test_the_last_contact_of_a_person_to_meet_is_shown(client, world):
    crowd = _crowd(world)
    sign_in(client, world.member)
    target = _swing_ids(world, world.member)[0]
    rep = next(r for r in crowd if r.id == target)
    met = datetime.now(UTC) - timedelta(days=40)  # longer ago than "recently met"
    InteractionFactory(state=world.home.state, representatives=[rep], occurred_at=met)
    db.session.commit()
    soup = page(client, "/")
    item = soup.find("a", href=f"/representatives/{target}").find_parent("li")
    assert "Last contact: 40 days ago" in text(item)
    never = next(i for i in _swing_ids(world, world.member) if i != target)
    item = soup.find("a", href=f"/representatives/{never}").find_parent("li")
    assert "Last contact: never" in text(item)


def test_what_a_restricted_contact_ties_to_people_is_withheld_from_other_readers(app, world):
    """The home's reads take the reader: one who may not read the state's restricted contacts
    learns from them neither who was met nor when (SPEC §2), exactly as on the state's other
    pages; its own section sees both."""
    crowd = _crowd(world)
    target = _swing_ids(world, world.staff)[0]
    rep = next(r for r in crowd if r.id == target)
    met = datetime.now(UTC) - timedelta(days=20)
    InteractionFactory(
        state=world.home.state,
        representatives=[rep],
        occurred_at=met,
        confidentiality=Confidentiality.RESTRICTED,
    )
    db.session.commit()

    def home_for(reader):
        (home,) = section_home(world.member, world.campaign, today(), utcnow(), reader=reader)
        return home

    def targets(reader):
        return {t.representative.id: t.last_contact for t in home_for(reader).targets}

    assert targets(world.staff)[target] is None
    assert targets(world.other_member)[target] is None
    assert targets(world.member)[target] == met
    # The member's follow-up from the state's restricted contact is not counted for them.
    assert [f.title for f in home_for(world.staff).follow_ups] == [world.home.follow_up.title]
    assert home_for(world.staff).open_follow_ups == 1
    assert home_for(world.member).open_follow_ups == 2


def test_follow_ups_due_are_the_members_own_overdue_first(client, world):
    state, member = world.home.state, world.member
    soon = FollowUpFactory(
        state=state, assignee=member, title="Soon", due_on=date.today() + timedelta(days=2)
    )
    late = FollowUpFactory(
        state=state, assignee=member, title="Late", due_on=date.today() - timedelta(days=2)
    )
    FollowUpFactory(state=state, assignee=world.other_member, title="Someone else's")
    FollowUpFactory(state=state, assignee=member, title="Done", status=FollowUpStatus.DONE)
    db.session.commit()
    sign_in(client, member)
    soup = page(client, "/")
    section = soup.find(id=f"follow-ups-{state.iso2}")
    items = section.find_next("ul").find_all("li", class_="activity-item")
    titles = [li.find("strong").get_text() for li in items]
    assert titles.index(late.title) < titles.index(soon.title)
    assert "Someone else's" not in titles
    assert "Done" not in titles
    # The world's two (one from its restricted contact, which this member may read), these two.
    assert "4 open, 1 overdue" in text(section)


def test_follow_ups_the_member_may_not_read_are_neither_listed_nor_counted(client, world):
    # Assigned to the member, from the other state's restricted contact: not theirs to read.
    other = world.other
    FollowUpFactory(
        state=world.home.state, assignee=world.member, title="Plain", due_on=date.today()
    )
    hidden = other.restricted_follow_up
    hidden.assignee = world.member
    db.session.commit()
    sign_in(client, world.member)
    soup = page(client, "/")
    assert f"{RESTRICTED_MARK}Other" not in str(soup)
    assert "Restricted follow-up" not in text(soup)
    section = soup.find(id=f"follow-ups-{world.home.state.iso2}")
    assert "3 open" in text(section)


def test_next_stages_and_events_of_the_state(client, world):
    side = world.home
    held = side.stages[0]
    held.status = StageStatus.HELD
    db.session.commit()
    sign_in(client, world.member)
    soup = page(client, "/")
    stages = soup.find(id=f"stages-{side.state.iso2}").find_next("ul")
    assert [a["href"] for a in stages.find_all("a")] == [f"/stages/{side.stages[1].id}"]
    events = soup.find(id=f"events-{side.state.iso2}").find_next("ul")
    assert events.find("a", href=f"/events/{side.event.id}")
    assert not soup.find("a", href=f"/events/{world.other.event.id}")


def test_the_home_reads_in_a_fixed_number_of_queries(client, world):
    sign_in(client, world.member)
    client.get("/")
    with counting_queries() as small:
        assert client.get("/").status_code == 200
    _crowd(world, 30)
    for rep in world.home.reps:
        FollowUpFactory(state=world.home.state, assignee=world.member, representative=rep)
    db.session.commit()
    with counting_queries() as large:
        assert client.get("/").status_code == 200
    assert small.count == large.count
    # Sign-in, campaign, follow-ups, stages, events, the forecast, people, last contacts.
    assert large.count <= 28, large.statements


# --- "Log a contact" and "Plan an event" at the top of the other pages ----------------------


def _top_actions(soup):
    """The links before the page's first fact list or section: what a phone shows first."""
    main = soup.find("main")
    first_block = main.find(["dl", "section"])
    return [a for a in first_block.find_all_previous("a") if main in a.parents][::-1]


def test_the_state_page_offers_log_and_plan_first_to_its_section(client, world):
    iso2 = world.home.state.iso2
    sign_in(client, world.member)
    soup = page(client, f"/states/{iso2}")
    top = [a["href"] for a in _top_actions(soup)]
    assert f"/states/{iso2}/interactions/new" in top
    assert f"/states/{iso2}/events/new" in top
    # Once: a second link of the same name would make "the" link ambiguous.
    assert len(soup.find_all("a", href=f"/states/{iso2}/interactions/new")) == 1


@pytest.mark.parametrize("who", ["other_member", "staff", "coordinator"])
def test_the_state_page_offers_no_log_or_plan_to_others(client, world, who):
    iso2 = world.home.state.iso2
    sign_in(client, getattr(world, who))
    soup = page(client, f"/states/{iso2}")
    # Coordinators log contacts in any state (SPEC §1), but plan no events.
    logs = soup.find("a", href=f"/states/{iso2}/interactions/new")
    assert (logs is not None) is (who == "coordinator")
    assert not soup.find("a", href=f"/states/{iso2}/events/new")


def test_the_representative_page_offers_log_a_contact_first_prefilled(client, world):
    rep = world.home.reps[0]
    href = f"/states/{world.home.state.iso2}/interactions/new?representative={rep.id}"
    sign_in(client, world.member)
    soup = page(client, f"/representatives/{rep.id}")
    assert href in [a["href"] for a in _top_actions(soup)]
    assert len(soup.find_all("a", href=href)) == 1
    sign_in(client, world.other_member)
    assert not page(client, f"/representatives/{rep.id}").find("a", href=href)


def test_the_events_list_offers_plan_an_event_in_the_readers_own_states(client, world):
    home, other = world.home.state, world.other.state
    sign_in(client, world.member)
    soup = page(client, "/events")
    assert soup.find("a", href=f"/states/{home.iso2}/events/new")
    assert not soup.find("a", href=f"/states/{other.iso2}/events/new")

    both = section_member(home, other, email="both@world.example")
    sign_in(client, both)
    soup = page(client, "/events")
    for state in (home, other):
        link = soup.find("a", href=f"/states/{state.iso2}/events/new")
        assert link
        assert state.name in link.get_text()

    sign_in(client, world.staff)
    assert "/events/new" not in str(page(client, "/events"))
