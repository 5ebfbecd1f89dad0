"""Words (issue 15, item 8): stances that say what they are about, a Brier score beside what a
coin flip scores, Timor-Leste under its own name, and dates on the states page that match
the data shown."""

from __future__ import annotations

import re

import pytest

from crm.db import today
from crm.interchange.csvio import cell
from crm.parliament.models import Stance, stance_label
from crm.risk.wording import COIN_FLIP_BRIER, brier_verdict
from crm.templating import fmt_date
from tests.briefings.pdf import read, squeeze
from tests.conftest import login, sign_in
from tests.pages import page, text

# --- Stances ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stance", "label", "short"),
    [
        (Stance.FOR_RATIFICATION, "For ratification", "For"),
        (Stance.LEANING_FOR, "Leaning for ratification", "Leaning for"),
        (Stance.UNDECIDED, "Undecided", "Undecided"),
        (Stance.LEANING_AGAINST, "Leaning against ratification", "Leaning against"),
        (Stance.AGAINST_RATIFICATION, "Against ratification", "Against"),
        (Stance.UNKNOWN, "Unknown", "Unknown"),
    ],
)
def test_stance_labels_say_what_the_stance_is_about(stance, label, short):
    assert stance.label == label
    assert stance.short_label == short
    assert stance_label(stance.value) == label
    assert stance_label(stance.value, short=True) == short
    # What the API and the CSV files carry does not change with the words.
    assert cell(stance) == stance.value


def test_a_missing_stance_reads_unknown():
    assert stance_label(None) == "Unknown"


def test_a_representatives_page_says_leaning_for_what(app, world):
    rep = world.home.reps[0]  # leaning for ratification (tests/world.py)
    client = sign_in(app.test_client(), world.staff)
    soup = page(client, f"/representatives/{rep.id}")
    badges = {b.get_text(strip=True) for b in soup.select(".badge.stance-leaning_for")}
    assert badges == {"Leaning for ratification"}


def test_a_representatives_briefing_says_leaning_for_what(app, world):
    rep = world.home.reps[0]
    client = sign_in(app.test_client(), world.staff)
    response = client.get(f"/representatives/{rep.id}/briefing.pdf")
    assert response.status_code == 200
    squeezed = read(response.data).squeezed()
    assert squeeze("Leaning for ratification") in squeezed


# --- The Brier score -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "verdict"),
    [
        (0.0, "better than a coin flip"),
        (0.249, "better than a coin flip"),
        (COIN_FLIP_BRIER, "no better than a coin flip"),
        (0.301, "worse than a coin flip"),
    ],
)
def test_brier_verdict_compares_with_a_coin_flip(score, verdict):
    assert brier_verdict(score) == verdict


def test_brier_scores_are_shown_beside_a_coin_flips(demo_client):
    login(demo_client, "coordinator@demo.example")
    soup = page(demo_client, "/states/TJ/risk")
    explained = text(soup.select_one("#brier-explained"))
    assert "0.25 is what a coin flip scores" in explained
    cells = [
        text(row.select("td")[-2])
        for row in soup.select("#reviews-heading ~ div table tbody tr")
        if text(row.select("td")[-2]) != "—"
    ]
    assert cells, "the demo holds votes with recorded individual votes in Tajikistan"
    for shown in cells:
        match = re.fullmatch(r"(\d\.\d{3}) against 0\.25 for a coin flip: (.+)", shown)
        assert match, shown
        assert match.group(2) == brier_verdict(float(match.group(1)))


# --- Timor-Leste -----------------------------------------------------------------------------


def test_timor_leste_is_called_by_its_own_name(demo_client):
    login(demo_client, "coordinator@demo.example")
    for url in ["/states", "/states/TL", "/dashboard", "/states/TL/risk"]:
        body = text(page(demo_client, url))
        assert "Timor-Leste" in body, url
        assert "East Timor" not in body, url
    state_page = page(demo_client, "/states/TL")
    assert "Timor-Leste" in state_page.h1.get_text()
    row = next(
        th for th in page(demo_client, "/states").select("th[scope=row]") if "Timor" in text(th)
    )
    assert text(row) == "Timor-Leste TL"


# --- The states page's dates -----------------------------------------------------------------


def test_the_states_page_dates_its_data_today_not_2003(demo_client):
    login(demo_client, "coordinator@demo.example")
    intro = text(page(demo_client, "/states").select_one(".page-intro"))
    assert f"as recorded on {fmt_date(today())}" in intro
    # The campaign's 2003 date dates the list of states it started from, and says so.
    assert "Situation as of" not in intro
    assert "list of signatory states dates from 29 Jan 2003" in intro
