"""The risk model of SPEC §3, checked against brute force, naive recomputation and hand sums.

Pure functions: no app, no database, no fixtures from conftest.
"""

from __future__ import annotations

import ast
import math
import random
import re
import sys
from collections import defaultdict
from dataclasses import replace
from datetime import date
from fractions import Fraction
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import crm.risk.model
from crm.risk.model import (
    RULES,
    SCALE,
    STANCES,
    ChamberInput,
    Member,
    RiskConfig,
    RiskLevel,
    StateInput,
    brier_score,
    chamber_forecast,
    contacts_to_target,
    member_probabilities,
    member_probability,
    monte_carlo_pass_probability,
    one_step,
    party_priors,
    pass_probability,
    pivotal_masses,
    risk_level,
    state_forecast,
    swing_list,
    swing_top_coverage,
)

CONFIG = RiskConfig()
ALL_RULES = sorted(RULES)


# ---------------------------------------------------------------------------------------------
# Helpers: an independent restatement of the rules, brute force, and the naive swing


def passes(rule: str, yes: int, no: int, seats: int) -> bool:
    """SPEC §2's majority rules, written directly from the wording (no shared code)."""
    present = yes + no
    if rule == "votes_cast":
        return yes > no
    if rule == "members":
        return yes > seats / 2
    if rule == "two_thirds_present":
        return present >= 1 and yes >= math.ceil(2 * present / 3)
    if rule == "two_thirds_members":
        return yes >= 1 and yes >= math.ceil(2 * seats / 3)
    raise AssertionError(rule)


def enumerate_outcomes(
    probabilities: list[float], attendance: float
) -> dict[tuple[int, int], float]:
    """Every one of the 3^n outcomes (absent / yes / no per member), gathered by (yes, no)."""
    leaves = [(1.0, 0, 0)]
    for p in probabilities:
        absent, yes, no = 1.0 - attendance, attendance * p, attendance * (1.0 - p)
        leaves = [
            leaf
            for mass, y, n in leaves
            for leaf in ((mass * absent, y, n), (mass * yes, y + 1, n), (mass * no, y, n + 1))
        ]
    cells: dict[tuple[int, int], list[float]] = defaultdict(list)
    for mass, y, n in leaves:
        cells[(y, n)].append(mass)
    return {key: math.fsum(masses) for key, masses in cells.items()}


def brute_force(cells: dict[tuple[int, int], float], rule: str, seats: int) -> float:
    return math.fsum(mass for (y, n), mass in cells.items() if passes(rule, y, n, seats))


def member(
    id: int,
    stance: str = "undecided",
    *,
    party: str | None = "A",
    governing: bool = False,
    stale: bool = False,
    **extra: object,
) -> Member:
    return Member(
        id=id, stance=stance, stale=stale, party_key=party, in_government=governing, **extra
    )


def chamber(
    members: list[Member] | tuple[Member, ...],
    rule: str = "votes_cast",
    *,
    seats: int | None = None,
    attendance: float = 1.0,
    status: str = "pending",
    id: int = 1,
) -> ChamberInput:
    return ChamberInput(
        id=id,
        name=f"Chamber {id}",
        seats=len(members) if seats is None else seats,
        majority_rule=rule,
        attendance=attendance,
        members=tuple(members),
        status=status,
    )


def state(
    *chambers: ChamberInput,
    goal: str = "block",
    route: str = "parliament",
    executive: float | None = None,
    days: int | None = None,
) -> StateInput:
    return StateInput(
        goal=goal,
        route=route,
        executive_probability=executive,
        chambers=chambers,
        days_to_next_vote=days,
    )


def random_chamber(
    rng: random.Random, size: int, rule: str, *, id: int = 1, attendance: float | None = None
) -> ChamberInput:
    members = [
        Member(
            id=id * 1000 + i,
            stance=rng.choice(sorted(STANCES)),
            stale=rng.random() < 0.3,
            party_key=rng.choice(["A", "B", "C", None]),
            in_government=rng.random() < 0.4,
            influence=rng.randint(1, 5),
            do_not_contact=rng.random() < 0.1,
            recently_met=rng.random() < 0.1,
        )
        for i in range(size)
    ]
    return chamber(
        members,
        rule,
        id=id,
        seats=size + rng.choice([0, 0, 1, 4]),
        attendance=rng.choice([0.5, 0.9, 1.0]) if attendance is None else attendance,
    )


def naive_swing(state_input: StateInput, config: RiskConfig) -> dict[int, float]:
    """The risk drop of each eligible member by recomputing the whole chamber after the move."""
    pending = [c for c in state_input.chambers if c.status == "pending"]

    def probability(chambers: list[ChamberInput], moved: dict[int, float]) -> float:
        total = 1.0
        for c in chambers:
            probs = member_probabilities(c, config)
            values = [moved.get(m.id, probs[m.id]) for m in c.members]
            total *= pass_probability(values, c.attendance, c.majority_rule, c.seats)
        return total

    before = probability(pending, {})
    drops = {}
    for c in pending:
        priors = party_priors(c, config)
        for m in c.members:
            prior = priors[m.party_key]
            new = one_step(m.stance, state_input.goal, prior, config)
            if new is None or m.do_not_contact or m.recently_met:
                continue
            after = probability(
                pending, {m.id: member_probability(replace(m, stance=new), prior, config)}
            )
            drops[m.id] = before - after if state_input.goal == "block" else after - before
    return drops


