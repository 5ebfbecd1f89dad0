"""The state risk page's chart of the last 12 months (crm/risk/history.py, crm/charts.py
`timeline`): drawn from the snapshots, bands from the level rules, held stages and changes of
5 points or more marked with their causes, as each reader may see them."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from crm.charts import timeline
from crm.extensions import db
from crm.interactions.models import Confidentiality
from crm.parliament.models import Membership, Stance
from crm.risk.history import HISTORY_DAYS, histories, level_bands
from crm.risk.model import RiskConfig
from crm.risk.models import RiskSnapshot, SnapshotReason
from crm.states.models import StageKind, StageResult, StageStatus
from tests.conftest import page_queries, sign_in
from tests.factories import (
    InteractionFactory,
    MembershipFactory,
    StageFactory,
    StanceRecordFactory,
    seated_representative,
)
from tests.pages import page

TODAY = date.today()
# The plot's edges in the chart's own units (crm.charts.timeline's defaults).
LEFT, RIGHT, TOP, BOTTOM = 34.0, 472.0, 8.0, 170.0
# (days ago, probability): two changes of 5 points or more, at 100 and 20 days ago.
SNAPSHOTS = [(400, 0.9), (200, 0.20), (150, 0.21), (100, 0.40), (50, 0.38), (20, 0.10), (5, 0.12)]


def _x(days_ago: int) -> float:
    return round(LEFT + (RIGHT - LEFT) * (HISTORY_DAYS - days_ago) / HISTORY_DAYS, 2)


def _y(p: float) -> float:
    return round(BOTTOM - (BOTTOM - TOP) * p, 2)


def add_snapshot(state, campaign, on, p, reason=SnapshotReason.DAILY, hour=12) -> None:
    """A snapshot of probability `p` taken on day `on` (not committed)."""
    db.session.add(
        RiskSnapshot(
            state_id=state.id,
            campaign_id=campaign.id,
            taken_on=on,
            taken_at=datetime.combine(on, time(hour), UTC),
            reason=reason,
            probability=p,
            risk=p,
            level="low",
            coverage=None,
            chambers=[],
        )
    )


def _snapshots(world, series=SNAPSHOTS):
    state = world.home.state
    db.session.execute(sa.delete(RiskSnapshot).where(RiskSnapshot.state_id == state.id))
    for days_ago, p in series:
        add_snapshot(state, world.campaign, TODAY - timedelta(days=days_ago), p)
    db.session.commit()


def _causes(world):
    """Dated records behind the two changes: a stance, a seat and a held stage before the
    first; a stance seen in a restricted contact and an ended seat before the second."""
    home = world.home
    ago = lambda days: TODAY - timedelta(days=days)  # noqa: E731
    StanceRecordFactory(representative=home.reps[3], stance=Stance.UNDECIDED, observed_on=ago(300))
    StanceRecordFactory(
        representative=home.reps[3], stance=Stance.FOR_RATIFICATION, observed_on=ago(120)
    )
    newcomer = seated_representative(home.chamber, home.parties[0], name="Newcomer Seated")
    db.session.execute(
        sa.update(Membership)
        .where(Membership.representative_id == newcomer.id)
        .values(start_date=ago(110))
    )
    StageFactory(
        agreement=home.agreement,
        kind=StageKind.COMMITTEE_REVIEW,
        chamber=home.chamber,
        status=StageStatus.HELD,
        held_on=ago(105),
        scheduled_on=ago(105),
        result=StageResult.PASS,
    )
    secret = InteractionFactory(
        state=home.state,
        representatives=[home.reps[2]],
        confidentiality=Confidentiality.RESTRICTED,
        occurred_at=datetime.combine(ago(30), time(10), UTC),
    )
    StanceRecordFactory(
        representative=home.reps[2],
        interaction=secret,
        stance=Stance.AGAINST_RATIFICATION,
        observed_on=ago(30),
    )
    leaver = seated_representative(home.chamber, home.parties[1], name="Leaver Gone")
    db.session.execute(
        sa.update(Membership)
        .where(Membership.representative_id == leaver.id)
        .values(end_date=ago(40))
    )
    db.session.commit()


def _chart(app, who, world):
    client = sign_in(app.test_client(), who)
    soup = page(client, f"/states/{world.home.state.iso2}/risk")
    return soup.select_one("figure.history-chart"), soup


def _points(svg) -> list[tuple[float, float]]:
    raw = svg.select_one("polyline.history-line")["points"]
    return [tuple(float(v) for v in pair.split(",")) for pair in raw.split()]


def test_the_line_follows_the_snapshots_of_the_last_12_months(app, world):
    _snapshots(world)
    figure, _soup = _chart(app, world.coordinator, world)
    line = _points(figure.select_one("svg"))
    expected = [(_x(days), _y(p)) for days, p in SNAPSHOTS if days <= HISTORY_DAYS]
    # Each snapshot is a corner of the step line, in order; the one of 400 days ago is not.
    corners = iter(line)
    for point in expected:
        assert any(abs(a - point[0]) < 0.01 and abs(b - point[1]) < 0.01 for a, b in corners), point
    assert all(abs(y - _y(0.9)) > 0.01 for _x_, y in line)
    # A step line: the value holds until the next snapshot, then to today.
    assert line[0] == expected[0]
    assert line[-1] == (RIGHT, expected[-1][1])
    for (x1, y1), (x2, y2) in itertools.pairwise(line):
        assert x1 <= x2
        assert x1 == x2 or y1 == y2
    # Dated ticks: the first of each month in the window, labelled.
    ticks = figure.select("line.tick")
    assert len(ticks) in (12, 13)
    assert "12 months" in figure.select_one("title").get_text()


def test_the_bands_shade_the_level_rules(app, world):
    _snapshots(world)
    figure, _soup = _chart(app, world.coordinator, world)
    bands = {
        next(c for c in rect["class"] if c.startswith("band-")): (
            float(rect["y"]),
            round(float(rect["y"]) + float(rect["height"]), 2),
        )
        for rect in figure.select("svg.history-svg rect.band")
    }
    assert bands == {
        "band-low": (_y(0.15), _y(0.0)),
        "band-medium": (_y(0.3), _y(0.15)),
        "band-medium-high": (_y(0.5), _y(0.3)),
        "band-high-critical": (_y(1.0), _y(0.5)),
    }
    legend = figure.select_one("figcaption").get_text(" ", strip=True)
    assert "High, or critical with a vote within 30 days: 50 %–100 %" in legend
    assert "depends on the probability and on whether a vote is within 30 days" in legend


def test_a_secure_campaigns_bands_are_turned_over():
    config = RiskConfig()
    assert level_bands(config, "block") == [
        ("low", 0.0, 0.15),
        ("medium", 0.15, 0.3),
        ("medium-high", 0.3, 0.5),
        ("high-critical", 0.5, 1.0),
    ]
    secure = level_bands(config, "secure")
    assert secure[0][0] == "high-critical"
    assert secure[0][1:] == (0.0, 0.5)
    assert secure[-1][0] == "low"
    assert abs(secure[-1][1] - 0.85) < 1e-9


def _changes_table(soup):
    table = soup.select_one("table.history-changes")
    return [
        [" ".join(cell.get_text().split()) for cell in row.select("td")]
        for row in table.select("tbody tr")
    ]


def test_changes_of_five_points_are_marked_with_their_dated_causes(app, world):
    _causes(world)  # first: the writes take a change snapshot of today, replaced here
    _snapshots(world)
    figure, soup = _chart(app, world.coordinator, world)
    marks = figure.select("circle.change-mark")
    assert [(float(m["cx"]), float(m["cy"])) for m in marks] == [
        (_x(100), _y(0.40)),
        (_x(20), _y(0.10)),
    ]
    # The held stage is a dashed line at its day.
    stages = figure.select("line.stage-line")
    assert [float(s["x1"]) for s in stages] == [_x(105)]
    first, second = _changes_table(soup)
    home = world.home
    assert "21 % → 40 %" in first[2]
    assert f"{home.reps[3].name}: undecided → for ratification" in first[3]
    assert "Newcomer Seated took a seat in" in first[3]
    assert "Committee review" in first[3]
    assert "passed" in first[3]
    assert "Leaver Gone left" in second[3]
    # A coordinator reads restricted contacts: the person and the day.
    assert f"{home.reps[2].name}: " in second[3]
    assert "a stance change" not in second[3]


def test_a_restricted_stance_is_a_stance_change_and_its_month_for_those_who_may_not_read_it(
    app, world
):
    _causes(world)  # first: the writes take a change snapshot of today, replaced here
    _snapshots(world)
    secret_person = world.home.reps[2].name
    seen = {}
    for who in ("coordinator", "member", "staff", "other_member"):
        figure, soup = _chart(app, getattr(world, who), world)
        seen[who] = (figure, _changes_table(soup))
    observed = TODAY - timedelta(days=30)
    for who in ("staff", "other_member"):
        figure, rows = seen[who]
        causes = rows[1][3]
        assert secret_person not in str(figure)
        assert secret_person not in causes
        assert f"a stance change ({observed.strftime('%B %Y')})" in causes
        assert observed.strftime("%d %b %Y") not in causes  # the month only
        assert "against ratification" not in causes  # nor its value
    for who in ("coordinator", "member"):
        assert secret_person in seen[who][1][1][3]
    # Same marks, rows and dots for every reader: the shape tells nobody more.
    shapes = {
        who: (
            len(figure.select("circle.change-mark")),
            len(rows),
            figure.select_one("polyline.history-line")["points"],
        )
        for who, (figure, rows) in seen.items()
    }
    assert len(set(shapes.values())) == 1


def test_the_stance_before_a_change_is_one_the_reader_may_see(app, world):
    """A stance seen in a restricted contact is dated by its month only for those who may
    not read it: the "before" of a later stance never says on which side of it that day
    falls."""
    _causes(world)  # the restricted "against" of 30 days ago
    secret_person = world.home.reps[2]
    StanceRecordFactory(
        representative=secret_person,
        stance=Stance.LEANING_FOR,
        observed_on=TODAY - timedelta(days=25),
    )
    db.session.commit()
    _snapshots(world)
    state_id = world.home.state.id
    for who, before in (("staff", None), ("coordinator", "against_ratification")):
        history = histories(
            world.campaign, [state_id], TODAY, RiskConfig(), reader=getattr(world, who)
        )[state_id]
        causes = [c for ch in history.changes for c in ch.causes if c.who == secret_person.name]
        later = [c.before for c in causes if c.detail == "leaning_for"]
        assert later == [before], who


def test_the_risk_page_reads_the_history_in_a_fixed_number_of_queries(app, world):
    _causes(world)  # first: the writes take a change snapshot of today, replaced here
    _snapshots(world)
    client = sign_in(app.test_client(), world.coordinator)
    url = f"/states/{world.home.state.iso2}/risk"
    before = page_queries(app, client, url)
    # Twice the snapshots, marks and causes.
    more = [(d - 1, p + (0.3 if n % 2 else 0.0)) for n, (d, p) in enumerate(SNAPSHOTS[1:])]
    state = world.home.state
    for days_ago, p in more:
        on = TODAY - timedelta(days=days_ago)
        db.session.add(
            RiskSnapshot(
                state_id=state.id,
                campaign_id=world.campaign.id,
                taken_on=on,
                taken_at=datetime.combine(on, time(18), UTC),
                reason=SnapshotReason.CHANGE,
                probability=min(p, 1.0),
                risk=min(p, 1.0),
                level="low",
                coverage=None,
                chambers=[],
            )
        )
    for n in range(4):
        StanceRecordFactory(
            representative=world.home.reps[n % 4],
            stance=Stance.LEANING_AGAINST,
            observed_on=TODAY - timedelta(days=60 + 20 * n),
        )
        MembershipFactory(
            representative=world.home.reps[n % 4],
            chamber=world.home.chamber,
            start_date=TODAY - timedelta(days=70 + 20 * n),
            end_date=TODAY - timedelta(days=69 + 20 * n),
        )
    db.session.commit()
    client.get(url)
    assert page_queries(app, client, url) == before


def test_the_dashboard_trend_says_its_ends_and_its_last_value(app, world):
    _snapshots(world)
    client = sign_in(app.test_client(), world.coordinator)
    soup = page(client, "/dashboard")
    row = next(
        tr
        for tr in soup.select("table.risk-table tbody tr")
        if world.home.state.name in tr.select_one("th").get_text()
    )
    trend = row.select_one(".trend").get_text(" ", strip=True)
    assert "90 d ago" in trend
    assert "now" in trend
    assert "12 % now" in trend  # the last snapshot, 5 days ago
    assert "(38 % 90 days ago)" in trend


# --- geometry ------------------------------------------------------------------------------

START = date(2025, 1, 1)


@given(
    st.lists(st.tuples(st.integers(-30, 400), st.floats(0, 1, allow_nan=False)), max_size=60).map(
        sorted
    ),
    st.lists(st.integers(0, 59), max_size=10),
    st.lists(st.integers(-10, 380), max_size=5),
)
def test_the_timeline_stays_in_its_plot_and_runs_forward_in_time(values, marked, events):
    end = START + timedelta(days=365)
    dated = [(START + timedelta(days=d), p) for d, p in values]
    chart = timeline(
        dated,
        START,
        end,
        bands=[("low", 0.0, 0.15), ("high", 0.5, 1.0)],
        events=[START + timedelta(days=d) for d in events],
        marked=[i for i in marked if i < len(values)],
    )
    assert len(chart.points) == len(values)
    xs = [x for x, _y in chart.points]
    assert xs == sorted(xs)
    for x, y in chart.points:
        assert chart.left <= x <= chart.right
        assert chart.top <= y <= chart.bottom
    line = [tuple(map(float, pair.split(","))) for pair in chart.line.split()]
    assert [x for x, _y in line] == sorted(x for x, _y in line)
    assert all(chart.left <= x <= chart.right and chart.top <= y <= chart.bottom for x, y in line)
    assert len(chart.marks) == len({i for i in marked if i < len(values)})
    for mark in chart.marks:
        assert (mark.x, mark.y) in chart.points
    assert all(chart.left <= e.x <= chart.right for e in chart.events)
    for band in chart.bands:
        assert chart.top <= band.y
        assert band.y + band.height <= chart.bottom + 0.01
    assert [t.on.day for t in chart.months] == [1] * len(chart.months)
    assert re.fullmatch(r"[\d., -]*", chart.line)
