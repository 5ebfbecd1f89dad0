"""The coordinator overview's twelve months per state: one chart each, every state's history
read at once, and a restricted stance's person left out for a reader who may not read it."""

from __future__ import annotations

from datetime import date, timedelta

from bs4 import BeautifulSoup
from flask import render_template

from crm.briefings import packs
from crm.extensions import db
from crm.risk.models import SnapshotReason
from tests.briefings.test_packs import _count
from tests.factories import AgreementFactory, StateFactory
from tests.risk.test_risk_history import _causes, _snapshots, add_snapshot


def _overview(reader) -> BeautifulSoup:
    pack = packs.overview_pack(reader)
    return BeautifulSoup(render_template("pdf/overview.html", pack=pack), "html.parser")


def test_the_overview_draws_each_open_states_twelve_months(app, world):
    _causes(world)
    _snapshots(world)
    soup = _overview(world.staff)
    section = soup.select_one("section#history")
    charts = section.select("svg.history-svg")
    assert len(charts) == 2  # the world's two open states
    cells = section.select("table.history-grid td:has(svg)")
    names = {cell.h3.get_text(" ", strip=True).split(" ")[0] for cell in cells}
    assert names == {"Home", "Other"}
    home = next(cell for cell in cells if world.home.state.name in cell.h3.text)
    assert len(home.select("circle.change-mark")) == 2
    # Each numbered mark is listed with its date and size, and the held stage with its own.
    marks = [li.get_text(" ", strip=True) for li in home.select("ul.history-marks li")]
    assert [m.split(" ")[0] for m in marks] == ["1", "2", "S1"]
    assert all("points" in m for m in marks[:2])
    # The causes are the state page's: the overview names no one, restricted or not, for
    # any reader, and says where they are.
    for reader in (world.staff, world.coordinator):
        text = str(_overview(reader).select_one("section#history"))
        for rep in (*world.home.reps, *world.other.reps):
            assert rep.name not in text
        assert "Newcomer Seated" not in text
        assert "a stance change" not in text
    assert "on the state's risk page" in section.get_text(" ", strip=True)
    # One legend of the shading for the whole section, not one per state.
    assert len(section.select("ul.legend")) == 1


def test_the_overviews_history_queries_do_not_grow_with_states_or_marks(app, world):
    _causes(world)
    _snapshots(world)
    before = _count(lambda: packs.overview_pack(world.staff))
    # A third open state, marked changes in every state, and more in the home state.
    third = StateFactory(name="Third land")
    AgreementFactory(campaign=world.campaign, state=third)
    for state, offset in ((world.other.state, 0), (world.home.state, 3), (third, 1)):
        for n, days_ago in enumerate(range(300, 10, -30)):
            on = date.today() - timedelta(days=days_ago + offset)
            p = 0.2 + 0.3 * (n % 2)
            add_snapshot(state, world.campaign, on, p, SnapshotReason.CHANGE, hour=9)
    db.session.commit()
    assert _count(lambda: packs.overview_pack(world.staff)) == before
