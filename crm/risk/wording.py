"""The risk model's rules and figures in words a campaigner reads without the model in mind.

The model (crm/risk/model.py) decides; this module only says what it decided. The rules are
written from the configured numbers, so a changed `RISK_MODEL` changes the words with them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

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


def _capital(words: str) -> str:
    """A sentence that starts with a placeholder (the feared outcome) starts with a capital."""
    return words[:1].upper() + words[1:]


def feared(goal: str) -> str:
    """The outcome the campaign fights: what the risk is the probability of."""
    return _("ratification") if goal == "block" else _("the agreement not being ratified")


def level_rules(config: RiskConfig, goal: str = "block") -> dict[RiskLevel, str]:
    """Each level's rule in plain words, from the configured thresholds (SPEC §3.4).

    The levels are tried from critical down, so each rule is read as "and not a level above".
    Each rule is one whole sentence for the translators; a chance of exactly 50 % reads "at
    least as likely as not".
    """
    outcome = feared(goal)
    days = config.near_days
    if config.critical_probability == 0.5:
        critical = _(
            "A vote within %(days)d days, and %(outcome)s at least as likely as not "
            "(50 %% or more).",
            days=days,
            outcome=outcome,
        )
    else:
        critical = _(
            "A vote within %(days)d days, and a chance of %(outcome)s of %(chance)s or more.",
            days=days,
            outcome=outcome,
            chance=_pct(config.critical_probability),
        )
    near = _pct(config.high_near_probability)
    high_alone = config.high_probability >= config.critical_probability
    if config.high_probability == 0.5 and high_alone:
        high = _(
            "%(outcome)s at least as likely as not (50 %% or more) but no vote within "
            "%(days)d days; or a vote within %(days)d days and a chance of %(near)s or more.",
            outcome=outcome,
            days=days,
            near=near,
        )
    elif config.high_probability == 0.5:
        high = _(
            "%(outcome)s at least as likely as not (50 %% or more) (and not critical); or a "
            "vote within %(days)d days and a chance of %(near)s or more.",
            outcome=outcome,
            days=days,
            near=near,
        )
    elif high_alone:
        high = _(
            "A chance of %(outcome)s of %(chance)s or more but no vote within %(days)d days; "
            "or a vote within %(days)d days and a chance of %(near)s or more.",
            outcome=outcome,
            chance=_pct(config.high_probability),
            days=days,
            near=near,
        )
    else:
        high = _(
            "A chance of %(outcome)s of %(chance)s or more (and not critical); or a vote "
            "within %(days)d days and a chance of %(near)s or more.",
            outcome=outcome,
            chance=_pct(config.high_probability),
            days=days,
            near=near,
        )
    if config.medium_probability == 0.5:
        medium = _(
            "%(outcome)s at least as likely as not (50 %% or more), but not high or critical.",
            outcome=outcome,
        )
    else:
        medium = _(
            "A chance of %(outcome)s of %(chance)s or more, but not high or critical.",
            outcome=outcome,
            chance=_pct(config.medium_probability),
        )
    low = _(
        "A chance of %(outcome)s under %(chance)s.",
        outcome=outcome,
        chance=_pct(config.medium_probability),
    )
    return {
        RiskLevel.CRITICAL: critical,
        RiskLevel.HIGH: _capital(high),
        RiskLevel.MEDIUM: _capital(medium),
        RiskLevel.LOW: low,
    }


NO_PARLIAMENT_RULE = _l(
    "No parliament is sitting, so nothing can ratify the agreement now and no chance is "
    "computed; this changes as soon as a parliament sits again."
)


def level_names() -> dict[str, str]:
    """Each level's name as the dashboard's groups and badges say it."""
    return {
        RiskLevel.CRITICAL.value: _("Critical"),
        RiskLevel.HIGH.value: _("High"),
        RiskLevel.MEDIUM.value: _("Medium"),
        RiskLevel.LOW.value: _("Low"),
    }


def dashboard_groups(
    rows: list[Any], config: RiskConfig, goal: str, *, keep_empty_levels: bool = False
) -> list[Group]:
    """The dashboard's rows grouped by level, most urgent first, then the states with no
    sitting parliament. `rows` carry `.forecast` (a `StateForecast`) and keep their order
    within a group. Empty groups are left out, except the levels if `keep_empty_levels`."""
    rules = level_rules(config, goal)
    names = level_names()
    groups = [Group(level.value, names[level.value], rules[level], []) for level in RiskLevel]
    by_key = {g.key: g for g in groups}
    no_parliament = Group(NO_PARLIAMENT, _("No sitting parliament"), str(NO_PARLIAMENT_RULE), [])
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
        status = {"passed": _("passed"), "failed": _("failed")}.get(chamber.status, chamber.status)
        return _(
            "%(chamber)s: vote held, the agreement %(status)s.", chamber=chamber.name, status=status
        )
    values = {
        "chamber": chamber.name,
        "yes": f"{chamber.expected_yes:.0f}",
        "threshold": f"{chamber.threshold:.0f}",
        "chance": _pct(chamber.pass_probability),
        "no": f"{chamber.expected_no:.0f}",
        "present": f"{chamber.expected_present:.0f}",
    }
    rule = chamber.majority_rule
    if rule == "votes_cast":
        return _(
            "%(chamber)s: about %(yes)s yes and %(no)s no expected; passing needs more yes "
            "than no. Chance it passes: %(chance)s.",
            **values,
        )
    if rule == "two_thirds_present":
        return _(
            "%(chamber)s: about %(yes)s yes of %(present)s present expected; passing needs "
            "two thirds of those present (about %(threshold)s). Chance it passes: %(chance)s.",
            **values,
        )
    if rule == "members":
        return _(
            "%(chamber)s: about %(yes)s yes expected; passing needs %(threshold)s of its "
            "%(seats)d seats (more than half). Chance it passes: %(chance)s.",
            seats=chamber.seats,
            **values,
        )
    return _(
        "%(chamber)s: about %(yes)s yes expected; passing needs %(threshold)s of its "
        "%(seats)d seats (two thirds). Chance it passes: %(chance)s.",
        seats=chamber.seats,
        **values,
    )


def brier_verdict(score: float) -> str:
    """How a Brier score compares with a coin flip's 0.25, in a few words."""
    if score < COIN_FLIP_BRIER:
        return _("better than a coin flip")
    if score > COIN_FLIP_BRIER:
        return _("worse than a coin flip")
    return _("no better than a coin flip")