# ---------------------------------------------------------------------------------------------
# Exact pass probability against brute force


@pytest.mark.parametrize("attendance", [0.5, 0.9, 1.0])
@pytest.mark.parametrize("size", range(13))
def test_pass_probability_matches_brute_force_enumeration(size, attendance):
    rng = random.Random(1000 * size + int(attendance * 10))
    probabilities = [rng.random() for _ in range(size)]
    if size >= 3:
        # Certain and near-certain voters are where an off-by-one in a threshold shows.
        probabilities[:3] = [0.0, 1.0, 1e-9]
    cells = enumerate_outcomes(probabilities, attendance)
    for rule in ALL_RULES:
        for seats in sorted({max(size, 1), size + 1, size + 2, size + 5}):
            exact = pass_probability(probabilities, attendance, rule, seats)
            assert exact == pytest.approx(brute_force(cells, rule, seats), abs=1e-12), (rule, seats)


@settings(max_examples=200)
@given(
    probabilities=st.lists(st.floats(0.0, 1.0), max_size=60),
    attendance=st.floats(0.0, 1.0),
    w=st.sampled_from([0, 1, 2]),
)
def test_the_array_distribution_is_the_list_convolution_to_the_last_bit(
    probabilities, attendance, w
):
    # The pass probability folds members into numpy buffers for speed; the list convolution
    # (_add_member, which the swing list repeats in numpy) is the definition it must reproduce
    # exactly.
    by_list = [1.0]
    for p in probabilities:
        by_list = crm.risk.model._add_member(
            by_list, attendance * p, attendance * (1.0 - p), 1.0 - attendance, w
        )
    assert crm.risk.model._distribution(probabilities, attendance, w) == by_list


def test_chamber_forecast_uses_member_probabilities_and_matches_brute_force():
    rng = random.Random(7)
    for rule in ALL_RULES:
        c = random_chamber(rng, 9, rule, attendance=0.9)
        forecast = chamber_forecast(c, CONFIG)
        probs = [forecast.member_probabilities[m.id] for m in c.members]
        cells = enumerate_outcomes(probs, 0.9)
        assert forecast.model_pass_probability == pytest.approx(
            brute_force(cells, rule, c.seats), abs=1e-12
        )
        assert forecast.expected_yes == pytest.approx(0.9 * sum(probs))
        assert forecast.expected_present == pytest.approx(0.9 * 9)


def test_empty_chamber_never_passes():
    for rule in ALL_RULES:
        assert pass_probability([], 0.9, rule, 0) == 0.0
        assert pass_probability([], 0.9, rule, 5) == 0.0


# ---------------------------------------------------------------------------------------------
# Hand-worked examples


def test_three_undecided_members_pass_a_votes_cast_vote_half_the_time():
    # Everyone present, yes > no  <=>  at least 2 of 3 yes:
    # P = 3 * 0.5^3 + 0.5^3 = 0.375 + 0.125 = 0.5.
    assert pass_probability([0.5] * 3, 1.0, "votes_cast", 3) == pytest.approx(0.5, abs=1e-15)


def test_a_tie_fails_under_votes_cast():
    # Two members at 0.5: (yes, yes) 0.25 passes; one each 0.5 is a tie and fails; 0.25 fails.
    assert pass_probability([0.5, 0.5], 1.0, "votes_cast", 2) == pytest.approx(0.25, abs=1e-15)


def test_one_member_who_may_stay_away():
    # Present with 0.5, then yes with 0.8: 0.4. Absent: 0 yes, 0 no, not more yes than no.
    assert pass_probability([0.8], 0.5, "votes_cast", 1) == pytest.approx(0.4, abs=1e-15)


def test_two_thirds_present_counts_only_those_present():
    # Two certain yes voters, each present half the time:
    # both present 0.25 (2 of 2), one present 0.5 (1 of 1), none present 0.25 (no vote) -> 0.75.
    assert pass_probability([1.0, 1.0], 0.5, "two_thirds_present", 2) == pytest.approx(
        0.75, abs=1e-15
    )
    # Three present at 0.5: need ceil(2/3 * 3) = 2 yes -> P(>= 2 of 3) = 0.5.
    assert pass_probability([0.5] * 3, 1.0, "two_thirds_present", 3) == pytest.approx(
        0.5, abs=1e-15
    )
    # 2 yes of 3 present passes (2*3 >= 3*2); 1 yes of 2 present does not (3 < 4):
    # members [1, 1, 0] all present -> exactly 2 of 3 -> pass with probability 1.
    assert pass_probability([1.0, 1.0, 0.0], 1.0, "two_thirds_present", 3) == 1.0
    assert pass_probability([1.0, 0.0], 1.0, "two_thirds_present", 2) == 0.0


def test_members_rule_counts_vacant_seats_as_not_yes():
    # 5 seats, 3 sitting certain yes voters at attendance 0.9: need 3 yes -> all present 0.9^3.
    assert pass_probability([1.0] * 3, 0.9, "members", 5) == pytest.approx(0.729, abs=1e-15)
    # 6 seats need 4 yes: impossible with 3 members.
    assert pass_probability([1.0] * 3, 1.0, "members", 6) == 0.0


