"""The ratification-risk model of SPEC §3 as pure functions.

Nothing here touches Flask, SQLAlchemy or the database: callers build the plain input dataclasses
(`Member`, `ChamberInput`, `StateInput`) from whatever they hold and get plain results back, so the
pages, the API, the CLI, the benchmarks and the tests all run the very same arithmetic.

Modelling choices the specification leaves open, decided here once:

* **Party prior.** The mean of the *raw* scale values of the party's known stances in the chamber,
  stale ones included at their raw value. Using the pulled value would make the prior depend on
  itself (a stale stance is pulled toward the prior), and a stale stance is still the best evidence
  of where the party stands. A party counts as governing when any of its members is flagged
  `in_government`. Members with no party do not form a party: each takes `no_party_prior`, because
  independents' stances say nothing about one another.
* **Stale stance.** `p = raw + stale_pull * (prior - raw)`; `stale` on an `unknown` stance changes
  nothing (it already is the prior).
* **Outcomes.** Each member independently is absent with `1 - attendance`, votes yes with
  `attendance * p`, no with `attendance * (1 - p)`; abstentions are not modelled. Vacant seats never
  vote. A roster larger than the seat count (a membership not yet ended) is read as that many seats,
  so the data error cannot make a rule impossible or trivially met.
* **Every rule needs at least one yes vote**, which only matters for a chamber with no seats at all.
* **Executive route** without a coordinator's figure uses `executive_default` (0.6, the governing
  party prior: the government signed the agreement, so it leans toward ratifying it).
* **No sitting legislature** means nothing can ratify: probability 0.
* **Parliament route** with no chamber left to vote: the empty product, 1 — nothing left in
  parliament stands in the way, which is the safe side for a `block` campaign.
* **Risk level** is judged on the risk (the probability of the outcome the campaign fights), so a
  `secure` campaign reads its levels the same way a `block` campaign does.
* **Coverage** counts the occupied seats of the chambers still to vote (a vacant seat has nobody to
  meet and casts no vote).
* **Coverage target.** Two targets, both to be met: `coverage_target` of those seats with a stance
  recorded in the last `coverage_days`, and every one of the swing list's first
  `swing_target_top` members (the people the campaign most needs to know about). A state misses
  the first when `seats_covered < ceil(coverage_target * seats_counted)` (the seats it needs,
  computed once, so the flag and "N more contacts" never disagree by a rounding error); the
  difference is `contacts_to_target`. The swing list counted is the one the input's
  `recently_met` flags give: the caller passes the view every reader of the forecast may see.
* **Swing list.** One step on the scale toward the campaign's side. An `unknown` member moves to the
  first known stance strictly on the campaign's side of their prior (prior 0.6 and `block`:
  `undecided`; prior 0.4 and `block`: `leaning_against`). Party priors are held fixed and the member
  keeps their staleness flag: the list measures what persuading that one person is worth, not what
  re-estimating their party would do. Score = `risk_drop * influence / 3`, so an average member
  (influence 3) scores exactly their risk drop.
"""

from __future__ import annotations

import functools
import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date
from enum import StrEnum
from itertools import pairwise
from typing import Any

import numpy as np

# The string values match crm.parliament.models / crm.states.models; they are repeated here so that
# the model never imports the database layer.
UNKNOWN = "unknown"
SCALE: tuple[str, ...] = (
    "for_ratification",
    "leaning_for",
    "undecided",
    "leaning_against",
    "against_ratification",
)
STANCES: frozenset[str] = frozenset((*SCALE, UNKNOWN))
RULES: frozenset[str] = frozenset(
    ("votes_cast", "members", "two_thirds_present", "two_thirds_members")
)
GOALS: frozenset[str] = frozenset(("block", "secure"))
ROUTES: frozenset[str] = frozenset(("parliament", "executive", "none_sitting"))
CHAMBER_STATUSES: frozenset[str] = frozenset(("pending", "passed", "failed"))


