"""The states page lists the states a page at a time, each page's figures read for its
states only: the same rows as one long page, whatever the campaign's size."""

from __future__ import annotations

import pytest

from tests.conftest import sign_in
from tests.pages import page, text


def _rows(soup) -> dict[str, str]:
    """Each state's row, as text, by the state's code."""
    return {
        row.select_one("abbr").get_text(strip=True): text(row)
        for row in soup.select("main table tbody tr")
    }


def test_the_pages_hold_the_rows_of_the_one_long_page(demo_app, demo_client):
    sign_in(demo_client, "coordinator@demo.example")
    whole = page(demo_client, "/states")
    everyone = _rows(whole)
    assert len(everyone) == 19
    assert "19 states: agreement, parliament and contacts" in text(whole)
    assert whole.select_one("nav.pagination") is None

    demo_app.config.update(PAGE_SIZE=5)
    paged: dict[str, str] = {}
    order: list[str] = []
    for number in range(1, 5):
        soup = page(demo_client, f"/states?page={number}")
        assert f"19 states: agreement, parliament and contacts — page {number} of 4" in text(soup)
        rows = _rows(soup)
        assert len(rows) == (5 if number < 4 else 4)
        order += list(rows)
        paged.update(rows)
    assert paged == everyone
    assert order == list(everyone)

    beyond = page(demo_client, "/states?page=5")
    assert "There is no page 5." in text(beyond)
    assert not _rows(beyond)


@pytest.mark.parametrize("asked", ["0", "-3", "two", ""])
def test_a_page_that_is_no_number_is_the_first(demo_app, demo_client, asked):
    sign_in(demo_client, "coordinator@demo.example")
    demo_app.config.update(PAGE_SIZE=5)
    soup = page(demo_client, f"/states?page={asked}")
    assert "— page 1 of 4" in text(soup)


def test_a_page_past_every_list_is_refused_in_words(demo_client):
    sign_in(demo_client, "coordinator@demo.example")
    soup = page(demo_client, f"/states?page={10**20}")
    assert "There is no page 100000." in text(soup)
