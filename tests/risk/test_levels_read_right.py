"""Levels people read right (issue 15, item 2): the dashboard groups states by level with each
level's rule beside its group, and a state where nothing can ratify says so instead of "0.0 %"."""

from __future__ import annotations

from datetime import date

import pytest

from crm.risk import services as risk_services
from crm.risk.model import ChamberForecast, RiskConfig, RiskLevel
from crm.risk.queries import risk_config
from crm.risk.wording import NO_PARLIAMENT_RULE, chamber_outlook, level_rules
from crm.states.queries import active_campaign
from tests.conftest import login
from tests.pages import page, text

GROUP_ORDER = ["critical", "high", "medium", "low", "none_sitting"]


def _groups(soup) -> dict[str, list[str]]:
    """Each group shown, in page order: its key and the ISO codes of its rows."""
    return {
        section.h2["id"].removeprefix("group-"): [
            row.select_one("abbr").get_text(strip=True)
            for row in section.select("table.risk-table tbody th[scope=row]")
        ]
        for section in soup.select("section.risk-group")
    }


def _expected_groups() -> dict[str, list[str]]:
    expected: dict[str, list[str]] = {}
    for result in risk_services.forecasts(active_campaign(), date.today()):
        f = result.forecast
        key = "none_sitting" if f.route == "none_sitting" else f.level.value
        expected.setdefault(key, []).append(result.state.iso2)
    return expected


def test_dashboard_groups_states_by_level_most_urgent_first(demo_client):
    login(demo_client, "coordinator@demo.example")
    shown = _groups(page(demo_client, "/dashboard"))
    assert list(shown) == [key for key in GROUP_ORDER if key in shown]
    assert shown == _expected_groups()
    # The demo's spread: a critical state, high ones, and Afghanistan on its own.
    assert {"critical", "high", "none_sitting"} <= set(shown)
    assert shown["none_sitting"] == ["AF"]


def test_each_group_states_its_rule_in_plain_words_beside_it(demo_client):
    login(demo_client, "coordinator@demo.example")
    soup = page(demo_client, "/dashboard")
    rules = level_rules(risk_config(), "block")
    for section in soup.select("section.risk-group"):
        key = section.h2["id"].removeprefix("group-")
        rule = section.select_one("h2 + p.level-rule").get_text(" ", strip=True)
        assert rule == (NO_PARLIAMENT_RULE if key == "none_sitting" else rules[RiskLevel(key)])
    # The model's default rules, as a campaigner reads them.
    assert rules[RiskLevel.CRITICAL] == (
        "A vote within 30 days, and ratification at least as likely as not (50 % or more)."
    )
    assert rules[RiskLevel.HIGH] == (
        "Ratification at least as likely as not (50 % or more) but no vote within 30 days; "
        "or a vote within 30 days and a chance of 30 % or more."
    )
    assert rules[RiskLevel.MEDIUM] == (
        "A chance of ratification of 15 % or more, but not high or critical."
    )
    assert rules[RiskLevel.LOW] == "A chance of ratification under 15 %."
    # The rules are no longer only at the bottom of the page.
    assert "Each level's rule is stated above its group" in text(soup)


def test_level_rules_follow_the_configured_numbers_and_the_campaign_goal():
    config = RiskConfig(
        near_days=21, critical_probability=0.7, high_probability=0.6, high_near_probability=0.4,
        medium_probability=0.2,
    )  # fmt: skip
    rules = level_rules(config, "secure")
    assert rules[RiskLevel.CRITICAL] == (
        "A vote within 21 days, and a chance of the agreement not being ratified of 70 % or more."
    )
    assert "ratified of 60 % or more (and not critical)" in rules[RiskLevel.HIGH]
    assert "a vote within 21 days and a chance of 40 % or more" in rules[RiskLevel.HIGH]
    assert rules[RiskLevel.LOW] == "A chance of the agreement not being ratified under 20 %."


def test_a_state_with_no_sitting_parliament_says_so_not_zero_percent(demo_client):
    login(demo_client, "coordinator@demo.example")
    soup = page(demo_client, "/dashboard")
    row = soup.select_one("#group-none_sitting ~ div table tbody tr")
    words = text(row)
    assert "Afghanistan" in words
    assert "No sitting parliament" in words
    assert "%" not in words  # neither "0.0 %" nor a 0 % trend
    assert not row.select(".badge.level-low")
    # The state's own risk page says the same in its headline.
    headline = text(page(demo_client, "/states/AF/risk").select_one(".risk-headline"))
    assert "No sitting parliament" in headline
    assert "0.0 %" not in headline
    assert "Low" not in headline


def test_an_executive_route_says_the_government_decides(demo_client):
    login(demo_client, "coordinator@demo.example")
    soup = page(demo_client, "/dashboard")
    india = next(
        row
        for row in soup.select("table.risk-table tbody tr")
        if row.select_one("abbr").get_text(strip=True) == "IN"
    )
    assert "the government decides, no parliamentary vote" in text(india)


def test_chambers_are_described_without_jargon(demo_client):
    login(demo_client, "coordinator@demo.example")
    body = text(page(demo_client, "/dashboard"))
    assert "against the threshold" not in body
    assert "expected no:" not in body
    assert "Where the votes stand" in body
    result = next(
        r for r in risk_services.forecasts(active_campaign(), date.today()) if r.state.iso2 == "RO"
    )
    for chamber in result.forecast.chambers:
        assert chamber_outlook(chamber) in body


@pytest.mark.parametrize("query", ["", "level=high", "q=afgh"])
def test_the_grouped_dashboard_needs_no_script_and_no_inline_style(demo_client, query):
    login(demo_client, "coordinator@demo.example")
    soup = page(demo_client, f"/dashboard?{query}")
    main = soup.find("main")
    assert main.select("section.risk-group")
    assert not main.select("script, [style], [onclick]")


def _chamber(rule: str, **values) -> ChamberForecast:
    return ChamberForecast(
        **{
            "chamber_id": 1,
            "name": "Senate",
            "majority_rule": rule,
            "seats": 100,
            "attendance": 0.9,
            "status": "pending",
            "pass_probability": 0.37,
            "model_pass_probability": 0.37,
            "expected_yes": 41.2,
            "expected_no": 38.6,
            "expected_present": 90.0,
            "threshold": 51.0,
            "threshold_label": "",
            "member_probabilities": {},
            "party_priors": {},
        }
        | values
    )


@pytest.mark.parametrize(
    ("chamber", "words"),
    [
        (
            _chamber("votes_cast", threshold=38.6),
            "Senate: about 41 yes and 39 no expected; passing needs more yes than no. "
            "Chance it passes: 37 %.",
        ),
        (
            _chamber("members"),
            "Senate: about 41 yes expected; passing needs 51 of its 100 seats (more than half). "
            "Chance it passes: 37 %.",
        ),
        (
            _chamber("two_thirds_members", threshold=67.0),
            "Senate: about 41 yes expected; passing needs 67 of its 100 seats (two thirds). "
            "Chance it passes: 37 %.",
        ),
        (
            _chamber("two_thirds_present", threshold=60.0),
            "Senate: about 41 yes of 90 present expected; passing needs two thirds of those "
            "present (about 60). Chance it passes: 37 %.",
        ),
        (_chamber("members", status="rejected"), "Senate: vote held, the agreement rejected."),
    ],
    ids=["votes-cast", "members", "two-thirds", "two-thirds-present", "held"],
)
def test_each_majority_rule_is_said_in_plain_words(chamber, words):
    assert chamber_outlook(chamber) == words
