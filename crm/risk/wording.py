"""The risk model's rules and figures in words a campaigner reads without the model in mind.

The model (crm/risk/model.py) decides; this module only says what it decided. The rules are
written from the configured numbers, so a changed `RISK_MODEL` changes the words with them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from crm.risk.model import ChamberForecast, RiskConfig, RiskLevel, StateForecast

# What always saying 50 % scores, whatever happens: (0.5 - 0)² = (0.5 - 1)² = 0.25.
COIN_FLIP_BRIER = 0.25

# The dashboard's group for states where nothing can ratify now: the model counts them 0 %
# (and so "low"), which reads as safe when the state simply has no parliament sitting.
NO_PARLIAMENT = "none_sitting"


@dataclass(frozen=True)
class Group:
    """One group of the dashboard: a level (or no sitting parliament), its rule, its rows."""

    key: str
    title: str
    rule: str
    rows: list[Any]


def _pct(p: float) -> str:
    return f"{p * 100:.0f} %"


def _chance(outcome: str, p: float) -> str:
    if p == 0.5:
        return f"{outcome} at least as likely as not (50 % or more)"
    return f"a chance of {outcome} of {_pct(p)} or more"


def _sentence(words: str) -> str:
    return words[:1].upper() + words[1:] + "."


def feared(goal: str) -> str:
    """The outcome the campaign fights: what the risk is the probability of."""
    return "ratification" if goal == "block" else "the agreement not being ratified"


def level_rules(config: RiskConfig, goal: str = "block") -> dict[RiskLevel, str]:
    """Each level's rule in plain words, from the configured thresholds (SPEC §3.4).

    The levels are tried from critical down, so each rule is read as "and not a level above".
    """
    outcome = feared(goal)
    near = f"a vote within {config.near_days} days"
    high = _chance(outcome, config.high_probability)
    if config.high_probability >= config.critical_probability:
        high += f" but no vote within {config.near_days} days"
    else:
        high += " (and not critical)"
    return {
        RiskLevel.CRITICAL: _sentence(
            f"{near}, and {_chance(outcome, config.critical_probability)}"
        ),
        RiskLevel.HIGH: _sentence(
            f"{high}; or {near} and a chance of {_pct(config.high_near_probability)} or more"
        ),
        RiskLevel.MEDIUM: _sentence(
            f"{_chance(outcome, config.medium_probability)}, but not high or critical"
        ),
        RiskLevel.LOW: _sentence(f"a chance of {outcome} under {_pct(config.medium_probability)}"),
    }


NO_PARLIAMENT_RULE = (
    "No parliament is sitting, so nothing can ratify the agreement now and no chance is "
    "computed; this changes as soon as a parliament sits again."
)


def dashboard_groups(
    rows: list[Any], config: RiskConfig, goal: str, *, keep_empty_levels: bool = False
) -> list[Group]:
    """The dashboard's rows grouped by level, most urgent first, then the states with no
    sitting parliament. `rows` carry `.forecast` (a `StateForecast`) and keep their order
    within a group. Empty groups are left out, except the levels if `keep_empty_levels`."""
    rules = level_rules(config, goal)
    groups = [Group(level.value, level.value.capitalize(), rules[level], []) for level in RiskLevel]
    by_key = {g.key: g for g in groups}
    no_parliament = Group(NO_PARLIAMENT, "No sitting parliament", NO_PARLIAMENT_RULE, [])
    for row in rows:
        if row.forecast.route == NO_PARLIAMENT:
            no_parliament.rows.append(row)
        else:
            by_key[row.forecast.level.value].rows.append(row)
    return [g for g in groups if g.rows or keep_empty_levels] + (
        [no_parliament] if no_parliament.rows else []
    )


def chamber_outlook(chamber: ChamberForecast) -> str:
    """What a chamber is expected to vote and what passing needs, in plain words."""
    if chamber.status != "pending":
        return f"{chamber.name}: vote held, the agreement {chamber.status}."
    yes = f"{chamber.expected_yes:.0f}"
    rule = chamber.majority_rule
    if rule == "votes_cast":
        expected = f"about {yes} yes and {chamber.expected_no:.0f} no expected"
        needs = "more yes than no"
    elif rule == "two_thirds_present":
        expected = f"about {yes} yes of {chamber.expected_present:.0f} present expected"
        needs = f"two thirds of those present (about {chamber.threshold:.0f})"
    else:
        share = "more than half" if rule == "members" else "two thirds"
        expected = f"about {yes} yes expected"
        needs = f"{chamber.threshold:.0f} of its {chamber.seats} seats ({share})"
    return (
        f"{chamber.name}: {expected}; passing needs {needs}. "
        f"Chance it passes: {_pct(chamber.pass_probability)}."
    )


def brier_verdict(score: float) -> str:
    """How a Brier score compares with a coin flip's 0.25, in a few words."""
    if score < COIN_FLIP_BRIER:
        return "better than a coin flip"
    if score > COIN_FLIP_BRIER:
        return "worse than a coin flip"
    return "no better than a coin flip"


def coverage_percent(share: float) -> str:
    """A coverage share as a whole percentage, rounded down: a state just under its target
    must not read as at it (59.6 % is "59 %" beside a 60 % target, not "60 %")."""
    return f"{math.floor(share * 100 + 1e-9)} %"


def target_percent(target: float) -> str:
    """The coverage target as set: "60 %", "62.5 %"."""
    return f"{target * 100:.1f}".removesuffix(".0") + " %"


def coverage_rule(config: RiskConfig) -> str:
    """What the coverage target asks, in plain words."""
    rule = (
        f"The coverage target: {target_percent(config.coverage_target)} of the seats still to "
        f"vote with a stance recorded in the last {config.coverage_days} days"
    )
    if config.swing_target_top:
        top = config.swing_target_top
        who = "the first member" if top == 1 else f"every one of the top {top} members"
        rule += f", and {who} of the swing list (who to meet next) too"
    return rule + "."


def coverage_gaps(forecast: StateForecast, config: RiskConfig) -> list[str]:
    """What would bring a state below its coverage target up to it (nothing when it is at
    the target): the contacts still needed and the swing list's members not covered."""
    gaps = []
    contacts = forecast.contacts_to_target
    if contacts:
        gaps.append(
            f"{contacts} more contact{'' if contacts == 1 else 's'} would reach the "
            f"{target_percent(config.coverage_target)} target"
        )
    uncovered = forecast.swing_top_uncovered
    if uncovered:
        counted = forecast.swing_top_counted
        if counted == 1:
            whom = f"The {'first' if config.swing_target_top == 1 else 'only'} swing member has"
        elif counted < config.swing_target_top:
            whom = f"{uncovered} of the {counted} swing members {_have(uncovered)}"
        else:
            whom = f"{uncovered} of the top {counted} swing members {_have(uncovered)}"
        gaps.append(f"{whom} no stance under {config.coverage_days} days")
    return gaps


def _have(count: int) -> str:
    return "has" if count == 1 else "have"
