"""Coverage that means something: a target (60 % of the seats still to vote with a stance
under 90 days, and every one of the swing list's top ten), both set by RISK_MODEL; the
forecast says how many contacts would close the gap and is kept with those numbers; the
dashboard flags only the states below the target (and filters to them), the state's page
draws its coverage over 90 days, and the API gives the numbers."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from crm.auth.models import TokenScope
from crm.auth.services import create_token
from crm.db import today, write_intent
from crm.extensions import db
from crm.interactions.models import Confidentiality
from crm.parliament.models import Representative, Stance, StanceRecord, StanceSource
from crm.parliament.services import record_stance
from crm.parliament.services.stances import refresh_current_stances
from crm.risk import services
from crm.risk.kept import to_json
from crm.risk.model import (
    ChamberInput,
    Member,
    RiskConfig,
    StateForecast,
    StateInput,
    state_forecast,
)
from crm.risk.models import KeptForecast, RiskSnapshot, SnapshotReason
from crm.risk.queries import risk_config
from crm.risk.wording import coverage_gaps, coverage_percent, coverage_rule, target_percent
from crm.states.models import AgreementStatus, State
from crm.states.queries import active_campaign
from tests.conftest import sign_in
from tests.factories import (
    AgreementFactory,
    ChamberFactory,
    InteractionFactory,
    PartyFactory,
    StateFactory,
    seated_representative,
)
from tests.pages import page, text

FRESH, OLD, AGED = 10, 200, 100  # days since the stance was seen


def _state(world, name: str, fresh: int, old: int) -> State:
    """A state of `fresh + old` seats in one party: `fresh` undecided members seen FRESH
    days ago, and `old` members against ratification seen OLD days ago. Those are at the
    campaign's end of the scale, never on the swing list; so the swing list is the fresh
    members, all tied (one probability, one influence): the oldest stance ranks first."""
    state = StateFactory(name=name)
    AgreementFactory(campaign=world.campaign, state=state, status=AgreementStatus.BEFORE_PARLIAMENT)
    chamber = ChamberFactory(state=state, seats=fresh + old, name=f"{name} Assembly")
    party = PartyFactory(state=state)
    reps = [seated_representative(chamber, party) for _ in range(fresh + old)]
    for n, rep in enumerate(reps):
        db.session.add(
            StanceRecord(
                representative_id=rep.id,
                stance=Stance.UNDECIDED if n < fresh else Stance.AGAINST_RATIFICATION,
                source=StanceSource.PUBLIC_STATEMENT,
                observed_on=today() - timedelta(days=FRESH if n < fresh else OLD),
            )
        )
    db.session.flush()
    refresh_current_stances([rep.id for rep in reps])
    db.session.commit()
    return state


def _members(state: State, stance: Stance) -> list[Representative]:
    return list(
        db.session.scalars(
            sa.select(Representative)
            .where(Representative.state_id == state.id, Representative.stance == stance)
            .order_by(Representative.id)
        )
    )


def _age(rep: Representative, days: int) -> None:
    """Date the member's stance `days` back: not stale yet, but no longer recent."""
    db.session.execute(
        sa.update(StanceRecord)
        .where(StanceRecord.representative_id == rep.id)
        .values(observed_on=today() - timedelta(days=days))
    )
    refresh_current_stances([rep.id])
    db.session.commit()


def _result(state: State) -> services.StateRisk:
    [result] = services.forecasts(active_campaign(), today(), risk_config(), state_ids=[state.id])
    return result


def _forecast(state: State) -> StateForecast:
    return _result(state).forecast


def _numbers(f: StateForecast) -> tuple:
    return (f.coverage, f.contacts_to_target, f.swing_top_uncovered, f.coverage_flagged)


@pytest.fixture
def risk_model(app: Flask, monkeypatch):
    """Set RISK_MODEL for this test only (the worker's app outlives it)."""

    def setting(values: dict) -> RiskConfig:
        monkeypatch.setitem(app.config, "RISK_MODEL", values)
        return risk_config()

    return setting


def test_the_default_target_is_60_percent_of_seats_and_all_of_the_top_ten(app):
    assert "RISK_MODEL" not in app.config or not app.config["RISK_MODEL"]
    config = risk_config()
    assert (config.coverage_target, config.swing_target_top, config.coverage_days) == (0.6, 10, 90)
    assert (RiskConfig().coverage_target, RiskConfig().swing_target_top) == (0.6, 10)


def test_a_state_at_59_percent_is_flagged_with_the_contacts_that_close_the_gap(world):
    below = _forecast(_state(world, "Below", fresh=59, old=41))
    assert (below.seats_covered, below.seats_counted) == (59, 100)
    # Its top ten are all fresh: only the seats miss the target, by one contact.
    assert (below.swing_top_uncovered, below.swing_top_counted) == (0, 10)
    assert _numbers(below) == (0.59, 1, 0, True)

    at = _forecast(_state(world, "At", fresh=60, old=40))
    assert _numbers(at) == (0.6, 0, 0, False)

    far = _forecast(_state(world, "Far", fresh=12, old=88))
    assert _numbers(far) == (0.12, 48, 0, True)