def coverage_percent(share: float) -> str:
    """A coverage share as a whole percentage, rounded down: a state just under its target
    must not read as at it (59.6 % is "59 %" beside a 60 % target, not "60 %")."""
    return f"{math.floor(share * 100 + 1e-9)} %"


def target_percent(target: float) -> str:
    """The coverage target as set: "60 %", "62.5 %"."""
    return f"{target * 100:.1f}".removesuffix(".0") + " %"


def coverage_rule(config: RiskConfig) -> str:
    """What the coverage target asks, in plain words."""
    target = target_percent(config.coverage_target)
    days = config.coverage_days
    top = config.swing_target_top
    if not top:
        return _(
            "The coverage target: %(target)s of the seats still to vote with a stance recorded "
            "in the last %(days)d days.",
            target=target,
            days=days,
        )
    if top == 1:
        return _(
            "The coverage target: %(target)s of the seats still to vote with a stance recorded "
            "in the last %(days)d days, and the first member of the swing list (who to meet "
            "next) too.",
            target=target,
            days=days,
        )
    return ngettext(
        "The coverage target: %(target)s of the seats still to vote with a stance recorded "
        "in the last %(days)d days, and every one of the top %(num)d members of the swing "
        "list (who to meet next) too.",
        "The coverage target: %(target)s of the seats still to vote with a stance recorded "
        "in the last %(days)d days, and every one of the top %(num)d members of the swing "
        "list (who to meet next) too.",
        top,
        target=target,
        days=days,
    )


def coverage_gaps(forecast: StateForecast, config: RiskConfig) -> list[str]:
    """What would bring a state below its coverage target up to it (nothing when it is at
    the target): the contacts still needed and the swing list's members not covered."""
    gaps = []
    contacts = forecast.contacts_to_target
    if contacts:
        gaps.append(
            ngettext(
                "%(num)d more contact would reach the %(target)s target",
                "%(num)d more contacts would reach the %(target)s target",
                contacts,
                target=target_percent(config.coverage_target),
            )
        )
    uncovered = forecast.swing_top_uncovered
    if uncovered:
        counted = forecast.swing_top_counted
        days = config.coverage_days
        if counted == 1 and config.swing_target_top == 1:
            gap = _("The first swing member has no stance under %(days)d days", days=days)
        elif counted == 1:
            gap = _("The only swing member has no stance under %(days)d days", days=days)
        elif counted < config.swing_target_top:
            gap = ngettext(
                "%(num)d of the %(counted)d swing members has no stance under %(days)d days",
                "%(num)d of the %(counted)d swing members have no stance under %(days)d days",
                uncovered,
                counted=counted,
                days=days,
            )
        else:
            gap = ngettext(
                "%(num)d of the top %(counted)d swing members has no stance under %(days)d days",
                "%(num)d of the top %(counted)d swing members have no stance under %(days)d days",
                uncovered,
                counted=counted,
                days=days,
            )
        gaps.append(gap)
    return gaps