def test_two_thirds_members_threshold_is_the_ceiling():
    # 4 seats: ceil(8/3) = 3 yes. Four members at 0.5, all present:
    # P(>= 3 of 4) = (4 + 1) / 16 = 0.3125.
    assert pass_probability([0.5] * 4, 1.0, "two_thirds_members", 4) == pytest.approx(
        0.3125, abs=1e-15
    )
    # 3 seats: exactly 2 needed -> P(>= 2 of 3) = 0.5.
    assert pass_probability([0.5] * 3, 1.0, "two_thirds_members", 3) == pytest.approx(
        0.5, abs=1e-15
    )


def test_unknown_members_take_the_mean_of_their_party_and_stale_ones_move_halfway():
    c = chamber(
        [
            member(1, "for_ratification"),  # 0.95
            member(2, "against_ratification"),  # 0.05
            member(3, "unknown"),  # party mean (0.95 + 0.05) / 2 = 0.5
            member(4, "leaning_for", stale=True),  # raw 0.75 in the mean? see below
        ]
    )
    # The party mean uses raw values of known stances, stale included: (0.95+0.05+0.75)/3.
    mean = (0.95 + 0.05 + 0.75) / 3
    assert party_priors(c, CONFIG)["A"] == pytest.approx(mean)
    probs = member_probabilities(c, CONFIG)
    assert probs[3] == pytest.approx(mean)
    assert probs[4] == pytest.approx(0.75 + 0.5 * (mean - 0.75))


def test_parties_with_no_known_stance_take_the_governing_or_opposition_default():
    c = chamber(
        [
            member(1, "unknown", party="GOV", governing=True),
            member(2, "unknown", party="OPP"),
            member(3, "unknown", party=None, governing=True),
            member(4, "undecided", party=None),
        ]
    )
    probs = member_probabilities(c, CONFIG)
    # Independents never pool their stances: member 3 keeps the no-party prior.
    assert probs == {1: 0.6, 2: 0.4, 3: 0.4, 4: 0.5}


def test_a_stale_stance_with_a_fixed_prior():
    # Stale against_ratification (0.05) with an opposition default (0.4): 0.05 + 0.5 * 0.35.
    m = member(1, "against_ratification", stale=True)
    assert member_probability(m, 0.4, CONFIG) == pytest.approx(0.225)
    assert member_probability(replace(m, stance="unknown"), 0.4, CONFIG) == 0.4


def test_swing_of_one_undecided_member_among_three():
    # Three undecided (0.5), everyone present, votes_cast: P(pass) = 0.5.
    # Member 1 to leaning_against (0.25): P = P(others both yes) + P(exactly one) * 0.25
    #   = 0.25 + 0.5 * 0.25 = 0.375, so the risk falls by 0.125.
    # Influence 5 weighs it 5/3: score 0.2083...
    c = chamber([member(1, influence=5), member(2), member(3)])
    entries = swing_list(state(c), CONFIG)
    assert [e.member_id for e in entries] == [1, 2, 3]
    top = entries[0]
    assert (top.current_stance, top.new_stance) == ("undecided", "leaning_against")
    assert top.risk_drop == pytest.approx(0.125, abs=1e-15)
    assert top.score == pytest.approx(0.125 * 5 / 3, abs=1e-15)
    assert entries[1].score == pytest.approx(0.125, abs=1e-15)


def test_swing_list_ties_go_to_the_oldest_stance_then_to_the_never_observed_first():
    # Four undecided members of one party: the same move takes the same off the risk.
    dated = {1: date(2026, 3, 1), 2: None, 3: date(2025, 6, 30), 4: date(2026, 3, 1)}
    c = chamber([replace(member(i), stance_on=on) for i, on in dated.items()])
    entries = swing_list(state(c), CONFIG)
    assert len({round(e.score, 12) for e in entries}) == 1
    assert [e.member_id for e in entries] == [2, 3, 1, 4]


def test_pivotal_mass_is_the_chance_the_others_leave_the_vote_to_you():
    # votes_cast, others two members at 0.5 all present: R = yes - no of the others is -2, 0, 2
    # with 0.25, 0.5, 0.25. Member decides when R in {0, 1}: 0.5.
    assert pivotal_masses([0.5] * 3, 1.0, "votes_cast", 3) == pytest.approx([0.5] * 3)
    # members rule, 3 seats (2 yes needed), others at 0.5: decides when exactly 1 other yes: 0.5.
    assert pivotal_masses([0.5] * 3, 1.0, "members", 3) == pytest.approx([0.5] * 3)


# ---------------------------------------------------------------------------------------------
# Unanimity and certainty


@pytest.mark.parametrize("size", range(1, 11))
@pytest.mark.parametrize("attendance", [0.5, 0.9, 1.0])
def test_a_vote_that_needs_every_member_passes_with_the_product(size, attendance):
    # 2n - 1 seats with n sitting: "more than half" means all n, each present and yes.
    expected = (attendance * 0.95) ** size
    c = chamber([member(i, "for_ratification") for i in range(size)], "members", seats=2 * size - 1)
    c = replace(c, attendance=attendance)
    assert chamber_forecast(c, CONFIG).pass_probability == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("rule", ALL_RULES)
