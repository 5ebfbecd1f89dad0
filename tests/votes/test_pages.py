"""The recorded vote on the stage page, and the cost of the vote pages."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from crm.auth.models import Role
from crm.extensions import db
from crm.parliament.models import Membership, Representative
from crm.states.models import StageResult
from crm.votes import services
from crm.votes.models import VoteOption
from tests.conftest import counting_queries, login, sign_in
from tests.factories import PASSWORD, UserFactory
from tests.pages import page, text
from tests.world import RESTRICTED_MARK, build_world


def _today() -> date:
    return date.today()


def _record(world, stage, roll_call, counts=None):
    services.record_vote(
        world.coordinator,
        stage,
        held_on=_today(),
        result=StageResult.FAIL,
        counts=counts or dict.fromkeys(VoteOption),
        roll_call=roll_call,
        motion="That the agreement be ratified.",
        source="https://parliament.example/votes/12",
    )
    db.session.commit()


@pytest.mark.parametrize("who", ["staff", "other_member", "member", "coordinator"])
def test_everyone_reads_a_held_votes_result_and_roll_call(client, world, who):
    stage = world.home.stages[1]
    reps = world.home.reps
    _record(
        world, stage, {reps[0]: VoteOption.YES, reps[1]: VoteOption.NO, reps[2]: VoteOption.PAIRED}
    )
    login(client, getattr(world, who).email, PASSWORD)
    soup = page(client, f"/stages/{stage.id}")
    body = text(soup)
    assert "Held" in body
    assert "Fail" in body
    assert "That the agreement be ratified." in body
    link = soup.find("a", href="https://parliament.example/votes/12")
    assert link["rel"] == ["noopener", "noreferrer"]
    counts = soup.select_one("table.vote-counts")
    assert [td.get_text(strip=True) for td in counts.select("tbody td")] == [
        "1",
        "1",
        "0",
        "0",
        "0",
        "1",
    ]
    rows = soup.select("table.roll-call-table tbody tr")
    assert sorted(r.find("th").get_text(strip=True) for r in rows) == sorted(
        r.name for r in reps[:3]
    )
    # The member whose vote was not entered is not listed.
    assert reps[3].name not in body
    assert RESTRICTED_MARK not in body


def test_a_source_that_is_not_a_web_address_is_shown_as_text(client, world):
    stage = world.home.stages[1]
    services.record_vote(
        world.coordinator,
        stage,
        held_on=_today(),
        result=StageResult.PASS,
        counts=dict.fromkeys(VoteOption),
        roll_call={},
        source="javascript:alert(1)",
    )
    db.session.commit()
    sign_in(client, world.staff.email)
    soup = page(client, f"/stages/{stage.id}")
    assert not soup.find("a", href="javascript:alert(1)")
    assert "javascript:alert(1)" in text(soup)
    assert "No individual votes were recorded." in text(soup)


def _grow(world, size: int) -> None:
    chamber = world.home.chamber
    chamber.seats = 400
    for n in range(size):
        rep = Representative(state=world.home.state, name=f"Deputy {n}", sort_name=f"Deputy {n}")
        db.session.add(rep)
        db.session.add(
            Membership(
                representative=rep,
                chamber=chamber,
                party=world.home.parties[n % 2],
                start_date=_today() - timedelta(days=30),
            )
        )
    db.session.commit()


def test_vote_pages_make_a_fixed_number_of_queries(fresh_app):
    measured = []
    for size in (2, 30):
        with fresh_app() as app:
            world = build_world()
            _grow(world, size)
            stage = world.home.stages[1]
            members = db.session.query(Representative).filter_by(state_id=world.home.state.id)
            _record(world, stage, dict.fromkeys(members, VoteOption.YES))
            admin = UserFactory(role=Role.ADMIN)
            client = app.test_client()
            sign_in(client, admin.email)
            urls = [
                f"/stages/{stage.id}",
                f"/stages/{stage.id}/vote",
                f"/states/{world.home.state.iso2}/agreement",
            ]
            client.get(urls[0])
            counts = []
            for url in urls:
                with counting_queries() as counter:
                    assert client.get(url).status_code == 200
                counts.append(counter.count)
            measured.append(counts)
    assert measured[0] == measured[1]
