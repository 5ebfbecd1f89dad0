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
    names = {h.get_text(" ", strip=True) for h in section.select("div.history-state > h3")}
    assert {name.split(" ")[0] for name in names} == {"Home", "Other"}
    home = next(
        div for div in section.select("div.history-state") if world.home.state.name in div.h3.text
    )
    assert len(home.select("circle.change-mark")) == 2
    # Staff may not read the home state's restricted contacts.
    assert world.home.reps[2].name not in str(section)
    assert "a stance change" in home.get_text()
    coordinator = _overview(world.coordinator).select_one("section#history")
    assert world.home.reps[2].name in str(coordinator)


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