def test_certain_voters_decide_the_vote(rule):
    for size in (1, 2, 7, 40):
        assert pass_probability([1.0] * size, 1.0, rule, size) == pytest.approx(1.0, abs=1e-12)
        assert pass_probability([0.0] * size, 1.0, rule, size) == 0.0
        assert pass_probability([0.0] * size, 0.8, rule, size) == 0.0


# ---------------------------------------------------------------------------------------------
# States: routes, held votes, direction, level, coverage


def test_the_state_probability_is_the_product_over_chambers_still_to_vote():
    lower = chamber([member(i) for i in range(3)], id=1)  # 0.5 (hand example above)
    upper = chamber([member(10 + i) for i in range(2)], id=2)  # 0.25 (tie fails)
    assert state_forecast(state(lower, upper), CONFIG).probability == pytest.approx(0.125)
    passed = replace(upper, status="passed")
    assert state_forecast(state(lower, passed), CONFIG).probability == pytest.approx(0.5)
    failed = replace(upper, status="failed")
    forecast = state_forecast(state(lower, failed), CONFIG)
    assert forecast.probability == 0.0
    assert forecast.level is RiskLevel.LOW
    # The held chamber keeps its own forecast for comparison with the result.
    assert forecast.chambers[1].model_pass_probability == pytest.approx(0.25)
    assert forecast.chambers[1].pass_probability == 0.0


def test_every_chamber_already_passed_means_ratification():
    done = chamber([member(1, "against_ratification")], status="passed")
    forecast = state_forecast(state(done, days=3), CONFIG)
    assert (forecast.probability, forecast.level) == (1.0, RiskLevel.CRITICAL)
    assert forecast.coverage is None  # nobody left to lobby
    assert swing_list(state(done), CONFIG) == []


def test_executive_route_uses_the_governments_position():
    c = chamber([member(1, "against_ratification")])
    assert state_forecast(state(c, route="executive", executive=0.2), CONFIG).probability == 0.2
    # No figure entered: the configured default, the governing prior.
    assert state_forecast(state(c, route="executive"), CONFIG).probability == 0.6
    secure = state_forecast(state(c, goal="secure", route="executive", executive=0.2), CONFIG)
    assert secure.risk == pytest.approx(0.8)
    assert swing_list(state(c, route="executive", executive=0.2), CONFIG) == []


def test_no_sitting_legislature_cannot_ratify():
    c = chamber([member(1, "for_ratification")])
    block = state_forecast(state(c, route="none_sitting", days=1), CONFIG)
    assert (block.probability, block.risk, block.level) == (0.0, 0.0, RiskLevel.LOW)
    secure = state_forecast(state(c, route="none_sitting", goal="secure"), CONFIG)
    assert (secure.risk, secure.level) == (1.0, RiskLevel.HIGH)
    assert swing_list(state(c, route="none_sitting"), CONFIG) == []


def test_a_secure_campaign_fears_the_complement():
    c = chamber([member(i) for i in range(3)])
    forecast = state_forecast(state(c, goal="secure"), CONFIG)
    assert forecast.risk == pytest.approx(1 - forecast.probability)
    entries = swing_list(state(c, goal="secure"), CONFIG)
    assert {e.new_stance for e in entries} == {"leaning_for"}
    assert all(e.risk_drop == pytest.approx(0.125) for e in entries)


@pytest.mark.parametrize(
    ("risk", "days", "level"),
    [
        (0.5, 30, RiskLevel.CRITICAL),
        (0.5, 31, RiskLevel.HIGH),
        (0.5, None, RiskLevel.HIGH),
        (0.5, -2, RiskLevel.CRITICAL),  # an overdue vote is near
        (0.49, 30, RiskLevel.HIGH),
        (0.3, 30, RiskLevel.HIGH),
        (0.3, 31, RiskLevel.MEDIUM),
        (0.299, 30, RiskLevel.MEDIUM),
        (0.15, None, RiskLevel.MEDIUM),
        (0.149, 1, RiskLevel.LOW),
        (0.0, 0, RiskLevel.LOW),
        (1.0, None, RiskLevel.HIGH),
    ],
)
def test_risk_level_boundaries(risk, days, level):
    assert risk_level(risk, days, CONFIG) is level


def test_state_level_uses_days_to_the_next_vote():
    c = chamber([member(1)])
    assert state_forecast(state(c, route="executive", executive=0.5, days=30), CONFIG).level == (
        RiskLevel.CRITICAL
    )
    assert state_forecast(state(c, route="executive", executive=0.5, days=31), CONFIG).level == (
        RiskLevel.HIGH
    )