def test_a_top_ten_swing_member_without_a_fresh_stance_flags_a_state_above_60_percent(world):
    state = _state(world, "Swing", fresh=70, old=30)
    assert _numbers(_forecast(state)) == (0.7, 0, 0, False)
    # One of the swing list's members, seen 100 days ago: not stale (same probability, same
    # score), first of the tied members (the oldest stance), and no longer covered.
    member = _members(state, Stance.UNDECIDED)[-1]
    _age(member, AGED)
    result = _result(state)
    first = services.swing(result, limit=10, reader=world.admin)
    assert first[0].member_id == member.id
    f = result.forecast
    assert _numbers(f) == (0.69, 0, 1, True)
    assert f.swing_top_counted == 10


def test_risk_model_sets_both_targets_and_the_old_setting_name_still_works(world, risk_model):
    state = _state(world, "Settings", fresh=70, old=30)
    _age(_members(state, Stance.UNDECIDED)[-1], AGED)
    assert _numbers(_forecast(state)) == (0.69, 0, 1, True)

    risk_model({"swing_target_top": 0})
    assert _numbers(_forecast(state)) == (0.69, 0, 0, False)
    # The member aged 100 days is the first of the list: a top of one still flags it.
    risk_model({"swing_target_top": 1})
    assert _numbers(_forecast(state)) == (0.69, 0, 1, True)
    # A longer window counts the member covered again.
    risk_model({"coverage_days": 120})
    assert _numbers(_forecast(state)) == (0.7, 0, 0, False)

    config = risk_model({"coverage_target": "0.75", "swing_target_top": 0})
    assert config.coverage_target == 0.75
    assert _numbers(_forecast(state)) == (0.69, 6, 0, True)
    config = risk_model({"coverage_flag": 0.75, "swing_target_top": "0"})
    assert (config.coverage_target, config.swing_target_top) == (0.75, 0)
    assert _numbers(_forecast(state)) == (0.69, 6, 0, True)


def test_the_swing_members_counted_are_the_list_every_reader_sees(world):
    # The first of the list met in a restricted contact yesterday: a coordinator's list
    # leaves them out (met recently), the staff's keeps them (a contact they may not see
    # was not one). The kept forecast, read by both, counts them as everyone sees them, or
    # the staff would learn from the count that someone was met.
    state = _state(world, "Restricted", fresh=70, old=30)
    member = _members(state, Stance.UNDECIDED)[-1]
    _age(member, AGED)
    InteractionFactory(
        state=state,
        representatives=[member],
        confidentiality=Confidentiality.RESTRICTED,
        occurred_at=datetime.now(UTC) - timedelta(days=1),
    )
    result = _result(state)
    assert member.id not in [e.member_id for e in services.swing(result, reader=world.admin)]
    assert services.swing(result, reader=world.staff)[0].member_id == member.id
    assert _numbers(result.forecast) == (0.69, 0, 1, True)


@pytest.mark.parametrize(
    ("share", "shown"),
    [
        (0.596, "59 %"),
        (0.5999, "59 %"),
        (0.6, "60 %"),
        (0.29, "29 %"),
        (0.0, "0 %"),
        (1.0, "100 %"),
    ],
)
def test_coverage_is_shown_rounded_down_so_a_state_below_the_target_never_reads_at_it(share, shown):
    assert coverage_percent(share) == shown


def _flagged(members: int, fresh: int, **settings: object) -> StateForecast:
    config = RiskConfig.from_mapping(settings)
    chamber = ChamberInput(
        id=1,
        name="Assembly",
        seats=members,
        majority_rule="members",
        attendance=1.0,
        members=tuple(
            Member(
                id=n,
                stance="undecided",
                stale=False,
                party_key="A",
                in_government=False,
                stance_recorded_recently=n >= members - fresh,  # the first ids rank first
            )
            for n in range(members)
        ),
    )
    return state_forecast(StateInput("block", "parliament", None, (chamber,)), config)