class RiskLevel(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


# --------------------------------------------------------------------------------------------
# Configuration


_PROBABILITY_FIELDS = (
    *SCALE,
    "governing_prior",
    "other_prior",
    "no_party_prior",
    "executive_default",
    "stale_pull",
    "coverage_target",
    "critical_probability",
    "high_probability",
    "high_near_probability",
    "medium_probability",
)
_DAY_FIELDS = ("stale_days", "coverage_days", "near_days", "recent_contact_days")
_COUNT_FIELDS = ("swing_target_top",)
_WHOLE_FIELDS = (*_DAY_FIELDS, *_COUNT_FIELDS)


def _whole_number(name: str) -> str:
    """What a whole-number setting must be, as its error says."""
    return "a whole number of days" if name in _DAY_FIELDS else "a whole number"


# Settings renamed, still accepted under their old name in RISK_MODEL.
_ALIASES = {"coverage_flag": "coverage_target"}


@dataclass(frozen=True)
class RiskConfig:
    """Every number of the risk model; SPEC §3 wants them configurable, not hard-coded.

    The day counts (`stale_days`, `coverage_days`, `recent_contact_days`) are applied by the
    caller when it builds `Member` flags; they live here so that one object holds the model.
    """

    for_ratification: float = 0.95
    leaning_for: float = 0.75
    undecided: float = 0.5
    leaning_against: float = 0.25
    against_ratification: float = 0.05
    governing_prior: float = 0.6
    other_prior: float = 0.4
    no_party_prior: float = 0.4
    executive_default: float = 0.6
    stale_pull: float = 0.5
    stale_days: int = 180
    coverage_days: int = 90
    # Coverage targets: this share of the seats still to vote, and all of the swing list's
    # first `swing_target_top` members, with a stance recorded in the last coverage_days.
    coverage_target: float = 0.6
    swing_target_top: int = 10
    critical_probability: float = 0.5
    high_probability: float = 0.5
    high_near_probability: float = 0.3
    medium_probability: float = 0.15
    near_days: int = 30
    recent_contact_days: int = 14

    def __post_init__(self) -> None:
        for name in _PROBABILITY_FIELDS:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"risk setting {name} must be a number, not {value!r}")
            if not 0.0 <= value <= 1.0:  # also rejects NaN
                raise ValueError(f"risk setting {name} must be between 0 and 1, not {value!r}")
        for name in _WHOLE_FIELDS:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"risk setting {name} must be {_whole_number(name)}")
            if value < 0:
                raise ValueError(f"risk setting {name} must not be negative, not {value!r}")
        for higher, lower in pairwise(SCALE):
            # The swing list moves members along this scale; a scale that goes back up would
            # make "one step toward the campaign's side" a step away from it.
            if getattr(self, higher) < getattr(self, lower):
                raise ValueError(
                    f"risk setting {higher} ({getattr(self, higher)}) must not be below {lower} "
                    f"({getattr(self, lower)}): the stance scale must run from for_ratification "
                    "down to against_ratification"
                )
        levels = ("medium_probability", "high_near_probability", "high_probability")
        for lower_name, higher_name in (*pairwise(levels), (levels[-1], "critical_probability")):
            if getattr(self, lower_name) > getattr(self, higher_name):
                raise ValueError(
                    f"risk setting {lower_name} must not exceed {higher_name}: the levels must "
                    "rise medium ≤ high (vote near) ≤ high ≤ critical"
                )

    @classmethod
    def from_mapping(cls, values: Mapping[str, object]) -> RiskConfig:
        """Build a configuration from plain values (app config, environment strings), validated.

        Keys are the field names (or a renamed setting's old name, see `_ALIASES`); anything
        not given keeps its default. Numbers may be given as strings. Raises `ValueError`
        naming the offending setting.
        """
        known = {f.name for f in fields(cls)}
        for old, new in _ALIASES.items():
            if old in values:
                if new in values:
                    raise ValueError(f"risk setting {old} is the old name of {new}: give one")
                values = {(new if k == old else k): v for k, v in values.items()}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(
                f"unknown risk setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        converted: dict[str, Any] = {}
        for name, raw in values.items():
            converted[name] = _coerce(name, raw, whole=name in _WHOLE_FIELDS)
        return cls(**converted)

    def stance_probability(self, stance: str) -> float:
        """The configured probability of voting for ratification for a known stance."""
        if stance not in SCALE:
            raise ValueError(f"no probability for stance {stance!r}")
        value: float = getattr(self, stance)
        return value


def _coerce(name: str, raw: object, *, whole: bool) -> int | float:
    if isinstance(raw, bool):
        raise ValueError(f"risk setting {name} must be a number, not {raw!r}")
    value: int | float
    if isinstance(raw, int | float):
        value = raw
    elif isinstance(raw, str):
        try:
            value = int(raw) if whole else float(raw)
        except ValueError:
            kind = "a whole number" if whole else "a number"
            raise ValueError(f"risk setting {name} must be {kind}, not {raw!r}") from None
    else:
        raise ValueError(f"risk setting {name} must be a number, not {raw!r}")
    if whole:
        if isinstance(value, float):
            if not value.is_integer():
                raise ValueError(f"risk setting {name} must be {_whole_number(name)}")
            value = int(value)
        return value
    number = float(value) if abs(value) < 1e300 else math.inf
    if not math.isfinite(number):
        raise ValueError(f"risk setting {name} must be a finite number, not {raw!r}")
    return number


# --------------------------------------------------------------------------------------------
# Inputs and results


@dataclass(frozen=True)
class Member:
    """One sitting member as the model sees them.

    `stale`: the current stance is older than `stale_days`. `recently_met`: a contact in the last
    `recent_contact_days`. `stance_recorded_recently`: a stance record in the last
    `coverage_days`. The caller decides the dates; the model only reads the flags.
    """

    id: int
    stance: str
    stale: bool
    party_key: str | None
    in_government: bool
    influence: int = 3
    do_not_contact: bool = False
    recently_met: bool = False
    stance_recorded_recently: bool = False
    # When the current stance was observed (None: never). Only orders the swing list's ties;
    # a stance seen in a restricted contact comes dated by its month's end (crm.risk.queries).
    stance_on: date | None = None

    def __post_init__(self) -> None:
        if self.stance not in STANCES:
            raise ValueError(f"member {self.id}: unknown stance {self.stance!r}")
        if not 1 <= self.influence <= 5:
            raise ValueError(f"member {self.id}: influence must be 1–5, not {self.influence!r}")


@dataclass(frozen=True)
class ChamberInput:
    """A chamber that votes (or voted) on ratification: `pending`, `passed` or `failed`."""

    id: int
    name: str
    seats: int
    majority_rule: str
    attendance: float
    members: tuple[Member, ...]
    status: str = "pending"

    def __post_init__(self) -> None:
        if self.majority_rule not in RULES:
            raise ValueError(f"chamber {self.name!r}: unknown majority rule {self.majority_rule!r}")
        if self.status not in CHAMBER_STATUSES:
            raise ValueError(f"chamber {self.name!r}: unknown status {self.status!r}")
        if not 0.0 <= self.attendance <= 1.0:
            raise ValueError(f"chamber {self.name!r}: attendance must be in [0, 1]")
        if self.seats < 0:
            raise ValueError(f"chamber {self.name!r}: seats must not be negative")
        if len({m.id for m in self.members}) != len(self.members):
            raise ValueError(f"chamber {self.name!r}: a member appears twice")


@dataclass(frozen=True)
class StateInput:
    """One state's agreement as the model needs it."""

    goal: str
    route: str
    executive_probability: float | None
    chambers: tuple[ChamberInput, ...]
    days_to_next_vote: int | None = None

    def __post_init__(self) -> None:
        if self.goal not in GOALS:
            raise ValueError(f"unknown campaign goal {self.goal!r}")
        if self.route not in ROUTES:
            raise ValueError(f"unknown ratification route {self.route!r}")
        if self.executive_probability is not None and not 0.0 <= self.executive_probability <= 1.0:
            raise ValueError("the executive's probability must be in [0, 1]")


@dataclass(frozen=True)
class ChamberForecast:
    """What the model says about one chamber.

    `pass_probability` counts a held vote as its result; `model_pass_probability` is the exact
    forecast from the stances whatever the status. `threshold` is what `expected_yes` is compared
    against: the expected number of no votes for `votes_cast`, two thirds of the expected
    attendance for `two_thirds_present`, and the yes votes needed for the seat-based rules.
    """

    chamber_id: int
    name: str
    majority_rule: str
    seats: int
    attendance: float
    status: str
    pass_probability: float
    model_pass_probability: float
    expected_yes: float
    expected_no: float
    expected_present: float
    threshold: float
    threshold_label: str
    member_probabilities: Mapping[int, float]
    party_priors: Mapping[str | None, float]


@dataclass(frozen=True)
class StateForecast:
    """The state's probability of ratification, the campaign's risk and what explains it.

    `coverage` is None when no chamber still to vote has a member (nothing to cover).
    `coverage_flagged`: a coverage target is missed, the seats' (`contacts_to_target` more
    seats need a fresh stance) or the swing list's (`swing_top_uncovered` of its first
    `swing_top_counted` members have none).
    """

    goal: str
    route: str
    probability: float
    risk: float
    level: RiskLevel
    days_to_next_vote: int | None
    chambers: tuple[ChamberForecast, ...]
    coverage: float | None
    coverage_flagged: bool
    seats_covered: int
    seats_counted: int
    contacts_to_target: int
    swing_top_uncovered: int
    swing_top_counted: int

    @property
    def below_seat_target(self) -> bool:
        """Fewer seats with a fresh stance than the coverage target asks."""
        return self.contacts_to_target > 0


@dataclass(frozen=True)
class SwingEntry:
    """One member's one-step move toward the campaign and what it takes off the state's risk."""

    member_id: int
    chamber_id: int
    current_stance: str
    new_stance: str
    risk_drop: float
    score: float
    current_probability: float
    new_probability: float


# --------------------------------------------------------------------------------------------
# Members


def party_priors(chamber: ChamberInput, config: RiskConfig) -> dict[str | None, float]:
    """Each party's prior in this chamber (key None: members with no party).

    The mean of the raw scale values of the party's known stances (stale ones at their raw value,
    see the module docstring), else the governing or opposition default.
    """
    known: dict[str | None, list[float]] = {}
    governing: dict[str | None, bool] = {}
    for member in chamber.members:
        key = member.party_key
        governing[key] = governing.get(key, False) or member.in_government
        if member.stance != UNKNOWN:
            known.setdefault(key, []).append(config.stance_probability(member.stance))
    priors: dict[str | None, float] = {}
    for key, in_government in governing.items():
        if key is None:
            priors[key] = config.no_party_prior
        elif key in known:
            priors[key] = math.fsum(known[key]) / len(known[key])
        else:
            priors[key] = config.governing_prior if in_government else config.other_prior
    return priors


def member_probability(member: Member, prior: float, config: RiskConfig) -> float:
    """The probability that `member` votes for ratification if present (SPEC §3.1).

    `unknown` takes `prior`; a stale known stance is pulled `stale_pull` of the way toward it.
    """
    if member.stance == UNKNOWN:
        return prior
    raw = config.stance_probability(member.stance)
    if member.stale:
        return raw + config.stale_pull * (prior - raw)
    return raw


def member_probabilities(chamber: ChamberInput, config: RiskConfig) -> dict[int, float]:
    """Every member's probability of voting yes if present, by member id."""
    priors = party_priors(chamber, config)
    return {m.id: member_probability(m, priors[m.party_key], config) for m in chamber.members}


def one_step(stance: str, goal: str, prior: float, config: RiskConfig) -> str | None:
    """The stance one step toward the campaign's side, or None at the end of the scale.

    `block` moves toward `against_ratification`, `secure` toward `for_ratification`. `unknown`
    moves to the first known stance strictly on the campaign's side of `prior`.
    """
    if goal not in GOALS:
        raise ValueError(f"unknown campaign goal {goal!r}")
    toward_against = goal == "block"
    if stance == UNKNOWN:
        ordered = SCALE if toward_against else tuple(reversed(SCALE))
        for candidate in ordered:
            p = config.stance_probability(candidate)
            if (p < prior) if toward_against else (p > prior):
                return candidate
        return None
    index = SCALE.index(stance) + (1 if toward_against else -1)
    return SCALE[index] if 0 <= index < len(SCALE) else None


# --------------------------------------------------------------------------------------------
# Chambers: exact distributions
#
# Every rule reduces to "a score S reaches a threshold t", where each member adds +1 for yes,
# -w for no and 0 when absent:
#   votes_cast          w = 1, S = yes - no,       pass iff S >= 1
#   members             w = 0, S = yes,            pass iff S >= floor(seats / 2) + 1
#   two_thirds_members  w = 0, S = yes,            pass iff S >= max(1, ceil(2 * seats / 3))
#   two_thirds_present  w = 2, S = yes - 2 * no,   pass iff S >= 0 and someone is present
# The last one is the integer condition 3 * yes >= 2 * present with present = yes + no, i.e.
# yes >= ceil(2/3 * present), rewritten as yes - 2 * no >= 0: a one-dimensional score instead of
# the joint (present, yes) distribution, so it too is O(n^2) rather than O(n^3). "Someone is
# present" removes exactly the all-absent outcome, the only one with present = 0.


def _seats(chamber_seats: int, members: int) -> int:
    return max(chamber_seats, members)


def _rule(majority_rule: str, seats: int) -> tuple[int, int]:
    """(w, t): the weight of a no vote and the score the vote must reach."""
    if majority_rule == "votes_cast":
        return 1, 1
    if majority_rule == "members":
        return 0, seats // 2 + 1
    if majority_rule == "two_thirds_members":
        return 0, max(1, (2 * seats + 2) // 3)
    if majority_rule == "two_thirds_present":
        return 2, 0
    raise ValueError(f"unknown majority rule {majority_rule!r}")


def _add_member(dist: list[float], yes: float, no: float, absent: float, w: int) -> list[float]:
    """Convolve a score distribution with one member's outcome (lowest score first).

    The result's lowest score is `w` below the input's: a no shifts by 0, absence by w, yes by w+1
    in the new indexing. Only sums of non-negative terms, so no cancellation.
    """
    pad = [0.0] * (w + 1)
    by_no = dist + pad
    by_absent = [0.0] * w + dist + [0.0]
    by_yes = pad + dist
    return [no * a + absent * b + yes * c for a, b, c in zip(by_no, by_absent, by_yes, strict=True)]


def _distribution(probabilities: Iterable[float], attendance: float, w: int) -> list[float]:
    """The score distribution of these members, lowest score first (see `_distribution_array`)."""
    distribution: list[float] = _distribution_array(probabilities, attendance, w).tolist()
    return distribution


def _distribution_array(probabilities: Iterable[float], attendance: float, w: int) -> np.ndarray:
    """`_add_member` over every member, in numpy arrays: the same products summed in the same
    order, so the same floats to the last bit, about 25 times faster (a chamber of 20,000
    members takes a second or two instead of a minute). Two zero-padded buffers take turns:
    the distribution sits at offset w+1 of one, and "shifted by w" and "by w+1" are slices of
    it starting at 1 and 0."""
    pad = w + 1
    members = list(probabilities)
    size = len(members) * pad + 1
    current = np.zeros(size + 2 * pad)
    following = np.zeros_like(current)
    scratch = np.empty(size)
    current[pad] = 1.0
    length = 1
    absent = 1.0 - attendance
    for p in members:
        yes, no = attendance * p, attendance * (1.0 - p)
        grown = length + pad
        out, term = following[pad : pad + grown], scratch[:grown]
        np.multiply(current[pad : pad + grown], no, out=out)
        np.multiply(current[1 : 1 + grown], absent, out=term)
        out += term
        np.multiply(current[:grown], yes, out=term)
        out += term
        current, following = following, current
        length = grown
    return current[pad : pad + length].copy()


def _clamp(value: float) -> float:
    return min(1.0, max(0.0, value))


def pass_probability(
    probabilities: Sequence[float], attendance: float, majority_rule: str, seats: int
) -> float:
    """The exact probability that a chamber's ratification vote passes (SPEC §3.2).

    `probabilities` are the sitting members' probabilities of voting yes if present; `seats`
    may exceed their number (vacant seats). Dynamic programming over the score described above:
    O(n^2) time for every rule.

    Remembered for the last 512 chambers asked about, keyed by exactly these inputs: a page
    showing every state asks again for chambers whose members have not changed, and at
    200 states of 500 members the dynamic programming alone takes seconds.
    """
    if not 0.0 <= attendance <= 1.0:
        raise ValueError("attendance must be in [0, 1]")
    return _pass_probability(tuple(probabilities), attendance, majority_rule, seats)


def forget_pass_probabilities() -> None:
    """Empty pass_probability's memory (to time the computation itself)."""
    _pass_probability.cache_clear()


# About 32 bytes a seat per chamber remembered: 512 chambers of 500 seats are 8 MB, of
# 3,000 seats 50 MB. 200 states of two chambers fit.
@functools.lru_cache(maxsize=512)
def _pass_probability(
    probabilities: tuple[float, ...], attendance: float, majority_rule: str, seats: int
) -> float:
    n = len(probabilities)
    w, t = _rule(majority_rule, _seats(seats, n))
    dist = _distribution(probabilities, attendance, w)
    lowest = -w * n
    passing = math.fsum(dist[max(0, t - lowest) :])
    if majority_rule == "two_thirds_present":
        # The all-absent outcome scores 0 but passes nothing; its probability is exact.
        passing -= (1.0 - attendance) ** n
    return _clamp(passing)


def _threshold(
    majority_rule: str, seats: int, expected_no: float, expected_present: float
) -> tuple[float, str]:
    if majority_rule == "votes_cast":
        return expected_no, f"more yes than no (expected no: {expected_no:.1f})"
    if majority_rule == "two_thirds_present":
        needed = 2.0 * expected_present / 3.0
        return needed, (
            f"two thirds of those present ({needed:.1f} of {expected_present:.1f} expected)"
        )
    _, t = _rule(majority_rule, seats)
    share = "more than half" if majority_rule == "members" else "two thirds"
    return float(t), f"{t} of {seats} seats ({share} of all seats)"


def chamber_forecast(chamber: ChamberInput, config: RiskConfig) -> ChamberForecast:
    """The exact pass probability of one chamber with the figures that explain it."""
    priors = party_priors(chamber, config)
    probs = {m.id: member_probability(m, priors[m.party_key], config) for m in chamber.members}
    values = list(probs.values())
    seats = _seats(chamber.seats, len(values))
    model = pass_probability(values, chamber.attendance, chamber.majority_rule, seats)
    held = {"passed": 1.0, "failed": 0.0}.get(chamber.status)
    expected_yes = chamber.attendance * math.fsum(values)
    expected_present = chamber.attendance * len(values)
    expected_no = expected_present - expected_yes
    threshold, label = _threshold(chamber.majority_rule, seats, expected_no, expected_present)
    return ChamberForecast(
        chamber_id=chamber.id,
        name=chamber.name,
        majority_rule=chamber.majority_rule,
        seats=seats,
        attendance=chamber.attendance,
        status=chamber.status,
        pass_probability=model if held is None else held,
        model_pass_probability=model,
        expected_yes=expected_yes,
        expected_no=expected_no,
        expected_present=expected_present,
        threshold=threshold,
        threshold_label=label,
        member_probabilities=probs,
        party_priors=priors,
    )


# --------------------------------------------------------------------------------------------
# States


def risk_level(risk: float, days_to_next_vote: int | None, config: RiskConfig) -> RiskLevel:
    """SPEC §3.4. A vote already overdue (negative days) counts as near."""
    near = days_to_next_vote is not None and days_to_next_vote <= config.near_days
    if near and risk >= config.critical_probability:
        return RiskLevel.CRITICAL
    if risk >= config.high_probability or (near and risk >= config.high_near_probability):
        return RiskLevel.HIGH
    if risk >= config.medium_probability:
        return RiskLevel.MEDIUM
    return RiskLevel.LOW


def _ratification_probability(
    state: StateInput, forecasts: Sequence[ChamberForecast], config: RiskConfig
) -> float:
    if state.route == "none_sitting":
        return 0.0
    if state.route == "executive":
        if state.executive_probability is None:
            return config.executive_default
        return state.executive_probability
    # Chambers already passed contribute 1, a failed one 0 (ChamberForecast.pass_probability).
    return math.prod(f.pass_probability for f in forecasts)


def state_forecast(state: StateInput, config: RiskConfig) -> StateForecast:
    """Probability of ratification, risk, level and coverage of one state (SPEC §3.3–3.4)."""
    forecasts = tuple(chamber_forecast(c, config) for c in state.chambers)
    probability = _clamp(_ratification_probability(state, forecasts, config))
    risk = probability if state.goal == "block" else 1.0 - probability
    pending = [m for c in state.chambers if c.status == "pending" for m in c.members]
    covered = sum(1 for m in pending if m.stance_recorded_recently)
    coverage = covered / len(pending) if pending else None
    contacts = contacts_to_target(covered, len(pending), config.coverage_target)
    uncovered, counted = swing_top_coverage(state, config, config.swing_target_top)
    return StateForecast(
        goal=state.goal,
        route=state.route,
        probability=probability,
        risk=risk,
        level=risk_level(risk, state.days_to_next_vote, config),
        days_to_next_vote=state.days_to_next_vote,
        chambers=forecasts,
        coverage=coverage,
        coverage_flagged=contacts > 0 or uncovered > 0,
        seats_covered=covered,
        seats_counted=len(pending),
        contacts_to_target=contacts,
        swing_top_uncovered=uncovered,
        swing_top_counted=counted,
    )


def contacts_to_target(covered: int, counted: int, target: float) -> int:
    """How many more of `counted` seats need a fresh stance for `covered` to reach `target`.

    `ceil(target * counted)` seats are needed; the tiny tolerance keeps a product that floating
    point puts a hair above a whole number (0.55 * 100 = 55.00000000000001) at that number.
    """
    needed = math.ceil(target * counted - 1e-9)
    return max(0, needed - covered)


# --------------------------------------------------------------------------------------------
# Swing list


def pivotal_masses(
    probabilities: Sequence[float], attendance: float, majority_rule: str, seats: int
) -> list[float]:
    """For each member i, the probability that the others land where i's vote decides.

    The pass probability is affine in each member's p: P(pass) = y*G(t-1) + a*G(t) + n*G(t+w)
    with G the tail of the others' score R, y = att*p, n = att*(1-p), a = 1-att. Changing p_i to
    p' therefore changes it by exactly att * (p' - p_i) * P(t-1 <= R <= t+w-1); this returns that
    last probability. (The all-absent correction of `two_thirds_present` does not depend on p_i
    and drops out.)

    The others of member i are everyone but one member of probability p_i, so members of the
    same probability share one mass, computed once: they tie exactly, and the swing list's
    tie-breaks (influence, then the oldest stance) decide between them rather than rounding.
    Setting one member of each distinct value aside, the rest are convolved once in numpy
    (`_distribution_array`); each value's "everyone but one of me" is that base with the other
    set-aside members added, found for every value at once by halving (each half of the
    values gets the other half added). With k distinct values that is O(n^2) for the base
    and O(n k log k) for the rest: a chamber's probabilities take a few dozen values (the
    scale, pulled stale stances, party priors), so the swing list costs about what the
    chamber's forecast does, even at 20,000 members. The window has w+1 <= 3 points and is
    summed without subtraction, so a tiny change stays accurate.
    """
    n = len(probabilities)
    if n == 0:
        return []
    w, t = _rule(majority_rule, _seats(seats, n))
    values = list(dict.fromkeys(probabilities))
    set_aside: set[float] = set()
    rest = []
    for p in probabilities:
        if p in set_aside:
            rest.append(p)
        else:
            set_aside.add(p)
    base = _distribution_array(rest, attendance, w)
    lowest = -w * (n - 1)  # the lowest score of n - 1 members
    masses = {}
    for value, others in zip(values, _all_but_one(base, values, attendance, w), strict=True):
        low = max(0, t - 1 - lowest)
        high = min(len(others), t + w - lowest)
        masses[value] = math.fsum(others[low:high].tolist()) if low < high else 0.0
    return [masses[p] for p in probabilities]


def _all_but_one(
    base: np.ndarray, values: Sequence[float], attendance: float, w: int
) -> list[np.ndarray]:
    """For each of `values`, `base` with every other one of `values` added (halving)."""
    if len(values) == 1:
        return [base]
    middle = len(values) // 2
    left, right = values[:middle], values[middle:]
    return _all_but_one(_added(base, right, attendance, w), left, attendance, w) + _all_but_one(
        _added(base, left, attendance, w), right, attendance, w
    )


def _added(
    dist: np.ndarray, probabilities: Sequence[float], attendance: float, w: int
) -> np.ndarray:
    """`_add_member` for each of `probabilities`, on numpy arrays."""
    absent = 1.0 - attendance
    for p in probabilities:
        grown = np.zeros(len(dist) + w + 1)
        grown[: len(dist)] = dist * (attendance * (1.0 - p))
        grown[w : w + len(dist)] += dist * absent
        grown[w + 1 :] += dist * (attendance * p)
        dist = grown
    return dist


def swing_list(state: StateInput, config: RiskConfig, limit: int | None = None) -> list[SwingEntry]:
    """Who to meet next (SPEC §3.5): each member's one-step move and what it takes off the risk.

    Only chambers still to vote on a parliamentary route count: on the executive route, with no
    sitting legislature or after a chamber has already failed, no member's vote changes the
    state's risk and the list is empty. Members flagged do-not-contact or met recently, and those
    already at the campaign's end of the scale, are left out. Ranked by score (risk drop weighted
    by influence / 3), then risk drop, then influence, then the oldest stance first (a stance
    never observed before any), then member id.
    """
    movable = _movable(state, config)
    pass_probs = []
    prepared = []
    for chamber, priors, _moves in movable:
        probs = [member_probability(m, priors[m.party_key], config) for m in chamber.members]
        seats = _seats(chamber.seats, len(probs))
        pass_probs.append(pass_probability(probs, chamber.attendance, chamber.majority_rule, seats))
        prepared.append((probs, seats))

    entries: list[SwingEntry] = []
    tie_breaks: dict[int, tuple[int, int]] = {}  # member id → (-influence, stance's age rank)
    for index, ((chamber, priors, moves), (probs, seats)) in enumerate(
        zip(movable, prepared, strict=True)
    ):
        # The state's probability is the product over chambers, so one chamber's change is
        # scaled by the product of the others (computed directly, not by dividing by zero).
        others = math.prod(p for j, p in enumerate(pass_probs) if j != index)
        masses: list[float] | None = None
        for position, member, new_stance in moves:
            if masses is None:
                masses = pivotal_masses(probs, chamber.attendance, chamber.majority_rule, seats)
            current = probs[position]
            moved = member_probability(
                replace(member, stance=new_stance), priors[member.party_key], config
            )
            change = chamber.attendance * (moved - current) * masses[position] * others
            drop = max(0.0, -change if state.goal == "block" else change)
            seen = member.stance_on.toordinal() if member.stance_on is not None else 0
            tie_breaks[member.id] = (-member.influence, seen)
            entries.append(
                SwingEntry(
                    member_id=member.id,
                    chamber_id=chamber.id,
                    current_stance=member.stance,
                    new_stance=new_stance,
                    risk_drop=drop,
                    score=drop * member.influence / 3.0,
                    current_probability=current,
                    new_probability=moved,
                )
            )
    entries.sort(key=lambda e: (-e.score, -e.risk_drop, *tie_breaks[e.member_id], e.member_id))
    return entries if limit is None else entries[:limit]


def _movable(
    state: StateInput, config: RiskConfig
) -> list[tuple[ChamberInput, dict[str | None, float], list[tuple[int, Member, str]]]]:
    """The swing list's candidates: for each chamber still to vote, its party priors and the
    members it may move, as (position in the chamber, member, the stance one step on).

    Empty on the executive route, with no sitting legislature or after a chamber has failed
    (no member's vote changes the risk there); do-not-contact members, those met recently and
    those already at the campaign's end of the scale are left out.
    """
    if state.route != "parliament" or any(c.status == "failed" for c in state.chambers):
        return []
    found = []
    for chamber in state.chambers:
        if chamber.status != "pending":
            continue
        priors = party_priors(chamber, config)
        moves = []
        for position, member in enumerate(chamber.members):
            if member.do_not_contact or member.recently_met:
                continue
            new_stance = one_step(member.stance, state.goal, priors[member.party_key], config)
            if new_stance is not None:
                moves.append((position, member, new_stance))
        found.append((chamber, priors, moves))
    return found


def swing_top_coverage(state: StateInput, config: RiskConfig, top: int) -> tuple[int, int]:
    """(uncovered, counted): how many of the swing list's first `top` members have no stance
    recorded in the last `coverage_days`, and how many members those first `top` are (fewer
    when the list is shorter).

    The list is ranked only when the answer depends on the order: when every candidate is
    in the first `top`, or the candidates are all covered or all uncovered, counting them
    says the same without the pivotal masses (most of the swing list's cost).
    """
    if top <= 0:
        return 0, 0
    candidates = [member for _c, _p, moves in _movable(state, config) for _i, member, _s in moves]
    counted = min(top, len(candidates))
    uncovered = sum(1 for member in candidates if not member.stance_recorded_recently)
    if len(candidates) <= top or uncovered in (0, len(candidates)):
        return min(uncovered, counted), counted
    recent = {member.id for member in candidates if member.stance_recorded_recently}
    first = swing_list(state, config, limit=top)
    return sum(1 for entry in first if entry.member_id not in recent), counted


# --------------------------------------------------------------------------------------------
# Checking forecasts


def brier_score(forecasts: Sequence[float], outcomes: Sequence[bool]) -> float:
    """The mean squared difference between forecast probabilities and what happened (0 = perfect).

    Used with one forecast per member (their probability of voting yes) against the recorded
    individual votes, or one per chamber against the result.
    """
    if len(forecasts) != len(outcomes):
        raise ValueError("forecasts and outcomes must have the same length")
    if not forecasts:
        raise ValueError("a Brier score needs at least one forecast")
    if any(not 0.0 <= f <= 1.0 for f in forecasts):
        raise ValueError("forecasts must be probabilities in [0, 1]")
    return math.fsum(
        (f - (1.0 if o else 0.0)) ** 2 for f, o in zip(forecasts, outcomes, strict=True)
    ) / len(forecasts)


def monte_carlo_pass_probability(
    chamber: ChamberInput, config: RiskConfig, draws: int, rng: random.Random
) -> float:
    """A sampled estimate of the pass probability, for benchmarks to compare with the exact one.

    Not used by the app: SPEC §3.2 wants the exact value, and this one's standard error is
    about 0.5 / sqrt(draws).
    """
    if draws < 1:
        raise ValueError("draws must be at least 1")
    probs = list(member_probabilities(chamber, config).values())
    attendance = chamber.attendance
    seats = _seats(chamber.seats, len(probs))
    # One uniform per member: below att*p is yes, below att is no, otherwise absent.
    yes_cuts = [attendance * p for p in probs]
    uniform = rng.random
    rule = chamber.majority_rule
    _, needed = _rule(rule, seats)
    passed = 0
    for _ in range(draws):
        yes = no = 0
        for cut in yes_cuts:
            u = uniform()
            if u < cut:
                yes += 1
            elif u < attendance:
                no += 1
        if rule == "votes_cast":
            passed += yes > no
        elif rule == "two_thirds_present":
            passed += yes + no >= 1 and 3 * yes >= 2 * (yes + no)
        else:
            passed += yes >= needed
    return passed / draws