def test_coverage_counts_recent_stances_in_chambers_still_to_vote():
    recent = {"stance_recorded_recently": True}
    lower = chamber([member(1, **recent), member(2), member(3), member(4, **recent)], seats=10)
    upper = chamber([member(5, **recent)], status="passed", id=2)
    seats_only = replace(CONFIG, swing_target_top=0)
    forecast = state_forecast(state(lower, upper), seats_only)
    # 2 of the 4 sitting members of the chamber still to vote; vacant seats are nobody to meet.
    assert (forecast.seats_covered, forecast.seats_counted, forecast.coverage) == (2, 4, 0.5)
    # The default target, 60 % of 4 seats, is 2.4: three seats, one more than recorded.
    assert (forecast.contacts_to_target, forecast.coverage_flagged) == (1, True)
    half = replace(seats_only, coverage_target=0.5)
    at_half = state_forecast(state(lower, upper), half)
    assert (at_half.contacts_to_target, at_half.coverage_flagged) == (0, False)
    less = state_forecast(state(replace(lower, members=lower.members[:3]), upper), half)
    assert less.coverage == pytest.approx(1 / 3)
    assert (less.contacts_to_target, less.coverage_flagged) == (1, True)


@pytest.mark.parametrize(
    ("covered", "counted", "target", "needed"),
    [
        (59, 100, 0.6, 1),
        (60, 100, 0.6, 0),
        (61, 100, 0.6, 0),
        (0, 100, 0.6, 60),
        (2, 4, 0.6, 1),  # 2.4 seats: three
        (55, 100, 0.55, 0),  # 0.55 * 100 is 55.00000000000001 in floating point
        (54, 100, 0.55, 1),
        (0, 0, 0.6, 0),  # nothing to cover
        (3, 3, 1.0, 0),
        (0, 3, 0.0, 0),
    ],
)
def test_contacts_to_target_counts_the_seats_still_needed(covered, counted, target, needed):
    assert contacts_to_target(covered, counted, target) == needed


@given(st.integers(0, 5000), st.integers(0, 100), st.data())
def test_contacts_to_target_is_the_exact_ceiling_and_agrees_with_the_share(counted, percent, data):
    covered = data.draw(st.integers(0, counted))
    target = percent / 100
    exact = max(0, math.ceil(Fraction(percent, 100) * counted) - covered)
    assert contacts_to_target(covered, counted, target) == exact
    if counted:
        # The flag and the share shown never disagree.
        assert (exact > 0) == (covered / counted < target)


def test_a_top_swing_member_without_a_fresh_stance_flags_a_state_above_the_seat_target():
    recent = {"stance_recorded_recently": True}
    # Member 5, influence 5, is the first of the swing list; the other four are covered.
    members = [member(i, **recent) for i in range(1, 5)] + [member(5, influence=5)]
    forecast = state_forecast(state(chamber(members)), CONFIG)
    assert (forecast.coverage, forecast.contacts_to_target) == (0.8, 0)
    assert (forecast.swing_top_uncovered, forecast.swing_top_counted) == (1, 5)
    assert forecast.coverage_flagged
    # Outside the top (here the first one): not flagged.
    top_one_other = [member(i, **recent, influence=5 if i == 1 else 3) for i in range(1, 5)]
    fine = state_forecast(
        state(chamber([*top_one_other, member(5)])), replace(CONFIG, swing_target_top=1)
    )
    assert (fine.swing_top_uncovered, fine.swing_top_counted, fine.coverage_flagged) == (
        0,
        1,
        False,
    )
    # Recorded: covered.
    covered = state_forecast(
        state(chamber([*members[:4], member(5, influence=5, **recent)])), CONFIG
    )
    assert (covered.swing_top_uncovered, covered.coverage_flagged) == (0, False)


@pytest.mark.parametrize("top", [0, 1, 3, 10, 100])
def test_swing_top_coverage_counts_the_first_of_the_swing_list(top):
    # Against counting the list itself: the shortcuts (everyone in the top, all covered,
    # none covered) must say what the ranking would.
    rng = random.Random(f"top-{top}")
    for size in (0, 1, 4, 12, 40):
        for share in (0.0, 0.3, 1.0):
            lower = random_chamber(rng, size, rng.choice(ALL_RULES), id=1)
            upper = random_chamber(rng, rng.randint(0, 8), rng.choice(ALL_RULES), id=2)
            chambers = tuple(
                replace(
                    c,
                    members=tuple(
                        replace(m, stance_recorded_recently=rng.random() < share) for m in c.members
                    ),
                )
                for c in (lower, upper)
            )
            s = state(*chambers, goal=rng.choice(["block", "secure"]))
            recent = {m.id for c in chambers for m in c.members if m.stance_recorded_recently}
            first = swing_list(s, CONFIG, limit=top)
            expected = (sum(1 for e in first if e.member_id not in recent), len(first))
            assert swing_top_coverage(s, CONFIG, top) == expected
            forecast = state_forecast(s, replace(CONFIG, swing_target_top=top))
            assert (forecast.swing_top_uncovered, forecast.swing_top_counted) == expected