@pytest.mark.parametrize(
    ("members", "fresh", "settings", "gaps"),
    [
        (
            5,
            0,
            {},
            [
                "3 more contacts would reach the 60 % target",
                "5 of the 5 swing members have no stance under 90 days",
            ],
        ),
        (5, 3, {}, ["2 of the 5 swing members have no stance under 90 days"]),
        (
            20,
            19,
            {"coverage_target": 1},
            [
                "1 more contact would reach the 100 % target",
                "1 of the top 10 swing members has no stance under 90 days",
            ],
        ),
        (1, 0, {"coverage_target": 0}, ["The only swing member has no stance under 90 days"]),
        (
            4,
            0,
            {"swing_target_top": 1, "coverage_target": 0.625, "coverage_days": 60},
            [
                "3 more contacts would reach the 62.5 % target",
                "The first swing member has no stance under 60 days",
            ],
        ),
        (5, 5, {}, []),
    ],
)
def test_the_flag_says_what_would_close_the_gap(members, fresh, settings, gaps):
    forecast = _flagged(members, fresh, **settings)
    assert coverage_gaps(forecast, RiskConfig.from_mapping(settings)) == gaps
    assert forecast.coverage_flagged == bool(gaps)


def test_the_target_is_said_as_set():
    assert (target_percent(0.6), target_percent(0.625), target_percent(1)) == (
        "60 %",
        "62.5 %",
        "100 %",
    )
    assert coverage_rule(RiskConfig(swing_target_top=0)) == (
        "The coverage target: 60 % of the seats still to vote with a stance recorded in the "
        "last 90 days."
    )


def _kept(state: State) -> dict:
    db.session.rollback()
    return db.session.scalars(
        sa.select(KeptForecast.forecast).where(KeptForecast.state_id == state.id)
    ).one()


def test_a_stance_recorded_keeps_the_new_coverage_numbers_in_its_commit(world):
    state = _state(world, "Kept", fresh=59, old=41)
    old = _members(state, Stance.AGAINST_RATIFICATION)[0]
    with write_intent():
        record_stance(
            world.admin,
            old,
            stance=Stance.AGAINST_RATIFICATION,
            source=StanceSource.PRIVATE_MEETING,
            observed_on=today(),
        )
        db.session.commit()
    kept = _kept(state)
    assert (kept["seats_covered"], kept["contacts_to_target"], kept["coverage_flagged"]) == (
        60,
        0,
        False,
    )
    assert kept == to_json(_forecast(state))

    # One of the swing list's members ages out of the window (no write of ours: the kept
    # forecast cannot know), then another seat's stance is recorded: 60 seats again, but the
    # first of the swing list is not covered, and the kept forecast says so.
    _age(_members(state, Stance.UNDECIDED)[-1], AGED)
    another = _members(state, Stance.AGAINST_RATIFICATION)[1]
    assert another.stance_on == today() - timedelta(days=OLD)
    with write_intent():
        record_stance(
            world.admin,
            another,
            stance=Stance.AGAINST_RATIFICATION,
            source=StanceSource.PUBLIC_STATEMENT,
            observed_on=today(),
        )
        db.session.commit()
    kept = _kept(state)
    assert (
        kept["seats_covered"],
        kept["contacts_to_target"],
        kept["swing_top_uncovered"],
        kept["coverage_flagged"],
    ) == (60, 0, 1, True)
    assert kept == to_json(_forecast(state))


def _coverage_cells(soup) -> dict[str, object]:
    return {
        row.select_one("th abbr").get_text(strip=True): row.select_one("td.coverage-cell")
        for row in soup.select("table.risk-table tbody tr")
    }


def test_the_dashboard_flags_only_the_states_below_the_target_and_filters_to_them(world, client):
    below = _state(world, "Below", fresh=59, old=41)
    at = _state(world, "At", fresh=60, old=40)
    swing = _state(world, "Swing", fresh=70, old=30)
    _age(_members(swing, Stance.UNDECIDED)[-1], AGED)
    flagged = {
        r.state.iso2
        for r in services.forecasts(active_campaign(), today())
        if r.forecast.coverage_flagged
    }
    # The world's two states are flagged by a member of their swing list with no stance.
    assert flagged == {below.iso2, swing.iso2, world.home.state.iso2, world.other.state.iso2}

    sign_in(client, world.coordinator)
    soup = page(client, "/dashboard")
    cells = _coverage_cells(soup)
    assert set(cells) == flagged | {at.iso2}
    for iso2, cell in cells.items():
        assert bool(cell.select(".coverage-gaps li")) == (iso2 in flagged), iso2
        assert "(target 60 %)" in text(cell)
    assert text(cells[below.iso2]).startswith("59 % (target 60 %) Below the target:")
    assert [text(li) for li in cells[below.iso2].select(".coverage-gaps li")] == [
        "1 more contact would reach the 60 % target"
    ]
    assert [text(li) for li in cells[swing.iso2].select(".coverage-gaps li")] == [
        "1 of the top 10 swing members has no stance under 90 days"
    ]
    # At the target: the figure, the target and its trend (a snapshot was taken when its
    # stances were saved), no flag.
    assert text(cells[at.iso2]) == "60 % (target 60 %) 90 days: from 60 %"
    how = text(soup.find(id="how").find_next("p"))
    assert (
        "The coverage target: 60 % of the seats still to vote with a stance recorded in the "
        "last 90 days, and every one of the top 10 members of the swing list (who to meet "
        "next) too." in how
    )

    label = soup.find("label", attrs={"for": "low_coverage"})
    assert text(label) == "Only states below the coverage target"
    narrowed = _coverage_cells(page(client, "/dashboard?low_coverage=y"))
    assert set(narrowed) == flagged


