"""A state's probability of ratification over the last year, and what moved it.

The chart on each state's risk page and in the coordinator overview is drawn from the
stored snapshots (crm/risk/models.py: one per state per day, and one per change that moved
the risk). A change of `MARKED_CHANGE` or more between two consecutive snapshots is marked,
with what the dated records say happened between them:

* a stance record saved between the two snapshots, or observed after the earlier one's day
  up to the later one's (backfilled snapshots were rebuilt from the observation dates);
* a stage held (its held date in that span, or marked held between the two snapshots);
* a seat started or ended (a seat ended on day D is first missing from day D + 1).

A stance observed in a restricted contact the reader may not read is named only as "a
stance change" and its month, never the person (SPEC §2): the one rule of
`crm.interactions.visibility.stances_linked_to_people`, asked of the database. Such
changes are merged per month, so their count says no more than the state's stance lists.

Every read covers all the states asked for at once: a fixed number of queries whatever the
number of states, snapshots or marks.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import pairwise
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from crm.charts import Timeline, timeline
from crm.db import as_utc, month_end
from crm.extensions import db
from crm.interactions.visibility import stances_linked_to_people
from crm.parliament.models import Chamber, Committee, Membership, Representative, StanceRecord
from crm.risk.model import RiskConfig, risk_level
from crm.risk.models import RiskSnapshot
from crm.states.models import Agreement, Campaign, Stage, StageStatus

# The window of the chart: the last twelve months.
HISTORY_DAYS = 365
# A move of this much probability between two snapshots is marked and explained.
MARKED_CHANGE = 0.05


@dataclass(frozen=True)
class Cause:
    """One dated record found between two snapshots.

    `kind`: `stance`, `stance_withheld` (dated by its month only, no person), `stage`,
    `seat_started` or `seat_ended`. `detail` is the stance now (or the stage's kind),
    `before` the stance before it, `place` the chamber (or the stage's chamber or committee).
    """

    kind: str
    on: date
    who: str | None = None
    representative_id: int | None = None
    detail: str | None = None
    before: str | None = None
    place: str | None = None
    result: str | None = None


@dataclass(frozen=True)
class Change:
    """A marked change: the probability before and after, and what the records explain."""

    number: int
    on: date
    before: float
    after: float
    causes: tuple[Cause, ...]

    @property
    def points(self) -> float:
        return round((self.after - self.before) * 100, 1)


@dataclass(frozen=True)
class HeldStage:
    number: int
    on: date
    kind: str
    place: str | None
    result: str | None


@dataclass(frozen=True)
class History:
    """One state's chart and the lists that say the same in words."""

    start: date
    end: date
    chart: Timeline
    first: tuple[date, float] | None
    last: tuple[date, float] | None
    changes: tuple[Change, ...]
    stages: tuple[HeldStage, ...]
    near_days: int

    @property
    def bands(self) -> tuple[tuple[str, float, float], ...]:
        """(key, low, high) of each shaded band, highest first (for the legend)."""
        return tuple((b.key, b.low, b.high) for b in reversed(self.chart.bands))


@dataclass(frozen=True)
class _Snap:
    on: date
    at: datetime | None
    probability: float


def level_bands(config: RiskConfig, goal: str) -> list[tuple[str, float, float]]:
    """The probability ranges of the levels, lowest probability first.

    A level depends on the risk and on whether a vote is within `near_days`
    (crm.risk.model.risk_level), so a range whose level changes with a near vote is keyed
    by both ("medium-high": medium, high with a vote near). The thresholds are on the risk:
    for a `secure` campaign the risk is 1 - probability, and the bands are turned over.
    """
    cuts = sorted(
        {
            0.0,
            1.0,
            config.medium_probability,
            config.high_near_probability,
            config.high_probability,
            config.critical_probability,
        }
    )
    bands = []
    for low, high in pairwise(cuts):
        middle = (low + high) / 2
        far, near = risk_level(middle, None, config), risk_level(middle, 0, config)
        key = far.value if far is near else f"{far.value}-{near.value}"
        if goal == "block":
            bands.append((key, low, high))
        else:
            bands.append((key, 1.0 - high, 1.0 - low))
    return sorted(bands, key=lambda band: band[1])


def _between(column: Any, low: Any, high: Any) -> sa.ColumnElement[bool]:
    return sa.and_(column > low, column <= high)


def histories(
    campaign: Campaign,
    state_ids: list[int],
    on: date,
    config: RiskConfig,
    *,
    reader: Any,
    causes: bool = True,
) -> dict[int, History]:
    """Each state's history over the last HISTORY_DAYS up to `on`, as `reader` may see it.

    At most four queries for any number of states: the snapshots, the held stages, and
    (when a change is marked and `causes`) the stance records and the seats dated between
    the marked snapshots."""
    start = on - timedelta(days=HISTORY_DAYS)
    series: dict[int, list[_Snap]] = defaultdict(list)
    for state_id, taken_on, taken_at, probability in db.session.execute(
        sa.select(
            RiskSnapshot.state_id,
            RiskSnapshot.taken_on,
            RiskSnapshot.taken_at,
            RiskSnapshot.probability,
        )
        .where(
            RiskSnapshot.campaign_id == campaign.id,
            RiskSnapshot.state_id.in_(state_ids),
            RiskSnapshot.taken_on >= start,
            RiskSnapshot.taken_on <= on,
        )
        .order_by(RiskSnapshot.state_id, RiskSnapshot.taken_on, RiskSnapshot.id)
    ):
        series[state_id].append(_Snap(taken_on, as_utc(taken_at), probability))

    # Marked changes: (state, index of the later snapshot).
    marked: dict[int, list[int]] = {
        state_id: [
            i
            for i in range(1, len(snaps))
            if abs(snaps[i].probability - snaps[i - 1].probability) >= MARKED_CHANGE - 1e-9
        ]
        for state_id, snaps in series.items()
    }
    spans = [
        (state_id, i, series[state_id][i - 1], series[state_id][i])
        for state_id, indexes in marked.items()
        for i in indexes
    ]
    stages = _held_stages(campaign, state_ids, start)
    found: dict[tuple[int, int], list[Cause]] = defaultdict(list)
    if causes and spans:
        _stance_causes(spans, reader, found)
        _seat_causes(spans, found)
    for state_id, i, before, after in spans:
        for stage_on, at, kind, place, result in stages.get(state_id, ()):
            if _in_span(before, after, stage_on, at):
                found[state_id, i].append(
                    Cause("stage", stage_on, detail=kind, place=place, result=result)
                )

    bands = level_bands(config, campaign.goal.value)
    out = {}
    for state_id in state_ids:
        snaps = series.get(state_id, [])
        held = [s for s in stages.get(state_id, ()) if start <= s[0] <= on]
        chart = timeline(
            [(s.on, s.probability) for s in snaps],
            start,
            on,
            bands=bands,
            events=[s[0] for s in held],
            marked=marked.get(state_id, []),
        )
        out[state_id] = History(
            start=start,
            end=on,
            chart=chart,
            first=(snaps[0].on, snaps[0].probability) if snaps else None,
            last=(snaps[-1].on, snaps[-1].probability) if snaps else None,
            changes=tuple(
                Change(
                    number=n,
                    on=snaps[i].on,
                    before=snaps[i - 1].probability,
                    after=snaps[i].probability,
                    causes=tuple(_ordered(found.get((state_id, i), []))),
                )
                for n, i in enumerate(marked.get(state_id, []), 1)
            ),
            stages=tuple(
                HeldStage(n, stage_on, kind, place, result)
                for n, (stage_on, _at, kind, place, result) in enumerate(
                    sorted(held, key=lambda s: s[0]), 1
                )
            ),
            near_days=config.near_days,
        )
    return out


def _in_span(before: _Snap, after: _Snap, on: date | None, at: datetime | None) -> bool:
    """Saved between the two snapshots, or dated after the earlier one's day up to the
    later one's."""
    if (
        at is not None
        and before.at is not None
        and after.at is not None
        and before.at < at <= after.at
    ):
        return True
    return on is not None and before.on < on <= after.on


def _ordered(causes: list[Cause]) -> list[Cause]:
    order = {"stage": 0, "stance": 1, "stance_withheld": 2, "seat_started": 3, "seat_ended": 4}
    return sorted(causes, key=lambda c: (order[c.kind], c.on, c.who or ""))


def _held_stages(
    campaign: Campaign, state_ids: list[int], start: date
) -> dict[int, list[tuple[date, datetime | None, str, str | None, str | None]]]:
    """Held stages of the states since `start` (by their held date), one query."""
    rows = db.session.execute(
        sa.select(
            Agreement.state_id,
            Stage.held_on,
            Stage.updated_at,
            Stage.kind,
            Chamber.name,
            Committee.name,
            Stage.result,
        )
        .join(Agreement, Agreement.id == Stage.agreement_id)
        .outerjoin(Chamber, Chamber.id == Stage.chamber_id)
        .outerjoin(Committee, Committee.id == Stage.committee_id)
        .where(
            Agreement.campaign_id == campaign.id,
            Agreement.state_id.in_(state_ids),
            Stage.status == StageStatus.HELD,
            Stage.held_on.is_not(None),
            Stage.held_on >= start,
        )
        .order_by(Stage.held_on, Stage.position)
    )
    out: dict[int, list[tuple[date, datetime | None, str, str | None, str | None]]] = {}
    for state_id, held_on, updated_at, kind, chamber, committee, result in rows:
        if held_on is None:  # not asked for; says so to the type checker
            continue
        out.setdefault(state_id, []).append(
            (
                held_on,
                as_utc(updated_at),
                kind.label,
                committee or chamber,
                result.value if result is not None else None,
            )
        )
    return out


def _stance_causes(
    spans: list[tuple[int, int, _Snap, _Snap]],
    reader: Any,
    found: dict[tuple[int, int], list[Cause]],
) -> None:
    """The stance records of the marked spans, with the stance each replaced (one query)."""
    earlier = aliased(StanceRecord)
    previous = (
        sa.select(earlier.stance)
        .where(
            earlier.representative_id == StanceRecord.representative_id,
            earlier.archived_at.is_(None),
            # Compared by day, a stance the reader may see only by its month would say on
            # which side of this one its day falls.
            stances_linked_to_people(reader, earlier),
            sa.or_(
                earlier.observed_on < StanceRecord.observed_on,
                sa.and_(
                    earlier.observed_on == StanceRecord.observed_on, earlier.id < StanceRecord.id
                ),
            ),
        )
        .order_by(earlier.observed_on.desc(), earlier.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    conditions = [
        sa.and_(
            Representative.state_id == state_id,
            sa.or_(
                _between(StanceRecord.observed_on, before.on, after.on),
                _between(StanceRecord.recorded_at, before.at, after.at)
                if before.at is not None and after.at is not None
                else sa.false(),
            ),
        )
        for state_id, _i, before, after in spans
    ]
    rows = db.session.execute(
        sa.select(
            Representative.state_id,
            Representative.id,
            Representative.name,
            StanceRecord.stance,
            StanceRecord.observed_on,
            StanceRecord.recorded_at,
            previous.label("previous"),
            stances_linked_to_people(reader).label("visible"),
        )
        .join(Representative, Representative.id == StanceRecord.representative_id)
        .where(StanceRecord.archived_at.is_(None), sa.or_(*conditions))
        .order_by(StanceRecord.observed_on, StanceRecord.id)
    ).all()
    by_state: dict[int, list[tuple[int, _Snap, _Snap]]] = defaultdict(list)
    for state_id, i, before, after in spans:
        by_state[state_id].append((i, before, after))
    withheld_months: set[tuple[int, int, date]] = set()
    for state_id, rep_id, name, stance, observed_on, recorded_at, before_stance, visible in rows:
        index = _span_of(by_state[state_id], observed_on, as_utc(recorded_at))
        if index is None:
            continue
        if not visible:
            month = month_end(observed_on)
            if (state_id, index, month) not in withheld_months:
                withheld_months.add((state_id, index, month))
                found[state_id, index].append(Cause("stance_withheld", month))
            continue
        found[state_id, index].append(
            Cause(
                "stance",
                observed_on,
                who=name,
                representative_id=rep_id,
                detail=stance.value,
                before=_stance_value(before_stance),
            )
        )


def _stance_value(value: Any) -> str | None:
    if value is None:
        return None
    return str(getattr(value, "value", value))


def _span_of(spans: list[tuple[int, _Snap, _Snap]], on: date, at: datetime | None) -> int | None:
    """The marked span a record belongs to: the one it was saved in, else the one its date
    falls in (each record explains one change at most)."""
    if at is not None:
        for i, before, after in spans:
            if before.at is not None and after.at is not None and before.at < at <= after.at:
                return i
    for i, before, after in spans:
        if before.on < on <= after.on:
            return i
    return None


def _seat_causes(
    spans: list[tuple[int, int, _Snap, _Snap]], found: dict[tuple[int, int], list[Cause]]
) -> None:
    """Seats started or ended in the marked spans (one query). A seat ended on day D still
    counts on D, so it is first missing from a snapshot of day D + 1."""
    conditions = [
        sa.and_(
            Representative.state_id == state_id,
            sa.or_(
                _between(Membership.start_date, before.on, after.on),
                _between(
                    Membership.end_date, before.on - timedelta(days=1), after.on - timedelta(days=1)
                ),
            ),
        )
        for state_id, _i, before, after in spans
    ]
    rows = db.session.execute(
        sa.select(
            Representative.state_id,
            Representative.id,
            Representative.name,
            Chamber.name,
            Membership.start_date,
            Membership.end_date,
        )
        .join(Representative, Representative.id == Membership.representative_id)
        .join(Chamber, Chamber.id == Membership.chamber_id)
        .where(sa.or_(*conditions))
        .order_by(Representative.sort_name, Membership.id)
    ).all()
    for state_id, i, before, after in spans:
        for row_state, rep_id, name, chamber, started, ended in rows:
            if row_state != state_id:
                continue
            if started is not None and before.on < started <= after.on:
                found[state_id, i].append(
                    Cause(
                        "seat_started", started, who=name, representative_id=rep_id, place=chamber
                    )
                )
            if ended is not None and before.on <= ended < after.on:
                found[state_id, i].append(
                    Cause("seat_ended", ended, who=name, representative_id=rep_id, place=chamber)
                )