@settings(max_examples=150)
@given(
    probabilities=st.lists(st.sampled_from([0.0, 0.05, 0.25, 0.4, 0.5, 0.6, 1.0]), max_size=40),
    attendance=st.sampled_from([0.0, 0.5, 0.9, 1.0]),
    rule=st.sampled_from(ALL_RULES),
    extra=st.integers(0, 3),
)
def test_pivotal_masses_are_each_members_window_of_the_others(
    probabilities, attendance, rule, extra
):
    # Leaving each member out and convolving the others from scratch.
    seats = len(probabilities) + extra
    w, t = crm.risk.model._rule(rule, max(seats, len(probabilities)))
    masses = pivotal_masses(probabilities, attendance, rule, seats)
    for i, mass in enumerate(masses):
        others = probabilities[:i] + probabilities[i + 1 :]
        dist = crm.risk.model._distribution(others, attendance, w)
        lowest = -w * len(others)
        window = [dist[s - lowest] for s in range(t - 1, t + w) if 0 <= s - lowest < len(dist)]
        assert mass == pytest.approx(math.fsum(window), abs=1e-13)
    # Members of the same probability share one mass, to the bit.
    for p in set(probabilities):
        assert len({m for q, m in zip(probabilities, masses, strict=True) if q == p}) == 1


def test_swing_list_ties_in_a_large_chamber_go_by_influence_then_the_oldest_stance():
    # 300 members of three parties: members of one probability and influence tie exactly,
    # whatever their place in the chamber, so the documented tie-breaks order them.
    rng = random.Random(300)
    members = [
        Member(
            id=i,
            stance=rng.choice(SCALE),
            stale=False,
            party_key=rng.choice("ABC"),
            in_government=False,
            influence=rng.randint(1, 5),
            stance_on=date(2026, 1, 1 + rng.randrange(28)),
        )
        for i in range(300)
    ]
    entries = swing_list(state(chamber(members, "members", attendance=0.9)), CONFIG)
    on = {m.id: m.stance_on for m in members}
    influence = {m.id: m.influence for m in members}
    ties = 0
    for a, b in pairwise(entries):
        if a.score == b.score:
            ties += 1
            assert (-influence[a.member_id], on[a.member_id], a.member_id) <= (
                -influence[b.member_id],
                on[b.member_id],
                b.member_id,
            )
    assert ties > 100


def test_threshold_reported_against_expected_yes():
    members = [member(i, "for_ratification") for i in range(4)]
    votes = chamber_forecast(chamber(members, attendance=0.5), CONFIG)
    assert votes.expected_yes == pytest.approx(1.9)
    assert votes.threshold == pytest.approx(0.1)  # expected no votes
    seats = chamber_forecast(chamber(members, "two_thirds_members", seats=10), CONFIG)
    assert seats.threshold == 7.0
    assert seats.seats == 10
    present = chamber_forecast(chamber(members, "two_thirds_present", attendance=0.75), CONFIG)
    assert present.threshold == pytest.approx(2.0)  # two thirds of 3 expected present
    overfull = chamber_forecast(chamber(members, "members", seats=2), CONFIG)
    assert (overfull.seats, overfull.threshold) == (4, 3.0)  # the roster counts as seats


# ---------------------------------------------------------------------------------------------
# Swing list against the naive method


def test_one_step_moves_along_the_scale_toward_the_campaign():
    assert one_step("for_ratification", "block", 0.5, CONFIG) == "leaning_for"
    assert one_step("against_ratification", "block", 0.5, CONFIG) is None
    assert one_step("against_ratification", "secure", 0.5, CONFIG) == "leaning_against"
    assert one_step("for_ratification", "secure", 0.5, CONFIG) is None
    # Unknown: the first known stance strictly on the campaign's side of the prior.
    assert one_step("unknown", "block", 0.6, CONFIG) == "undecided"
    assert one_step("unknown", "block", 0.5, CONFIG) == "leaning_against"
    assert one_step("unknown", "block", 0.4, CONFIG) == "leaning_against"
    assert one_step("unknown", "secure", 0.4, CONFIG) == "undecided"
    assert one_step("unknown", "secure", 0.6, CONFIG) == "leaning_for"
    assert one_step("unknown", "block", 0.05, CONFIG) is None
    assert one_step("unknown", "secure", 0.95, CONFIG) is None


@pytest.mark.parametrize("goal", ["block", "secure"])
@pytest.mark.parametrize("rule", ALL_RULES)
def test_swing_list_matches_recomputing_every_move(rule, goal):
    rng = random.Random(f"{rule}-{goal}")
    for size in (0, 1, 2, 3, 5, 8, 13, 21, 30):
        lower = random_chamber(rng, size, rule, id=1)
        upper = random_chamber(rng, rng.randint(0, 12), rng.choice(ALL_RULES), id=2)
        for chambers in ((lower,), (lower, upper)):
            s = state(*chambers, goal=goal)
            entries = swing_list(s, CONFIG)
            expected = naive_swing(s, CONFIG)
            assert {e.member_id for e in entries} == set(expected)
            for e in entries:
                assert e.risk_drop == pytest.approx(expected[e.member_id], abs=1e-12)
                assert e.risk_drop >= 0.0
            scores = [e.score for e in entries]
            assert scores == sorted(scores, reverse=True)


def test_swing_list_leaves_out_do_not_contact_recently_met_and_the_end_of_the_scale():
    c = chamber(
        [
            member(1, do_not_contact=True),
            member(2, recently_met=True),
            member(3, "against_ratification"),
            member(4),
            member(5),
        ]
    )
    assert [e.member_id for e in swing_list(state(c), CONFIG)] == [4, 5]
    assert len(swing_list(state(c), CONFIG, limit=1)) == 1