def _snapshot(state: State, world, days_ago: int, coverage: float | None) -> None:
    on = today() - timedelta(days=days_ago)
    db.session.add(
        RiskSnapshot(
            state_id=state.id,
            campaign_id=world.campaign.id,
            taken_on=on,
            taken_at=datetime.combine(on, time(12), UTC),
            reason=SnapshotReason.DAILY,
            probability=0.3,
            risk=0.3,
            level="medium",
            coverage=coverage,
            chambers=[],
        )
    )


def test_the_state_page_draws_its_coverage_over_the_last_90_days(world, client):
    state = _state(world, "Trend", fresh=59, old=41)
    # (days ago, coverage): the first is older than 90 days, and one day had no seat left
    # to cover; neither is drawn.
    series = [(120, 0.9), (80, 0.30), (60, None), (40, 0.45), (5, 0.59)]
    # Only these: not the one taken when the state's stances were saved.
    db.session.execute(sa.delete(RiskSnapshot).where(RiskSnapshot.state_id == state.id))
    for days_ago, coverage in series:
        _snapshot(state, world, days_ago, coverage)
    db.session.commit()
    sign_in(client, world.staff)

    soup = page(client, f"/states/{state.iso2}/risk")
    section = soup.find(id="coverage-heading").find_parent("section")
    assert "Trend is below the target: 1 more contact would reach the 60 % target." in text(section)
    figure = section.select_one("figure.coverage-chart")
    assert text(figure.figcaption) == (
        "Coverage of Trend over the last 90 days, from its snapshots: from 30 % to 59 % at "
        "the last one; the dashed line is the 60 % target."
    )
    points = [
        tuple(float(v) for v in pair.split(","))
        for pair in figure.select_one("polyline")["points"].split()
    ]
    # The sparkline's geometry (crm/charts.py): 96 × 24 inside a margin of 2.
    assert [y for _x, y in points] == [round(2 + 20 * (1 - c), 1) for c in (0.30, 0.45, 0.59)]
    assert [x for x, _y in points] == [round(2 + 92 * (90 - d) / 90, 1) for d in (80, 40, 5)]
    target = figure.select_one("line.sparkline-target")
    assert (float(target["y1"]), float(target["y2"])) == (10.0, 10.0)  # 60 %

    # The dashboard draws it small, every state's from one query.
    sign_in(client, world.coordinator)
    cell = _coverage_cells(page(client, "/dashboard"))[state.iso2]
    assert "90 days: from 30 %" in text(cell)
    assert (
        cell.select_one(".coverage-trend polyline")["points"]
        == figure.select_one("polyline")["points"]
    )

    # A state with no snapshot yet says so.
    other = _state(world, "New", fresh=60, old=40)
    db.session.execute(sa.delete(RiskSnapshot).where(RiskSnapshot.state_id == other.id))
    db.session.commit()
    fresh = page(client, f"/states/{other.iso2}/risk")
    assert not fresh.select("figure.coverage-chart")
    assert "No coverage history yet" in text(fresh.find(id="coverage-heading").find_parent())
    assert "New meets it." in text(fresh.find(id="coverage-heading").find_parent())


def test_the_api_gives_the_target_and_what_would_close_the_gap(world, client):
    state = _state(world, "Api", fresh=59, old=41)
    _age(_members(state, Stance.UNDECIDED)[-1], AGED)
    raw, _token = create_token(None, world.staff, name="tests", scope=TokenScope.API)
    db.session.commit()
    response = client.get(
        f"/api/v1/states/{state.iso2}/risk", headers={"Authorization": f"Bearer {raw}"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    data = response.get_json()
    numbers = {
        key: data[key]
        for key in (
            "coverage",
            "coverage_target",
            "coverage_flagged",
            "seats_covered",
            "seats_counted",
            "contacts_to_target",
            "swing_target_top",
            "swing_top_counted",
            "swing_top_uncovered",
        )
    }
    assert numbers == {
        "coverage": 0.58,
        "coverage_target": 0.6,
        "coverage_flagged": True,
        "seats_covered": 58,
        "seats_counted": 100,
        "contacts_to_target": 2,
        "swing_target_top": 10,
        "swing_top_counted": 10,
        "swing_top_uncovered": 1,
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT.*", data["computed_at"])
    assert date.fromisoformat(data["computed_at"][:10]) <= today()