def test_swing_list_of_a_545_seat_chamber_matches_naive_for_sampled_members():
    rng = random.Random(545)
    for rule in ALL_RULES:
        c = random_chamber(rng, 545, rule, attendance=0.9)
        c = replace(c, seats=545)
        s = state(c)
        entries = {e.member_id: e for e in swing_list(s, CONFIG)}
        assert len(entries) > 300
        priors = party_priors(c, CONFIG)
        probs = member_probabilities(c, CONFIG)
        values = [probs[m.id] for m in c.members]
        before = pass_probability(values, 0.9, rule, 545)
        for position in rng.sample(range(545), 8):
            m = c.members[position]
            if m.id not in entries:
                continue
            moved = list(values)
            moved[position] = member_probability(
                replace(m, stance=entries[m.id].new_stance), priors[m.party_key], CONFIG
            )
            after = pass_probability(moved, 0.9, rule, 545)
            assert entries[m.id].risk_drop == pytest.approx(before - after, abs=1e-12)


# ---------------------------------------------------------------------------------------------
# Properties


def members_strategy(max_size: int = 12) -> st.SearchStrategy[list[Member]]:
    one = st.builds(
        Member,
        id=st.integers(0, 10**6),
        stance=st.sampled_from(sorted(STANCES)),
        stale=st.booleans(),
        party_key=st.sampled_from(["A", "B", None]),
        in_government=st.booleans(),
        influence=st.integers(1, 5),
        do_not_contact=st.booleans(),
        recently_met=st.booleans(),
        stance_recorded_recently=st.booleans(),
    )
    return st.lists(one, max_size=max_size, unique_by=lambda m: m.id)


@st.composite
def chambers(draw: st.DrawFn, id: int = 1) -> ChamberInput:
    members = draw(members_strategy())
    return ChamberInput(
        id=id,
        name="Chamber",
        seats=len(members) + draw(st.integers(0, 4)),
        majority_rule=draw(st.sampled_from(ALL_RULES)),
        attendance=draw(st.sampled_from([0.0, 0.3, 0.5, 0.9, 1.0])),
        members=tuple(members),
        status=draw(st.sampled_from(["pending", "pending", "passed", "failed"])),
    )


@st.composite
def states(draw: st.DrawFn) -> StateInput:
    return StateInput(
        goal=draw(st.sampled_from(["block", "secure"])),
        route=draw(st.sampled_from(["parliament", "parliament", "executive", "none_sitting"])),
        executive_probability=draw(st.none() | st.floats(0, 1)),
        chambers=(draw(chambers(1)), draw(chambers(2))),
        days_to_next_vote=draw(st.none() | st.integers(-10, 400)),
    )


@given(states())
def test_every_probability_is_a_probability(s):
    forecast = state_forecast(s, CONFIG)
    assert 0.0 <= forecast.probability <= 1.0
    assert forecast.risk == pytest.approx(
        forecast.probability if s.goal == "block" else 1 - forecast.probability
    )
    for c in forecast.chambers:
        assert 0.0 <= c.pass_probability <= 1.0
        assert 0.0 <= c.model_pass_probability <= 1.0
        assert all(0.0 <= p <= 1.0 for p in c.member_probabilities.values())
    assert forecast.coverage is None or 0.0 <= forecast.coverage <= 1.0
    for e in swing_list(s, CONFIG):
        assert 0.0 <= e.risk_drop <= 1.0


@given(states(), st.data())
def test_moving_a_member_toward_the_campaign_never_raises_its_risk(s, data):
    """Toward against_ratification for `block`, toward for_ratification for `secure`.

    Full recomputation, party priors included: the move pushes every probability one way.
    """
    for goal in ("block", "secure"):
        s = replace(s, goal=goal)
        which = data.draw(st.sampled_from([0, 1]))
        c = s.chambers[which]
        if not c.members:
            continue
        m = data.draw(st.sampled_from(c.members))
        new = one_step(m.stance, goal, party_priors(c, CONFIG)[m.party_key], CONFIG)
        if new is None:
            continue
        moved_members = tuple(replace(x, stance=new) if x is m else x for x in c.members)
        chambers_after = list(s.chambers)
        chambers_after[which] = replace(c, members=moved_members)
        before = state_forecast(s, CONFIG).risk
        after = state_forecast(replace(s, chambers=tuple(chambers_after)), CONFIG).risk
        assert after <= before + 1e-12


@given(
    st.lists(st.floats(0, 1), max_size=14),
    st.sampled_from([0.0, 0.5, 0.9, 1.0]),
    st.sampled_from(ALL_RULES),
    st.integers(0, 3),
    st.data(),
)
def test_pass_probability_rises_with_any_members_probability(probs, attendance, rule, extra, data):
    seats = len(probs) + extra
    base = pass_probability(probs, attendance, rule, seats)
    assert 0.0 <= base <= 1.0
    if probs:
        i = data.draw(st.integers(0, len(probs) - 1))
        higher = [*probs[:i], data.draw(st.floats(probs[i], 1)), *probs[i + 1 :]]
        assert pass_probability(higher, attendance, rule, seats) >= base - 1e-12


# ---------------------------------------------------------------------------------------------
# Configuration


def test_configuration_defaults_are_spec_values():
    assert [CONFIG.stance_probability(s) for s in SCALE] == [0.95, 0.75, 0.5, 0.25, 0.05]
    assert (CONFIG.governing_prior, CONFIG.other_prior, CONFIG.stale_pull) == (0.6, 0.4, 0.5)
    assert (CONFIG.stale_days, CONFIG.coverage_days, CONFIG.recent_contact_days) == (180, 90, 14)
    assert (CONFIG.coverage_target, CONFIG.swing_target_top) == (0.6, 10)


def test_the_coverage_target_takes_its_old_name_too():
    assert RiskConfig.from_mapping({"coverage_flag": "0.5"}).coverage_target == 0.5
    config = RiskConfig.from_mapping({"coverage_target": 0.75, "swing_target_top": "5"})
    assert (config.coverage_target, config.swing_target_top) == (0.75, 5)


def test_configuration_from_plain_values_overrides_any_number():
    config = RiskConfig.from_mapping(
        {"undecided": "0.45", "governing_prior": 0.7, "near_days": "21", "stale_days": 90.0}
    )
    assert (config.undecided, config.governing_prior) == (0.45, 0.7)
    assert (config.near_days, config.stale_days) == (21, 90)
    assert config.for_ratification == 0.95
    assert RiskConfig.from_mapping({}) == RiskConfig()


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"undecided": 1.5}, "undecided must be between 0 and 1"),
        ({"other_prior": -0.1}, "other_prior must be between 0 and 1"),
        ({"stale_pull": "nan"}, "stale_pull must be a finite number"),
        ({"undecided": "half"}, "undecided must be a number"),
        ({"undecided": True}, "undecided must be a number"),
        ({"undecided": None}, "undecided must be a number"),
        ({"leaning_for": 0.4}, "leaning_for (0.4) must not be below undecided (0.5)"),
        ({"against_ratification": 0.3}, "leaning_against (0.25) must not be below"),
        ({"stale_days": -1}, "stale_days must not be negative"),
        ({"near_days": 2.5}, "near_days must be a whole number"),
        ({"near_days": "soon"}, "near_days must be a whole number"),
        ({"medium_probability": 0.4}, "medium_probability must not exceed high_near_probability"),
        ({"critical_probability": 0.4}, "high_probability must not exceed critical_probability"),
        ({"undecidd": 0.5}, "unknown risk setting(s) undecidd"),
        ({"coverage_target": 1.5}, "coverage_target must be between 0 and 1"),
        ({"coverage_flag": 0.5, "coverage_target": 0.6}, "coverage_flag is the old name"),
        ({"swing_target_top": -1}, "swing_target_top must not be negative"),
        ({"swing_target_top": 2.5}, "swing_target_top must be a whole number"),
        ({"swing_target_top": "ten"}, "swing_target_top must be a whole number"),
    ],
)
def test_configuration_errors_name_the_setting(values, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        RiskConfig.from_mapping(values)


def test_inputs_are_validated():
    with pytest.raises(ValueError, match="unknown stance"):
        member(1, "for")
    with pytest.raises(ValueError, match="influence"):
        member(1, influence=0)
    with pytest.raises(ValueError, match="majority rule"):
        chamber([], "simple")
    with pytest.raises(ValueError, match="attendance"):
        chamber([], attendance=1.2)
    with pytest.raises(ValueError, match="twice"):
        chamber([member(1), member(1)])
    with pytest.raises(ValueError, match="goal"):
        state(goal="stop")
    with pytest.raises(ValueError, match="route"):
        state(route="referendum")
    with pytest.raises(ValueError, match="executive"):
        state(route="executive", executive=2.0)


# ---------------------------------------------------------------------------------------------
# Checking forecasts


def test_brier_score():
    assert brier_score([1.0, 0.0], [True, False]) == 0.0
    assert brier_score([0.5, 0.5], [True, False]) == 0.25
    # (0.9 - 1)^2 = 0.01, (0.2 - 0)^2 = 0.04, mean 0.025
    assert brier_score([0.9, 0.2], [True, False]) == pytest.approx(0.025)
    with pytest.raises(ValueError, match="same length"):
        brier_score([0.5], [True, False])
    with pytest.raises(ValueError, match="at least one"):
        brier_score([], [])
    with pytest.raises(ValueError, match="probabilities"):
        brier_score([1.5], [True])


@pytest.mark.parametrize("rule", ALL_RULES)
def test_monte_carlo_estimate_agrees_with_the_exact_value(rule):
    rng = random.Random(3)
    members = [member(i, s) for i, s in enumerate(["for_ratification"] * 8 + ["undecided"] * 7)]
    c = chamber(members, rule, attendance=0.9, seats=16)
    exact = chamber_forecast(c, CONFIG).pass_probability
    estimate = monte_carlo_pass_probability(c, CONFIG, 20_000, rng)
    # Five standard errors of a proportion estimated from 20,000 draws.
    assert estimate == pytest.approx(exact, abs=5 * 0.5 / math.sqrt(20_000))


def test_the_model_imports_only_the_standard_library_and_numpy():
    # The pages, API, CLI and benchmarks share this arithmetic; it must not reach for the app.
    tree = ast.parse(Path(crm.risk.model.__file__).read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert imported - {"__future__", "numpy"} <= sys.stdlib_module_names
